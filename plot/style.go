package plot

import (
	"image/color"
	"math"
	"strconv"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colours of the two populations, as in the paper's rasters: excitatory
// units red, inhibitory units blue.
var (
	ExcColor color.Color = color.RGBA{R: 214, G: 39, B: 40, A: 255}  // #D62728
	InhColor color.Color = color.RGBA{R: 31, G: 119, B: 180, A: 255} // #1F77B4
)

// Palette returns the sequence of colours given to conditions (and other
// categories) in order of first appearance unless an options struct sets
// its own (a copy: change it freely).
func Palette() []color.Color { return append([]color.Color(nil), paletteColors...) }

// Color returns the i-th colour of the palette, cycling.
func Color(i int) color.Color {
	return paletteColors[((i%len(paletteColors))+len(paletteColors))%len(paletteColors)]
}

var paletteColors = []color.Color{
	color.RGBA{R: 31, G: 119, B: 180, A: 255},  // blue
	color.RGBA{R: 255, G: 127, B: 14, A: 255},  // orange
	color.RGBA{R: 44, G: 160, B: 44, A: 255},   // green
	color.RGBA{R: 214, G: 39, B: 40, A: 255},   // red
	color.RGBA{R: 148, G: 103, B: 189, A: 255}, // purple
	color.RGBA{R: 140, G: 86, B: 75, A: 255},   // brown
	color.RGBA{R: 227, G: 119, B: 194, A: 255}, // pink
	color.RGBA{R: 127, G: 127, B: 127, A: 255}, // grey
	color.RGBA{R: 188, G: 189, B: 34, A: 255},  // olive
	color.RGBA{R: 23, G: 190, B: 207, A: 255},  // cyan
}

var (
	black     color.Color = color.Black
	grey      color.Color = color.Gray{Y: 110}
	lightGrey color.Color = color.Gray{Y: 200}
)

const (
	titleSize  = 11
	labelSize  = 10
	tickSize   = 9
	legendSize = 9
)

func sansFont(size vg.Length) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
}

// newPanel returns a gonum plot in the package's style: Liberation Sans,
// 11/10/9 pt title/labels/ticks, legend at the top right.
func newPanel(title, xlabel, ylabel string) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sansFont(titleSize)
	p.Title.Padding = 4
	for _, a := range []*gplot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sansFont(labelSize)
		a.Tick.Label.Font = sansFont(tickSize)
		a.Padding = 3
		a.Tick.Marker = niceTicks{}
	}
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.TextStyle.Font = sansFont(legendSize)
	p.Legend.Top = true
	p.Legend.Padding = 1.5
	p.Legend.ThumbnailWidth = 0.6 * vg.Centimeter
	return p
}

// withAlpha returns c with opacity a (0..1).
func withAlpha(c color.Color, a float64) color.Color {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = uint8(math.Round(255 * a))
	return n
}

func lineStyle(c color.Color, width vg.Length, dashes ...vg.Length) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: width, Dashes: dashes}
}

// hLine is a horizontal line across the whole data area at Y.
type hLine struct {
	Y     float64
	Style draw.LineStyle
}

func (h hLine) Plot(c draw.Canvas, p *gplot.Plot) {
	if h.Y < p.Y.Min || h.Y > p.Y.Max {
		return
	}
	y := c.Y(p.Y.Norm(h.Y))
	c.StrokeLine2(h.Style, c.Min.X, y, c.Max.X, y)
}

func (h hLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), h.Y, h.Y
}

func (h hLine) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(h.Style, c.Min.X, y, c.Max.X, y)
}

// vLine is a vertical line across the whole data area at X.
type vLine struct {
	X     float64
	Style draw.LineStyle
}

func (v vLine) Plot(c draw.Canvas, p *gplot.Plot) {
	if v.X < p.X.Min || v.X > p.X.Max {
		return
	}
	x := c.X(p.X.Norm(v.X))
	c.StrokeLine2(v.Style, x, c.Min.Y, x, c.Max.Y)
}

func (v vLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	return v.X, v.X, math.Inf(1), math.Inf(-1)
}

func (v vLine) Thumbnail(c *draw.Canvas) {
	x := c.Center().X
	c.StrokeLine2(v.Style, x, c.Min.Y, x, c.Max.Y)
}

// vSpan shades the data area between X0 and X1 over its whole height.
type vSpan struct {
	X0, X1 float64
	Color  color.Color
}

func (s vSpan) Plot(c draw.Canvas, p *gplot.Plot) {
	x0 := c.X(p.X.Norm(max(s.X0, p.X.Min)))
	x1 := c.X(p.X.Norm(min(s.X1, p.X.Max)))
	if x1 <= x0 {
		return
	}
	c.SetColor(s.Color)
	c.Fill(vg.Rectangle{Min: vg.Point{X: x0, Y: c.Min.Y}, Max: vg.Point{X: x1, Y: c.Max.Y}}.Path())
}

func (s vSpan) Thumbnail(c *draw.Canvas) {
	c.SetColor(s.Color)
	c.Fill(c.Rectangle.Path())
}

// fillThumb is a legend thumbnail of a filled box of colour Color with an
// optional line across it (a mean with a band).
type fillThumb struct {
	Fill color.Color
	Line draw.LineStyle
}

func (f fillThumb) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	h := r.Size().Y
	r.Min.Y += h * 0.2
	r.Max.Y -= h * 0.2
	c.SetColor(f.Fill)
	c.Fill(r.Path())
	if f.Line.Width > 0 {
		y := c.Center().Y
		c.StrokeLine2(f.Line, c.Min.X, y, c.Max.X, y)
	}
}

// xy builds plotter.XYs from parallel slices.
func xy(x, y []float64) plotter.XYs {
	pts := make(plotter.XYs, len(x))
	for i := range x {
		pts[i].X, pts[i].Y = x[i], y[i]
	}
	return pts
}

// newLine returns a line plotter of (x, y) in style s; x and y are validated
// by the caller, so errors cannot occur.
func newLine(x, y []float64, s draw.LineStyle) *plotter.Line {
	l, err := plotter.NewLine(xy(x, y))
	if err != nil {
		panic(err)
	}
	l.LineStyle = s
	return l
}

// newScatter returns a scatter plotter of filled circles of radius r.
func newScatter(x, y []float64, c color.Color, r vg.Length) *plotter.Scatter {
	s, err := plotter.NewScatter(xy(x, y))
	if err != nil {
		panic(err)
	}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: r, Shape: draw.CircleGlyph{}}
	return s
}

// padRange widens [lo, hi] by frac of its span on both sides (a unit span
// around lo when it is empty).
func padRange(lo, hi, frac float64) (float64, float64) {
	// A span within rounding of the values (all points equal, up to the
	// last bits) is empty too: padding it by a fraction would leave an
	// axis no tick can label.
	if hi-lo <= 1e-9*math.Max(math.Abs(lo), math.Abs(hi)) {
		hi = lo
	}
	if hi <= lo {
		d := math.Max(math.Abs(lo)*0.1, 0.5)
		return lo - d, hi + d
	}
	d := (hi - lo) * frac
	return lo - d, hi + d
}

// lineThumb is a legend thumbnail of a horizontal line.
type lineThumb struct{ Style draw.LineStyle }

func (l lineThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(l.Style, c.Min.X, y, c.Max.X, y)
}

// openCircle is a white disc with a ring in the glyph colour.
type openCircle struct{}

func (openCircle) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	var p vg.Path
	p.Move(vg.Point{X: pt.X + sty.Radius, Y: pt.Y})
	p.Arc(pt, sty.Radius, 0, 2*math.Pi)
	p.Close()
	c.SetColor(color.White)
	c.Fill(p)
	c.SetLineStyle(lineStyle(sty.Color, 1.2))
	c.Stroke(p)
}

// niceTicks places labelled ticks at multiples of the largest step of the
// form {1, 2, 2.5, 5} x 10^k that gives at least four of them, all labels
// with the same number of decimals.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []gplot.Tick {
	span := hi - lo
	if !(span > 1e-12*math.Max(math.Abs(lo), math.Abs(hi))) || isBad(span) {
		return gplot.DefaultTicks{}.Ticks(lo, hi)
	}
	mant := []float64{5, 2.5, 2, 1}
	e := math.Floor(math.Log10(span))
	var step float64
	var m float64
search:
	for ; e > -20; e-- {
		for _, mm := range mant {
			s := mm * math.Pow(10, e)
			if math.Floor(hi/s+1e-9)-math.Ceil(lo/s-1e-9)+1 >= 4 {
				step, m = s, mm
				break search
			}
		}
	}
	if step == 0 || span/step > 100 {
		return gplot.DefaultTicks{}.Ticks(lo, hi)
	}
	dec := max(0, int(-math.Floor(math.Log10(step)+1e-9)))
	if m == 2.5 && step < 10 {
		dec++
	}
	var ticks []gplot.Tick
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+step*1e-9; k++ {
		v := k * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, gplot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', dec, 64)})
	}
	return ticks
}
