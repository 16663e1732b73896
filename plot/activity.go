package plot

import (
	"cmp"
	"fmt"
	"image"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ActivityScaling says how ActivityMap maps activity to its 0-1 colour
// scale.
type ActivityScaling int

const (
	// ScaleNone draws the values as they are (values outside 0-1 get the
	// end colours): for the rate network's r = sigmoid(x).
	ScaleNone ActivityScaling = iota
	// ScalePerUnit divides each unit's trace by its own maximum over time
	// (a unit that never leaves 0 stays 0), so every active unit reaches 1.
	ScalePerUnit
	// ScaleGlobal divides all traces by the largest value of all units.
	ScaleGlobal
)

// ActivityOptions controls ActivityMap.
type ActivityOptions struct {
	// Title labels the panel.
	Title string
	// Dt is the time between two rows of the activity in seconds (> 0);
	// row k is drawn over [Start + k*Dt, Start + (k+1)*Dt].
	Dt, Start float64
	// Scaling maps the activity to 0-1 (default ScaleNone).
	Scaling ActivityScaling
	// ColorbarLabel labels the colour bar (default "Activity (0-1)").
	ColorbarLabel string
}

// ActivityMap draws population activity over one trial as a heat map
// (units 1..N in index order from the bottom up, time in seconds along x)
// on a parula-like colour scale over 0-1, with a colour bar: the layout of
// SI Fig S1A (left the rate network's r, right the LIF network's filtered
// spike trains normalised to 0-1). activity[t][i] is unit i at time row t,
// the layout of Trajectory and PCA.
func ActivityMap(activity [][]float64, opt ActivityOptions) (_ *Figure, err error) {
	defer guard(&err)
	T := len(activity)
	if T == 0 {
		return nil, badInput("no time points")
	}
	N := len(activity[0])
	if N == 0 {
		return nil, badInput("no units")
	}
	for t, row := range activity {
		if len(row) != N {
			return nil, badInput("time %d has %d units, want %d", t, len(row), N)
		}
		if err := checkFinite(fmt.Sprintf("activity[%d]", t), row); err != nil {
			return nil, err
		}
	}
	if err := checkPositive("Dt", opt.Dt); err != nil {
		return nil, err
	}
	if isBad(opt.Start) {
		return nil, badInput("Start is %v", opt.Start)
	}
	scale := make([]float64, N) // divisor per unit
	for i := range scale {
		scale[i] = 1
	}
	switch opt.Scaling {
	case ScaleNone:
	case ScalePerUnit, ScaleGlobal:
		var all float64
		for i := range N {
			scale[i] = 0
			for _, row := range activity {
				scale[i] = max(scale[i], row[i])
			}
			all = max(all, scale[i])
		}
		for i := range scale {
			if opt.Scaling == ScaleGlobal {
				scale[i] = all
			}
			if !(scale[i] > 0) {
				scale[i] = 1
			}
		}
	default:
		return nil, badInput("unknown Scaling %d", opt.Scaling)
	}
	cm := newParula()
	img := image.NewRGBA(image.Rect(0, 0, T, N))
	for t, row := range activity {
		for i, v := range row {
			img.Set(t, N-1-i, cm.color(v/scale[i])) // unit N at the top
		}
	}
	t0, t1 := opt.Start, opt.Start+float64(T)*opt.Dt
	p := newPanel(opt.Title, "Time (s)", "Unit")
	p.Add(&rectImage{Img: img, X0: t0, X1: t1, Y0: 0.5, Y1: float64(N) + 0.5})
	p.X.Min, p.X.Max = t0, t1
	p.Y.Min, p.Y.Max = 0.5, float64(N)+0.5
	p.X.Padding, p.Y.Padding = 0, 0

	return withColorbar(p, cm, cmp.Or(opt.ColorbarLabel, "Activity (0-1)"), 0.06).WithSize(5*vg.Inch, 4.2*vg.Inch), nil
}

// rectImage draws Img over the data rectangle between (X0, Y0) and (X1,
// Y1), image row 0 at Y1 (give Y0 > Y1 to put it at the low end), upscaled
// by nearest neighbour.
type rectImage struct {
	Img            *image.RGBA
	X0, X1, Y0, Y1 float64
}

func (ri *rectImage) Plot(c draw.Canvas, p *gplot.Plot) {
	x0, x1 := c.X(p.X.Norm(ri.X0)), c.X(p.X.Norm(ri.X1))
	y0, y1 := c.Y(p.Y.Norm(ri.Y0)), c.Y(p.Y.Norm(ri.Y1))
	rect := vg.Rectangle{
		Min: vg.Point{X: min(x0, x1), Y: min(y0, y1)},
		Max: vg.Point{X: max(x0, x1), Y: max(y0, y1)},
	}
	dpi := 150.0
	if d, ok := c.Canvas.(interface{ DPI() float64 }); ok {
		dpi = d.DPI()
	}
	c.DrawImage(rect, upscale(ri.Img, rect.Size().X.Dots(dpi), rect.Size().Y.Dots(dpi), y1 < y0))
}

func (ri *rectImage) DataRange() (xmin, xmax, ymin, ymax float64) {
	return min(ri.X0, ri.X1), max(ri.X0, ri.X1), min(ri.Y0, ri.Y1), max(ri.Y0, ri.Y1)
}

// gradientMap is a sequential colour map over [lo, hi] interpolating
// equally spaced stops linearly, clamping outside values.
type gradientMap struct {
	stops         []color.RGBA
	lo, hi, alpha float64
}

// parulaStops approximate MATLAB's parula (dark blue, blue, cyan-green,
// orange, yellow) at 11 equally spaced points.
var parulaStops = []color.RGBA{
	{53, 42, 135, 255}, {15, 92, 221, 255}, {18, 125, 216, 255}, {7, 156, 207, 255},
	{21, 177, 180, 255}, {89, 189, 140, 255}, {165, 190, 107, 255}, {225, 185, 82, 255},
	{252, 206, 46, 255}, {249, 233, 24, 255}, {249, 251, 14, 255},
}

func newParula() *gradientMap { return &gradientMap{stops: parulaStops, lo: 0, hi: 1, alpha: 1} }

func (g *gradientMap) color(v float64) color.Color {
	f := (v - g.lo) / (g.hi - g.lo)
	if math.IsNaN(f) {
		f = 0
	}
	f = min(max(f, 0), 1) * float64(len(g.stops)-1)
	i := min(int(f), len(g.stops)-2)
	t := f - float64(i)
	a, b := g.stops[i], g.stops[i+1]
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-t) + float64(y)*t)) }
	return color.NRGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), uint8(math.Round(255 * g.alpha))}
}

// At implements palette.ColorMap.
func (g *gradientMap) At(v float64) (color.Color, error) {
	if isBad(v) {
		return nil, fmt.Errorf("plot: colour of %v", v)
	}
	return g.color(v), nil
}

func (g *gradientMap) Max() float64       { return g.hi }
func (g *gradientMap) SetMax(v float64)   { g.hi = v }
func (g *gradientMap) Min() float64       { return g.lo }
func (g *gradientMap) SetMin(v float64)   { g.lo = v }
func (g *gradientMap) Alpha() float64     { return g.alpha }
func (g *gradientMap) SetAlpha(a float64) { g.alpha = a }
func (g *gradientMap) Palette(n int) palette.Palette {
	cs := make([]color.Color, n)
	for i := range cs {
		cs[i] = g.color(g.lo + (g.hi-g.lo)*float64(i)/float64(max(n-1, 1)))
	}
	return colors(cs)
}

// RateFractions bins per-unit firing rates (Hz, >= 0) into bins of width
// binHz from 0 up to the largest rate (at least one bin) and returns the
// bin edges and, per population, the fraction of its units in each bin
// (each sums to 1; all zeros for a population without units). Rates on an
// edge count in the bin above it. This is the normalisation of SI Fig S1B.
func RateFractions(rates []float64, inh []bool, binHz float64) (edges, exc, in []float64, err error) {
	defer guard(&err)
	if err := checkSeries("rates", rates); err != nil {
		return nil, nil, nil, err
	}
	if err := checkSameLen("rates", len(rates), "inh", len(inh)); err != nil {
		return nil, nil, nil, err
	}
	if err := checkPositive("binHz", binHz); err != nil {
		return nil, nil, nil, err
	}
	top := 0.0
	for i, r := range rates {
		if r < 0 {
			return nil, nil, nil, badInput("rates[%d] = %v is negative", i, r)
		}
		top = max(top, r)
	}
	bins := int(math.Floor(top/binHz)) + 1
	if bins > maxBins {
		return nil, nil, nil, badInput("%d bins of %g Hz (at most %d)", bins, binHz, maxBins)
	}
	edges = make([]float64, bins+1)
	for k := range edges {
		edges[k] = float64(k) * binHz
	}
	exc, in = make([]float64, bins), make([]float64, bins)
	var ne, ni float64
	for i, r := range rates {
		k := min(int(math.Floor(r/binHz)), bins-1)
		if inh[i] {
			in[k]++
			ni++
		} else {
			exc[k]++
			ne++
		}
	}
	for k := range bins {
		if ne > 0 {
			exc[k] /= ne
		}
		if ni > 0 {
			in[k] /= ni
		}
	}
	return edges, exc, in, nil
}

// RateGroup is one panel of RateDistributions: the per-unit firing rates
// (Hz) of one condition, e.g. averaged over its trials.
type RateGroup struct {
	Title string
	Rates []float64
}

// RateDistributions draws one panel per group, left to right, each with
// the distributions of the excitatory (red) and inhibitory (blue) units'
// firing rates as lines through the bin centres, each population
// normalised to sum 1 (RateFractions with bins of binHz Hz), on shared
// axes: SI Fig S1B (NoGo left, Go right).
func RateDistributions(groups []RateGroup, inh []bool, binHz float64) (_ *Figure, err error) {
	defer guard(&err)
	if len(groups) == 0 {
		return nil, badInput("no groups")
	}
	var panels []*gplot.Plot
	top := 0.0
	for gi, g := range groups {
		edges, exc, in, err := RateFractions(g.Rates, inh, binHz)
		if err != nil {
			return nil, fmt.Errorf("group %d (%s): %w", gi, g.Title, err)
		}
		top = max(top, edges[len(edges)-1])
		mid := make([]float64, len(exc))
		for k := range mid {
			mid[k] = (edges[k] + edges[k+1]) / 2
		}
		p := newPanel(g.Title, "Firing rate (Hz)", "Normalised count")
		for _, pop := range []struct {
			name string
			f    []float64
			c    color.Color
		}{{"Excitatory", exc, ExcColor}, {"Inhibitory", in, InhColor}} {
			l := newLine(mid, pop.f, lineStyle(pop.c, 1.6))
			s := newScatter(mid, pop.f, pop.c, 1.8)
			p.Add(l, s)
			if gi == len(groups)-1 {
				p.Legend.Add(pop.name, l)
			}
		}
		p.Y.Min, p.Y.Max = 0, 1
		panels = append(panels, p)
	}
	for _, p := range panels {
		p.X.Min, p.X.Max = 0, top
	}
	fig, err := Grid(1, len(panels), panels...)
	if err != nil {
		return nil, err
	}
	return fig.WithSize(vg.Length(len(panels))*3.6*vg.Inch, 3*vg.Inch), nil
}
