package plot

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

// sampleDir is where rendered figures go: $SPIKERNN_PLOT_SAMPLES when set
// (to look at them), else a temporary directory.
func sampleDir(t *testing.T) string {
	if d := os.Getenv("SPIKERNN_PLOT_SAMPLES"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

func newRng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

// render saves fig as name.png and name.svg, checks that the PNG decodes to
// the figure's pixel size and that the SVG is well-formed XML, and returns
// the SVG's path elements.
func render(t *testing.T, name string, fig *Figure) []svgPath {
	t.Helper()
	dir := sampleDir(t)
	pngPath := filepath.Join(dir, name+".png")
	if err := fig.Save(pngPath); err != nil {
		t.Fatalf("%s: save PNG: %v", name, err)
	}
	b, err := os.ReadFile(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("%s: not a PNG", name)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: decode PNG: %v", name, err)
	}
	dpi := vg.Length(fig.dpi())
	wantW, wantH := int(fig.Width/vg.Inch*dpi+0.5), int(fig.Height/vg.Inch*dpi+0.5)
	if got := img.Bounds().Size(); got.X != wantW || got.Y != wantH {
		t.Errorf("%s: PNG is %v, want %dx%d", name, got, wantW, wantH)
	}
	svgPath := filepath.Join(dir, name+".svg")
	if err := fig.Save(svgPath); err != nil {
		t.Fatalf("%s: save SVG: %v", name, err)
	}
	s, err := os.ReadFile(svgPath)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := parseSVG(s)
	if err != nil {
		t.Fatalf("%s: SVG: %v", name, err)
	}
	return paths
}

type svgPath struct{ D, Style string }

// parseSVG checks that b is well-formed XML with an <svg> root and returns
// its <path> elements.
func parseSVG(b []byte) ([]svgPath, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	var paths []svgPath
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			}
			if se.Name.Local == "path" {
				var p svgPath
				for _, a := range se.Attr {
					switch a.Name.Local {
					case "d":
						p.D = a.Value
					case "style":
						p.Style = a.Value
					}
				}
				paths = append(paths, p)
			}
		}
	}
	if root != "svg" {
		return nil, errors.New("root element is " + root)
	}
	return paths, nil
}

// countMoves counts the subpaths (M commands) of the paths whose style
// contains all of the given fragments.
func countMoves(paths []svgPath, fragments ...string) (n int) {
	for _, p := range paths {
		ok := true
		for _, f := range fragments {
			ok = ok && strings.Contains(p.Style, f)
		}
		if ok {
			n += strings.Count(p.D, "M")
		}
	}
	return n
}

func countPaths(paths []svgPath, fragments ...string) (n int) {
	for _, p := range paths {
		ok := true
		for _, f := range fragments {
			ok = ok && strings.Contains(p.Style, f)
		}
		if ok {
			n++
		}
	}
	return n
}

func wantInputError(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", what)
	} else if !errors.Is(err, ErrInput) {
		t.Errorf("%s: error %v does not wrap ErrInput", what, err)
	}
}
