package plot

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func simplePanel(t *testing.T) *gplot.Plot {
	t.Helper()
	p := newPanel("panel", "x (s)", "y")
	p.Add(newLine([]float64{0, 1, 2}, []float64{0, 1, 4}, lineStyle(black, 1)))
	p.Legend.Add("curve", lineThumb{lineStyle(black, 1)})
	return p
}

// pngPixels renders fig as a PNG and returns the decoded image's size.
func pngPixels(t *testing.T, fig *Figure) image.Point {
	t.Helper()
	return pngImage(t, fig).Bounds().Size()
}

// pngImage renders fig as a PNG and returns the decoded image.
func pngImage(t *testing.T, fig *Figure) image.Image {
	t.Helper()
	b, err := fig.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestFigurePNGSize(t *testing.T) {
	for _, tc := range []struct{ w, h, dpi int }{{800, 500, 150}, {640, 480, 96}, {1201, 333, 300}} {
		fig := NewFigure(1, 1).WithDPI(tc.dpi).WithPixels(tc.w, tc.h)
		fig.SetPanel(0, 0, simplePanel(t))
		if s := pngPixels(t, fig); s.X != tc.w || s.Y != tc.h {
			t.Errorf("WithPixels(%d, %d) at %d dpi: got %v", tc.w, tc.h, tc.dpi, s)
		}
	}
	// Physical size and the default DPI.
	fig := NewFigure(1, 1).WithSize(4*vg.Inch, 2*vg.Inch)
	fig.SetPanel(0, 0, simplePanel(t))
	if s := pngPixels(t, fig); s.X != 4*DefaultDPI || s.Y != 2*DefaultDPI {
		t.Errorf("4 x 2 in at %d dpi: got %v", DefaultDPI, s)
	}
}

func TestBeside(t *testing.T) {
	a := NewFigure(1, 1).WithSize(4*vg.Inch, 3*vg.Inch)
	a.SetPanel(0, 0, simplePanel(t))
	b, err := Grid(1, 3, simplePanel(t), nil, simplePanel(t))
	if err != nil {
		t.Fatal(err)
	}
	b.WithSize(8*vg.Inch, 4*vg.Inch).LegendOutside = true
	fig, err := Beside(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if fig.Rows() != 1 || fig.Cols() != 3 || fig.Panel(0, 0) != a.Panel(0, 0) || fig.Panel(0, 2) != b.Panel(0, 2) {
		t.Errorf("Beside: %d x %d panels, not a's then b's non-empty ones", fig.Rows(), fig.Cols())
	}
	if fig.Width != 12*vg.Inch || fig.Height != 4*vg.Inch || !fig.LegendOutside {
		t.Errorf("Beside: %v x %v, legend outside %v", fig.Width, fig.Height, fig.LegendOutside)
	}
	render(t, "beside", fig)
	if _, err := Beside(a, nil); err == nil {
		t.Error("Beside with a nil figure: no error")
	}
	if _, err := Beside(); err == nil {
		t.Error("Beside of nothing: no error")
	}
}

func TestFigureFormats(t *testing.T) {
	fig, err := Grid(2, 2, simplePanel(t), nil, simplePanel(t), simplePanel(t))
	if err != nil {
		t.Fatal(err)
	}
	fig.Title = "Four panels"
	paths := render(t, "grid", fig)
	if len(paths) == 0 {
		t.Error("SVG has no paths")
	}
	pdf, err := fig.PDF()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Error("PDF render does not start with %PDF")
	}
	html, err := fig.HTML()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(html, "<img ") || !strings.Contains(html, "data:image/png;base64,") {
		t.Errorf("HTML = %.60q...", html)
	}
	var buf bytes.Buffer
	if err := fig.Encode(&buf, SVG); err != nil || !bytes.Contains(buf.Bytes(), []byte("<svg")) {
		t.Errorf("Encode svg: %v", err)
	}
	if err := fig.Encode(&buf, Format("gif")); err == nil {
		t.Error("Encode gif: no error")
	}
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	fig := NewFigure(1, 1)
	fig.SetPanel(0, 0, simplePanel(t))
	for _, name := range []string{"a.png", "b.SVG", "c.pdf"} {
		if err := fig.Save(filepath.Join(dir, name)); err != nil {
			t.Fatalf("Save %s: %v", name, err)
		}
	}
	if err := fig.Save(filepath.Join(dir, "d.jpg")); err == nil {
		t.Error("Save .jpg: no error")
	}
	if err := fig.Save(filepath.Join(dir, "missing", "e.png")); err == nil {
		t.Error("Save into a missing directory: no error")
	}
	// Overwrite in place, and no temporary files left behind.
	if err := fig.Save(filepath.Join(dir, "a.png")); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "a.png b.SVG c.pdf" {
		t.Errorf("directory holds %q", got)
	}
	// A failed render leaves no file.
	bad := NewFigure(1, 1).WithSize(0, 1)
	if err := bad.Save(filepath.Join(dir, "f.png")); err == nil {
		t.Error("zero width: no error")
	}
	if _, err := os.Stat(filepath.Join(dir, "f.png")); !errors.Is(err, os.ErrNotExist) {
		t.Error("failed save left a file")
	}
}

func TestFigureErrors(t *testing.T) {
	if _, err := Grid(0, 1); err == nil {
		t.Error("Grid(0, 1): no error")
	}
	if _, err := Grid(1, 1, simplePanel(t), simplePanel(t)); err == nil {
		t.Error("two panels in a 1 x 1 grid: no error")
	}
	// Too small for its panels: an error, not a panic.
	fig := NewFigure(1, 3).WithSize(0.5*vg.Inch, 0.5*vg.Inch)
	for j := range 3 {
		fig.SetPanel(0, j, simplePanel(t))
	}
	if _, err := fig.PNG(); err == nil {
		t.Error("tiny figure: no error")
	}
	// A gonum panic inside a plotter becomes an error.
	p := newPanel("", "", "")
	p.Add(panicky{})
	fig = NewFigure(1, 1)
	fig.SetPanel(0, 0, p)
	if _, err := fig.SVG(); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("panicking plotter: %v", err)
	}
}

type panicky struct{}

func (panicky) Plot(draw.Canvas, *gplot.Plot) { panic("boom") }

func TestShareAndLayout(t *testing.T) {
	a, b := simplePanel(t), simplePanel(t)
	l, err := plotter.NewLine(plotter.XYs{{X: -5, Y: 10}, {X: 1, Y: 20}})
	if err != nil {
		t.Fatal(err)
	}
	b.Add(l)
	fig, err := Grid(1, 2, a, b)
	if err != nil {
		t.Fatal(err)
	}
	fig.ShareX().ShareY().SetWidths(2, 1)
	if a.Y.Min != b.Y.Min || a.Y.Max != 20 || a.X.Min != -5 {
		t.Errorf("shared ranges: a x [%v, %v] y [%v, %v]", a.X.Min, a.X.Max, a.Y.Min, a.Y.Max)
	}
	if fig.Panel(0, 1) != b || fig.Panel(1, 0) != nil || len(fig.Panels()) != 2 {
		t.Error("Panel/Panels")
	}
	fig.LegendOutside = true
	render(t, "shared", fig)
	defer func() {
		if recover() == nil {
			t.Error("SetWidths with the wrong count did not panic")
		}
	}()
	fig.SetWidths(1)
}
