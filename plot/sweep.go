package plot

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"sort"
	"strconv"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/spikernn/spikernn/spikernn"
)

// Series is one curve of a Sweep: Y at each X, optionally with error bars,
// either symmetric (SD) or an interval [Lo, Hi] (e.g. a binomial
// confidence interval, which is not symmetric near 0 and 1).
type Series struct {
	Label string    // legend text; empty for none
	X, Y  []float64 // equal lengths, at least one point
	SD    []float64 // error bars (+/- SD); nil for none
	// Lo and Hi are the lower and upper ends of each point's interval, in
	// the units of Y (Lo <= Y <= Hi); both nil for none. Not with SD.
	Lo, Hi []float64
	Color  color.Color
}

// intervals checks a series' error bars and returns them as distances
// below and above Y (nil when there are none).
func (s Series) intervals(name string) (lo, hi []float64, err error) {
	if s.SD != nil && (s.Lo != nil || s.Hi != nil) {
		return nil, nil, badInput("%s: both SD and Lo/Hi given", name)
	}
	if s.SD != nil {
		if err := checkSameLen(name+" SD", len(s.SD), "Y", len(s.Y)); err != nil {
			return nil, nil, err
		}
		if err := checkFinite(name+" SD", s.SD); err != nil {
			return nil, nil, err
		}
		return s.SD, s.SD, nil
	}
	if s.Lo == nil && s.Hi == nil {
		return nil, nil, nil
	}
	if err := checkSameLen(name+" Lo", len(s.Lo), "Y", len(s.Y)); err != nil {
		return nil, nil, err
	}
	if err := checkSameLen(name+" Hi", len(s.Hi), "Y", len(s.Y)); err != nil {
		return nil, nil, err
	}
	lo, hi = make([]float64, len(s.Y)), make([]float64, len(s.Y))
	for i, y := range s.Y {
		if isBad(s.Lo[i]) || isBad(s.Hi[i]) {
			return nil, nil, badInput("%s: interval %d is [%v, %v]", name, i, s.Lo[i], s.Hi[i])
		}
		tol := 1e-9 * (1 + math.Abs(y))
		if s.Lo[i] > y+tol || s.Hi[i] < y-tol {
			return nil, nil, badInput("%s: point %d: Y = %v outside its interval [%v, %v]", name, i, y, s.Lo[i], s.Hi[i])
		}
		lo[i], hi[i] = math.Max(0, y-s.Lo[i]), math.Max(0, s.Hi[i]-y)
	}
	return lo, hi, nil
}

// SweepOptions controls Sweep.
type SweepOptions struct {
	// Title, XLabel and YLabel label the panel (give units).
	Title, XLabel, YLabel string
	// Percent shows Y and SD, given as fractions, in percent.
	Percent bool
	// LogX puts the x axis on a log scale (all X must be positive).
	LogX bool
	// Mark, when set, is an x value marked with a dashed vertical line
	// labelled MarkLabel (e.g. the chosen scaling factor).
	Mark      *float64
	MarkLabel string
	// Identity draws the dashed line y = x over the data's x range, labelled
	// IdentityLabel when set (Fig 2D: the trained decay constants' mean
	// against the largest allowed one).
	Identity      bool
	IdentityLabel string
}

// Sweep plots one or more curves of a quantity against a swept parameter,
// with markers and optional error bars (+/-SD or an interval). Points of a series are drawn
// in order of increasing X.
//
// It serves Fig 1C (fraction of networks trained against N), Fig 2 (rate and
// LIF success against N) and Fig 6 (LIF performance against the refractory
// period and the gain).
func Sweep(series []Series, opt SweepOptions) (_ *Figure, err error) {
	defer guard(&err)
	if len(series) == 0 {
		return nil, badInput("no series")
	}
	p := newPanel(opt.Title, opt.XLabel, opt.YLabel)
	f := 1.0
	if opt.Percent {
		f = 100
	}
	if opt.LogX {
		p.X.Scale = gplot.LogScale{}
		p.X.Tick.Marker = gplot.LogTicks{Prec: -1}
	}
	for si, s := range series {
		col := s.Color
		if col == nil {
			col = Color(si)
			if len(series) == 1 {
				col = black
			}
		}
		if err := addSeries(p, s, fmt.Sprintf("series %d", si), f, col, opt.LogX); err != nil {
			return nil, err
		}
	}
	if opt.Mark != nil {
		if isBad(*opt.Mark) {
			return nil, badInput("Mark = %v", *opt.Mark)
		}
		v := vLine{X: *opt.Mark, Style: lineStyle(grey, 1, 4, 3)}
		p.Add(v)
		if opt.MarkLabel != "" {
			p.Legend.Add(opt.MarkLabel, v)
		}
	}
	if opt.Identity { // over the data's x range (which widens the y range to it)
		l := newLine([]float64{p.X.Min, p.X.Max}, []float64{p.X.Min * f, p.X.Max * f}, lineStyle(grey, 1, 4, 3))
		p.Add(l)
		if opt.IdentityLabel != "" {
			p.Legend.Add(opt.IdentityLabel, l)
		}
	}
	p.Y.Min, p.Y.Max = padRange(p.Y.Min, p.Y.Max, 0.06)
	if opt.LogX {
		setLogXAxis(p, series)
	} else {
		p.X.Min, p.X.Max = padRange(p.X.Min, p.X.Max, 0.04)
	}
	fig := NewFigure(1, 1).WithSize(4.8*vg.Inch, 3.4*vg.Inch)
	for _, s := range series {
		if s.Label != "" {
			// Curves would run under a legend inside the panel.
			fig.LegendOutside = true
			fig.Width += 1.2 * vg.Inch
			break
		}
	}
	fig.SetPanel(0, 0, p)
	return fig, nil
}

// addSeries checks series s (called name in errors; all X positive when
// logX) and draws it on p in colour col, in order of increasing X, with Y
// and its error bars multiplied by f: error bars, line, markers and the
// legend entry if s has a label.
func addSeries(p *gplot.Plot, s Series, name string, f float64, col color.Color, logX bool) error {
	if err := checkSeries(name+" X", s.X); err != nil {
		return err
	}
	if err := checkSeries(name+" Y", s.Y); err != nil {
		return err
	}
	if err := checkSameLen(name+" X", len(s.X), "Y", len(s.Y)); err != nil {
		return err
	}
	below, above, err := s.intervals(name)
	if err != nil {
		return err
	}
	if logX {
		for i, x := range s.X {
			if x <= 0 {
				return badInput("%s X[%d] = %v on a log axis", name, i, x)
			}
		}
	}
	idx := make([]int, len(s.X))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return s.X[idx[a]] < s.X[idx[b]] })
	x, y := make([]float64, len(idx)), make([]float64, len(idx))
	for k, i := range idx {
		x[k], y[k] = s.X[i], s.Y[i]*f
	}
	if below != nil {
		pts := errPoints{XYs: xy(x, y), YErrors: make(plotter.YErrors, len(idx))}
		for k, i := range idx {
			pts.YErrors[k].Low, pts.YErrors[k].High = below[i]*f, above[i]*f
		}
		if err := addErrorBars(p, pts, col, 4); err != nil {
			return badInput("%s: %v", name, err)
		}
	}
	l := newLine(x, y, lineStyle(col, 1.4))
	m := newScatter(x, y, col, 2.5)
	p.Add(l, m)
	if s.Label != "" {
		p.Legend.Add(s.Label, l, m)
	}
	return nil
}

// addErrorBars draws the error bars pts on p in colour col with caps
// capWidth wide.
func addErrorBars(p *gplot.Plot, pts errPoints, col color.Color, capWidth vg.Length) error {
	eb, err := plotter.NewYErrorBars(pts)
	if err != nil {
		return err
	}
	eb.LineStyle = lineStyle(col, 1)
	eb.CapWidth = capWidth
	p.Add(eb)
	return nil
}

// setLogXAxis labels the swept values of series themselves on p's log x
// axis when there are at most 10, and pads the axis range by 4% in log
// space.
func setLogXAxis(p *gplot.Plot, series []Series) {
	var xs []float64
	for _, s := range series {
		xs = append(xs, s.X...)
	}
	slices.Sort(xs)
	if xs = slices.Compact(xs); len(xs) <= 10 {
		ticks := make(gplot.ConstantTicks, len(xs))
		for i, x := range xs {
			ticks[i] = gplot.Tick{Value: x, Label: strconv.FormatFloat(x, 'g', -1, 64)}
		}
		p.X.Tick.Marker = ticks
	}
	lo, hi := padRange(math.Log(p.X.Min), math.Log(p.X.Max), 0.04)
	p.X.Min, p.X.Max = math.Exp(lo), math.Exp(hi)
}

// errPoints are points with vertical error bars, for plotter.NewYErrorBars.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// PerformanceVsScale plots the LIF performance (fractions in [0, 1],
// drawn in %) against the scaling factor 1/lambda of the grid search and
// marks the chosen factor best with a star; best = 0 picks the best
// factor (the first on ties, as the reference does). A non-zero best must
// be one of factors.
//
// It serves SI Fig S1 and Fig 2 (lambda = 1/25 for the Go-NoGo model) and
// the extended searches of Fig 7.
func PerformanceVsScale(factors, perfs []float64, best float64) (_ *Figure, err error) {
	defer guard(&err)
	if err := checkXY("factors", factors, "perfs", perfs); err != nil {
		return nil, err
	}
	for i, v := range perfs {
		if v < 0 || v > 1 {
			return nil, badInput("perfs[%d] = %v outside [0, 1]", i, v)
		}
	}
	if isBad(best) {
		return nil, badInput("best = %v", best)
	}
	bi := -1
	for i, s := range factors {
		if (best == 0 && (bi < 0 || perfs[i] > perfs[bi])) || (best != 0 && s == best && bi < 0) {
			bi = i
		}
	}
	if bi < 0 {
		return nil, badInput("best = %v is not one of the factors", best)
	}
	mark := factors[bi]
	fig, err := Sweep([]Series{{X: factors, Y: perfs}}, SweepOptions{
		XLabel:  "Scaling factor 1/λ",
		YLabel:  "LIF performance (%)",
		Percent: true,
	})
	if err != nil {
		return nil, err
	}
	p := fig.Panel(0, 0)
	star := newScatter([]float64{mark}, []float64{perfs[bi] * 100}, ExcColor, 6)
	star.GlyphStyle.Shape = starGlyph{}
	p.Add(vLine{X: mark, Style: lineStyle(lightGrey, 1, 4, 3)}, star)
	p.Legend.Add(fmt.Sprintf("1/λ = %g (%.0f%%)", mark, perfs[bi]*100), star)
	p.Legend.Top = false
	p.Y.Min, p.Y.Max = 0, 105
	return fig, nil
}

// Scaling plots a scaling-factor grid search as PerformanceVsScale, marking
// its optimal factor. For an unfinished search (opt_scaling_factor NaN) it
// plots the factors scored so far and marks the best of them.
func Scaling(s *spikernn.ScalingSearch) (_ *Figure, err error) {
	defer guard(&err)
	if s == nil {
		return nil, badInput("no scaling search")
	}
	if !math.IsNaN(s.OptScalingFactor) {
		return PerformanceVsScale(s.ScalingFactors, s.AllPerfs, s.OptScalingFactor)
	}
	if err := checkSameLen("scaling_factors", len(s.ScalingFactors), "all_perfs", len(s.AllPerfs)); err != nil {
		return nil, err
	}
	var factors, perfs []float64
	for k, p := range s.AllPerfs {
		if !math.IsNaN(p) {
			factors, perfs = append(factors, s.ScalingFactors[k]), append(perfs, p)
		}
	}
	if len(factors) == 0 {
		return nil, badInput("the scaling search has not scored any factor yet")
	}
	return PerformanceVsScale(factors, perfs, 0)
}

// starGlyph is a filled five-pointed star.
type starGlyph struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (starGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	var p vg.Path
	for k := range 10 {
		r := sty.Radius
		if k%2 == 1 {
			r *= 0.45
		}
		a := float64(k)*math.Pi/5 + math.Pi/2
		q := vg.Point{X: pt.X + r*vg.Length(math.Cos(a)), Y: pt.Y + r*vg.Length(math.Sin(a))}
		if k == 0 {
			p.Move(q)
		} else {
			p.Line(q)
		}
	}
	p.Close()
	c.SetColor(sty.Color)
	c.Fill(p)
}

// Bars compares conditions as bars of their mean with +/-SD error bars
// (sds nil for none), one bar per label in Palette colours.
//
// It serves Fig 5 (tau fixed vs tuned), Fig 6 (single vs double synaptic
// filter) and Fig 7 (transfer functions).
func Bars(labels []string, means, sds []float64, ylabel string) (_ *Figure, err error) {
	defer guard(&err)
	if len(labels) == 0 {
		return nil, badInput("no bars")
	}
	if err := checkSeries("means", means); err != nil {
		return nil, err
	}
	if err := checkSameLen("labels", len(labels), "means", len(means)); err != nil {
		return nil, err
	}
	if sds != nil {
		if err := checkSameLen("sds", len(sds), "means", len(means)); err != nil {
			return nil, err
		}
		if err := checkFinite("sds", sds); err != nil {
			return nil, err
		}
	}
	p := newPanel("", "", ylabel)
	p.NominalX(labels...)
	lo, hi := 0.0, 0.0
	for i, m := range means {
		poly, err := plotter.NewPolygon(plotter.XYs{
			{X: float64(i) - 0.35, Y: 0}, {X: float64(i) + 0.35, Y: 0},
			{X: float64(i) + 0.35, Y: m}, {X: float64(i) - 0.35, Y: m},
		})
		if err != nil {
			return nil, badInput("bar %d: %v", i, err)
		}
		poly.Color = withAlpha(Color(i), 0.8)
		poly.LineStyle.Width = 0
		p.Add(poly)
		e := 0.0
		if sds != nil {
			e = sds[i]
		}
		lo, hi = min(lo, m-e), max(hi, m+e)
	}
	if sds != nil {
		pts := errPoints{XYs: make(plotter.XYs, len(means)), YErrors: make(plotter.YErrors, len(means))}
		for i, m := range means {
			pts.XYs[i] = plotter.XY{X: float64(i), Y: m}
			pts.YErrors[i].Low, pts.YErrors[i].High = sds[i], sds[i]
		}
		if err := addErrorBars(p, pts, black, 6); err != nil {
			return nil, badInput("%v", err)
		}
	}
	p.Add(hLine{Y: 0, Style: lineStyle(black, 0.6)})
	p.X.Min, p.X.Max = -0.6, float64(len(means))-0.4
	_, p.Y.Max = padRange(lo, hi, 0.05)
	p.Y.Min = lo
	if lo < 0 {
		p.Y.Min, _ = padRange(lo, hi, 0.05)
	}
	fig := NewFigure(1, 1).WithSize(vg.Length(max(3.2, 1.0+0.9*float64(len(means))))*vg.Inch, 3.4*vg.Inch)
	fig.SetPanel(0, 0, p)
	return fig, nil
}
