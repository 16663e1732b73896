package plot

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"github.com/spikernn/spikernn/internal/atomicfile"
	"image/color"
	"io"
	"path/filepath"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// DefaultDPI is the resolution PNG renders use unless a figure sets its own.
const DefaultDPI = 150

// Figure is a grid of gonum plots (panels) drawn together, with an optional
// title on top. The figure functions of this package return one ready to
// render; a notebook can still adjust any panel through Panel before
// rendering, since panels are ordinary *gonum.org/v1/plot.Plot values.
//
// Panels are laid out so that the data areas of a column share their
// left and right edges and those of a row their top and bottom edges, whatever
// the width of the tick labels. Column widths and row heights are
// proportional to the weights set with SetWidths and SetHeights (equal by
// default). A nil panel leaves its cell empty.
//
// A Figure is not safe for concurrent rendering.
type Figure struct {
	// Title is drawn centred above the panels; empty for none.
	Title string
	// Width and Height are the physical size of the figure
	// (e.g. 6*vg.Inch); PNG renders have Width/inch*DPI pixels across.
	Width, Height vg.Length
	// DPI is the PNG resolution in dots per inch (DefaultDPI when <= 0).
	DPI int
	// EqualAspect gives one data unit the same length on both axes of
	// every panel (linear axes), shrinking a data area within its cell.
	EqualAspect bool
	// LegendOutside draws each panel's legend in a strip to the right of
	// its data area instead of over the data (on a translucent box).
	LegendOutside bool

	rows, cols int
	panels     []*gplot.Plot // row-major
	colWeights []float64
	rowWeights []float64
}

// NewFigure returns an empty figure with rows x cols panels (nil until set
// with SetPanel) and a default size of 4 x 3 inches per panel.
// Non-positive rows or cols count as 1.
func NewFigure(rows, cols int) *Figure {
	rows, cols = max(rows, 1), max(cols, 1)
	return &Figure{
		Width:  vg.Length(cols) * 4 * vg.Inch,
		Height: vg.Length(rows) * 3 * vg.Inch,
		DPI:    DefaultDPI,
		rows:   rows,
		cols:   cols,
		panels: make([]*gplot.Plot, rows*cols),
	}
}

// Grid returns a figure of rows x cols panels filled row by row from panels
// (at most rows*cols of them; missing ones leave empty cells). It lets a
// notebook combine panels of several figures, e.g.
//
//	fig, err := plot.Grid(1, 3, slices.Concat(a.Panels(), b.Panels(), c.Panels())...)
func Grid(rows, cols int, panels ...*gplot.Plot) (_ *Figure, err error) {
	defer guard(&err)
	if rows <= 0 || cols <= 0 {
		return nil, badInput("grid of %d x %d panels", rows, cols)
	}
	if len(panels) > rows*cols {
		return nil, badInput("%d panels do not fit a %d x %d grid", len(panels), rows, cols)
	}
	f := NewFigure(rows, cols)
	copy(f.panels, panels)
	return f, nil
}

// Beside returns one figure with the panels of figs side by side, in order
// (each figure's panels row by row, empty cells left out), as wide as the
// figures together and as tall as the tallest; legends go outside the data
// when any figure drew them there. It is how a notebook shows the panels of
// a paper's figure that separate calls drew, e.g. Fig 3B-C:
//
//	fig, err := plot.Beside(trained, accuracy, trials)
func Beside(figs ...*Figure) (_ *Figure, err error) {
	defer guard(&err)
	var panels []*gplot.Plot
	var width, height vg.Length
	outside := false
	for i, f := range figs {
		if f == nil {
			return nil, badInput("figure %d is nil", i)
		}
		for _, p := range f.panels {
			if p != nil {
				panels = append(panels, p)
			}
		}
		width, height = width+f.Width, max(height, f.Height)
		outside = outside || f.LegendOutside
	}
	if len(panels) == 0 {
		return nil, badInput("no panels")
	}
	g := NewFigure(1, len(panels)).WithSize(width, height)
	copy(g.panels, panels)
	g.LegendOutside = outside
	return g, nil
}

// Rows returns the number of panel rows.
func (f *Figure) Rows() int { return f.rows }

// Cols returns the number of panel columns.
func (f *Figure) Cols() int { return f.cols }

// Panel returns the panel at (row, col), or nil when the cell is empty or
// outside the grid.
func (f *Figure) Panel(row, col int) *gplot.Plot {
	if row < 0 || row >= f.rows || col < 0 || col >= f.cols {
		return nil
	}
	return f.panels[row*f.cols+col]
}

// SetPanel puts p at (row, col); it panics if the cell is outside the grid.
func (f *Figure) SetPanel(row, col int, p *gplot.Plot) {
	if row < 0 || row >= f.rows || col < 0 || col >= f.cols {
		panic(fmt.Sprintf("plot: panel (%d, %d) outside a %d x %d figure", row, col, f.rows, f.cols))
	}
	f.panels[row*f.cols+col] = p
}

// Panels returns the panels row by row, empty cells included as nil.
func (f *Figure) Panels() []*gplot.Plot {
	return append([]*gplot.Plot(nil), f.panels...)
}

// WithSize sets the physical size and returns f, for chaining.
func (f *Figure) WithSize(width, height vg.Length) *Figure {
	f.Width, f.Height = width, height
	return f
}

// WithDPI sets the PNG resolution and returns f.
func (f *Figure) WithDPI(dpi int) *Figure {
	f.DPI = dpi
	return f
}

// WithPixels sets the size so that PNG renders at the figure's DPI are
// width x height pixels, and returns f.
func (f *Figure) WithPixels(width, height int) *Figure {
	dpi := vg.Length(f.dpi())
	f.Width = vg.Length(width) / dpi * vg.Inch
	f.Height = vg.Length(height) / dpi * vg.Inch
	return f
}

// WithTitle sets the figure title and returns f.
func (f *Figure) WithTitle(title string) *Figure {
	f.Title = title
	return f
}

// SetWidths sets relative column widths (one positive weight per column)
// and returns f. It panics on a wrong count or a non-positive weight.
func (f *Figure) SetWidths(weights ...float64) *Figure {
	f.colWeights = checkWeights("column", weights, f.cols)
	return f
}

// SetHeights sets relative row heights (one positive weight per row, top
// row first) and returns f. It panics on a wrong count or a non-positive weight.
func (f *Figure) SetHeights(weights ...float64) *Figure {
	f.rowWeights = checkWeights("row", weights, f.rows)
	return f
}

func checkWeights(what string, w []float64, n int) []float64 {
	if len(w) != n {
		panic(fmt.Sprintf("plot: %d %s weights for %d %ss", len(w), what, n, what))
	}
	for _, x := range w {
		if !(x > 0) || isBad(x) {
			panic(fmt.Sprintf("plot: %s weight %v is not positive", what, x))
		}
	}
	return append([]float64(nil), w...)
}

// ShareY gives every panel the union of the panels' y ranges and returns f.
func (f *Figure) ShareY() *Figure {
	share(f.panels, func(p *gplot.Plot) *gplot.Axis { return &p.Y })
	return f
}

// ShareX gives every panel the union of the panels' x ranges and returns f.
func (f *Figure) ShareX() *Figure {
	share(f.panels, func(p *gplot.Plot) *gplot.Axis { return &p.X })
	return f
}

func share(panels []*gplot.Plot, axis func(*gplot.Plot) *gplot.Axis) {
	first := true
	var lo, hi float64
	for _, p := range panels {
		if p == nil {
			continue
		}
		a := axis(p)
		if first {
			lo, hi, first = a.Min, a.Max, false
		}
		lo, hi = min(lo, a.Min), max(hi, a.Max)
	}
	for _, p := range panels {
		if p != nil {
			a := axis(p)
			a.Min, a.Max = lo, hi
		}
	}
}

func (f *Figure) dpi() int {
	if f.DPI <= 0 {
		return DefaultDPI
	}
	return f.DPI
}

// Draw draws the figure onto c (its whole rectangle). Rendering errors of
// the underlying plots, which gonum reports by panicking, are returned.
func (f *Figure) Draw(c draw.Canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plot: drawing figure: %v", r)
		}
	}()
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())

	const pad = 4 * vg.Millimeter / 2
	c = draw.Crop(c, pad, -pad, pad, -pad)
	if f.Title != "" {
		sty := textStyle(titleSize + 2)
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y}, f.Title)
		c.Max.Y -= sty.Rectangle(f.Title).Size().Y + pad
	}
	return f.layout(c)
}

// layout places the panels in c with aligned data areas.
func (f *Figure) layout(c draw.Canvas) error {
	const gapX, gapY = 6 * vg.Millimeter / 2, 4 * vg.Millimeter / 2
	cw, rw := f.colWeights, f.rowWeights
	if cw == nil {
		cw = ones(f.cols)
	}
	if rw == nil {
		rw = ones(f.rows)
	}
	W := c.Max.X - c.Min.X - vg.Length(f.cols-1)*gapX
	H := c.Max.Y - c.Min.Y - vg.Length(f.rows-1)*gapY
	if W <= 0 || H <= 0 {
		return fmt.Errorf("plot: figure %v x %v too small for its panels", f.Width, f.Height)
	}
	// First pass: measure each panel's insets (space outside its data area)
	// in a provisional tile of about its cell's size.
	colW := split(W, cw)
	rowH := split(H, rw)
	left, right := make([]vg.Length, f.cols), make([]vg.Length, f.cols)
	bottom, top := make([]vg.Length, f.rows), make([]vg.Length, f.rows)
	for i := range f.rows {
		for j := range f.cols {
			p := f.panels[i*f.cols+j]
			if p == nil {
				continue
			}
			// Insets barely depend on the tile's size; a tile of at
			// least 2 inches keeps the measure sane for tiny figures.
			tw, th := max(colW[j], 2*vg.Inch), max(rowH[i], 2*vg.Inch)
			tile := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Max: vg.Point{X: tw, Y: th}}}
			d := f.dataArea(p, tile)
			left[j] = max(left[j], d.Min.X)
			right[j] = max(right[j], tw-d.Max.X)
			bottom[i] = max(bottom[i], d.Min.Y)
			top[i] = max(top[i], th-d.Max.Y)
		}
	}
	// Second pass: share the remaining space among the data areas by weight.
	dataW, dataH := W, H
	for j := range f.cols {
		dataW -= left[j] + right[j]
	}
	for i := range f.rows {
		dataH -= bottom[i] + top[i]
	}
	if dataW <= 0 || dataH <= 0 {
		return fmt.Errorf("plot: figure %v x %v leaves no room for the panels' data", f.Width, f.Height)
	}
	dw, dh := split(dataW, cw), split(dataH, rw)
	y := c.Max.Y
	for i := range f.rows {
		dataTop := y - top[i]
		dataBottom := dataTop - dh[i]
		x := c.Min.X
		for j := range f.cols {
			dataLeft := x + left[j]
			dataRight := dataLeft + dw[j]
			if p := f.panels[i*f.cols+j]; p != nil {
				tile := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
					Min: vg.Point{X: dataLeft - left[j], Y: dataBottom - bottom[i]},
					Max: vg.Point{X: dataRight + right[j], Y: dataTop + top[i]},
				}}
				// Trim the tile so that this panel's data area lands exactly
				// on the shared one (or, for equal aspect, centred in it).
				l, r, b, t := dataLeft, dataRight, dataBottom, dataTop
				if f.EqualAspect {
					l, r, b, t = equalAspect(p, l, r, b, t)
				}
				d := f.dataArea(p, tile)
				tile = draw.Crop(tile, l-d.Min.X, r-d.Max.X, b-d.Min.Y, t-d.Max.Y)
				f.drawPanel(p, tile)
			}
			x = dataRight + right[j] + gapX
		}
		y = dataBottom - bottom[i] - gapY
	}
	return nil
}

// equalAspect shrinks the data rectangle [l, r] x [b, t] about its centre
// so that p's x and y ranges get the same scale.
func equalAspect(p *gplot.Plot, l, r, b, t vg.Length) (vg.Length, vg.Length, vg.Length, vg.Length) {
	xr, yr := p.X.Max-p.X.Min, p.Y.Max-p.Y.Min
	if !(xr > 0) || !(yr > 0) || isBad(xr) || isBad(yr) {
		return l, r, b, t
	}
	w, h := r-l, t-b
	if want := h * vg.Length(xr/yr); want < w {
		l += (w - want) / 2
		r = l + want
	} else {
		want := w * vg.Length(yr/xr)
		b += (h - want) / 2
		t = b + want
	}
	return l, r, b, t
}

const legendGap = 6 // points between the data area and an outside legend

// legendStrip is the width kept right of p's data area for its legend
// (0 unless LegendOutside and p has legend entries).
func (f *Figure) legendStrip(p *gplot.Plot, c draw.Canvas) vg.Length {
	if !f.LegendOutside {
		return 0
	}
	w := p.Legend.Rectangle(c).Size().X
	if w == 0 {
		return 0
	}
	return w + legendGap
}

// dataArea is the data area of p drawn in c.
func (f *Figure) dataArea(p *gplot.Plot, c draw.Canvas) draw.Canvas {
	c.Max.X -= f.legendStrip(p, c)
	return p.DataCanvas(c)
}

// drawPanel draws p into c with its legend (if any) either in a strip to
// the right of the data area or over the data on a translucent white box
// so that it stays readable.
func (f *Figure) drawPanel(p *gplot.Plot, c draw.Canvas) {
	strip := f.legendStrip(p, c)
	leg := p.Legend
	p.Legend = gplot.NewLegend()
	defer func() { p.Legend = leg }()
	pc := c
	pc.Max.X -= strip
	p.Draw(pc)
	if leg.Rectangle(c).Size().Y == 0 {
		return
	}
	d := p.DataCanvas(pc)
	if strip > 0 {
		lc := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: pc.Max.X + legendGap, Y: d.Min.Y},
			Max: vg.Point{X: c.Max.X, Y: d.Max.Y},
		}}
		leg.Left, leg.Top = true, true
		leg.XOffs, leg.YOffs = 0, 0
		leg.Draw(lc)
		return
	}
	// Legend.Rectangle gets the horizontal side wrong (it anchors Left
	// legends at the right edge): take only its size.
	r := leg.Rectangle(d)
	const m = 1.5
	w, h := r.Size().X, r.Size().Y
	box := vg.Rectangle{Min: vg.Point{X: d.Min.X, Y: d.Min.Y}}
	if !leg.Left {
		box.Min.X = d.Max.X - w
	}
	if leg.Top {
		box.Min.Y = d.Max.Y - h
	}
	box.Min.X += leg.XOffs - m
	box.Min.Y += leg.YOffs - m
	box.Max = vg.Point{X: box.Min.X + w + 2*m, Y: box.Min.Y + h + 2*m}
	c.SetColor(color.NRGBA{R: 255, G: 255, B: 255, A: 210})
	c.Fill(box.Path())
	leg.Draw(d)
}

func ones(n int) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

func split(total vg.Length, w []float64) []vg.Length {
	var s float64
	for _, x := range w {
		s += x
	}
	out := make([]vg.Length, len(w))
	for i, x := range w {
		out[i] = total * vg.Length(x/s)
	}
	return out
}

func (f *Figure) checkSize() error {
	if !(f.Width > 0) || !(f.Height > 0) || isBad(float64(f.Width)) || isBad(float64(f.Height)) {
		return fmt.Errorf("plot: figure size %v x %v is not positive", f.Width, f.Height)
	}
	return nil
}

// PNG renders the figure as a PNG image of Width x Height at the figure's DPI.
func (f *Figure) PNG() ([]byte, error) {
	return f.render("PNG", func() (vg.CanvasSizer, io.WriterTo) {
		c := vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(f.dpi()))
		return c, vgimg.PngCanvas{Canvas: c}
	})
}

// SVG renders the figure as an SVG document (fonts referenced by name, not
// embedded).
func (f *Figure) SVG() ([]byte, error) {
	return f.render("SVG", func() (vg.CanvasSizer, io.WriterTo) {
		c := vgsvg.New(f.Width, f.Height)
		return c, c
	})
}

// PDF renders the figure as a single-page PDF document with embedded fonts.
func (f *Figure) PDF() ([]byte, error) {
	return f.render("PDF", func() (vg.CanvasSizer, io.WriterTo) {
		c := vgpdf.New(f.Width, f.Height)
		return c, c
	})
}

// render checks the figure's size, draws it on the canvas newCanvas
// returns (created only once the size is known to be sane) and encodes it
// through that canvas's writer as format (named in errors).
func (f *Figure) render(format string, newCanvas func() (vg.CanvasSizer, io.WriterTo)) ([]byte, error) {
	if err := f.checkSize(); err != nil {
		return nil, err
	}
	c, w := newCanvas()
	if err := f.Draw(draw.New(c)); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plot: encoding %s: %w", format, err)
	}
	return buf.Bytes(), nil
}

// HTML returns an <img> element holding the PNG render as a data URL, for
// notebook display calls that take HTML (it survives static HTML exports).
func (f *Figure) HTML() (string, error) {
	b, err := f.PNG()
	if err != nil {
		return "", err
	}
	w := int(f.Width/vg.Inch*vg.Length(f.dpi()) + 0.5)
	return fmt.Sprintf(`<img width="%d" src="data:image/png;base64,%s"/>`, w, base64.StdEncoding.EncodeToString(b)), nil
}

// Format is a figure file format.
type Format string

// The figure formats.
const (
	PNG Format = "png"
	SVG Format = "svg"
	PDF Format = "pdf"
)

// ParseFormat returns the format named s ("png", "svg" or "pdf", any case,
// with or without a leading dot).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimPrefix(s, "."))); f {
	case PNG, SVG, PDF:
		return f, nil
	}
	return "", fmt.Errorf("plot: unknown format %q (want png, svg or pdf)", s)
}

// Encode renders the figure in a format to w.
func (f *Figure) Encode(w io.Writer, format Format) error {
	var (
		b   []byte
		err error
	)
	switch format {
	case PNG:
		b, err = f.PNG()
	case SVG:
		b, err = f.SVG()
	case PDF:
		b, err = f.PDF()
	default:
		return fmt.Errorf("plot: unknown format %q (want png, svg or pdf)", format)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Save renders the figure to path in the format its extension names (.png,
// .svg or .pdf), atomically: a temporary file renamed into place.
func (f *Figure) Save(path string) error {
	format, err := ParseFormat(filepath.Ext(path))
	if err != nil {
		return fmt.Errorf("plot: cannot tell the format of %q (want .png, .svg or .pdf)", path)
	}
	var buf bytes.Buffer
	if err := f.Encode(&buf, format); err != nil {
		return err
	}
	if err := atomicfile.Replace(path, 0o644, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
		return fmt.Errorf("plot: saving figure: %w", err)
	}
	return nil
}

// textStyle returns the package's text style: Liberation Sans at size
// points. (No bold: gonum's PDF backend cannot select a bold face.)
func textStyle(size vg.Length) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    sansFont(size),
		Handler: gplot.DefaultTextHandler,
	}
}
