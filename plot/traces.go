package plot

import (
	"fmt"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Window is a time interval to shade, e.g. the stimulus of a trial.
type Window struct {
	Start, Stop float64 // seconds from the start of the trial
	Label       string  // legend text; empty for no legend entry
}

// TraceOptions controls Traces. The zero value gives one panel with the
// mean +/- SD of every condition, time in ms for trials up to 1.5 s.
type TraceOptions struct {
	// Start is the time of the first sample in seconds: sample k is at
	// Start + k*dt (default 0).
	Start float64
	// TimeUnit is "ms" or "s"; "" chooses ms for spans up to 1.5 s.
	TimeUnit string
	// Separate draws one panel per condition, side by side, sharing the y
	// axis (e.g. Go and NoGo outputs of a LIF network).
	Separate bool
	// ShowTrials is the number of individual trials per condition drawn as thin
	// lines under the mean: 0 for none, negative for all.
	ShowTrials int
	// NoBand drops the +/-SD band.
	NoBand bool
	// Targets maps a condition to its target curve, sampled every
	// TargetDt seconds from time 0 (drawn dashed black).
	Targets map[string][]float64
	// TargetDt is the targets' sampling interval in seconds (default dt).
	TargetDt float64
	// Thresholds are y values marked with dotted grey lines (e.g. the
	// decision thresholds 0.7 and -0.7).
	Thresholds []float64
	// Windows are shaded time intervals, e.g. the stimulus.
	Windows []Window
	// Colors maps a condition to its colour (default: Palette in order of
	// first appearance).
	Colors map[string]color.Color
	// Title is the figure title; YLabel the y axis label (default "Output").
	Title, YLabel string
	// MaxPoints caps the points drawn per curve (default 2000): longer
	// series, e.g. LIF outputs at 0.05 ms, are drawn from bucket averages.
	MaxPoints int
}

// Traces plots output traces of many trials sampled every dt seconds:
// trials[i] is trial i's series and conds[i] its condition (nil: all trials
// in one condition). Per condition it draws the mean with a +/-SD band,
// optionally individual trials, targets, thresholds and shaded windows.
// All trials must have the same length.
//
// It serves Fig 1 (rate-network outputs for Go and NoGo trials), Fig 2 and
// Fig 3 (LIF outputs per condition) and Fig 5-7 (outputs per variant).
func Traces(dt float64, trials [][]float64, conds []string, opt TraceOptions) (_ *Figure, err error) {
	defer guard(&err)
	if err := checkTrials(dt, trials, conds); err != nil {
		return nil, err
	}
	order, groups := groupBy(conds, len(trials))
	tdt, err := checkTraceOptions(opt, dt, groups)
	if err != nil {
		return nil, err
	}
	tp, err := newTracePlot(dt, tdt, trials, opt)
	if err != nil {
		return nil, err
	}
	fig := tp.figure(len(order))
	var p *gplot.Plot
	for ci, c := range order {
		if opt.Separate || p == nil {
			p = tp.panel(c)
			fig.SetPanel(0, min(ci, fig.Cols()-1), p)
		}
		tp.addCondition(p, c, ci, groups[c])
		if z, ok := opt.Targets[c]; ok {
			tp.addTarget(p, z, opt.Separate || !hasTargetEntry(opt.Targets, order[:ci]))
		}
	}
	fig.ShareY().ShareX()
	for _, p := range fig.Panels() {
		if p != nil {
			p.Y.Min, p.Y.Max = padRange(p.Y.Min, p.Y.Max, 0.05)
			p.X.Max = max(p.X.Max, tp.t[len(tp.t)-1]+dt*tp.scale)
		}
	}
	return fig, nil
}

// checkTrials checks the sampling interval, the trials (at least one, all
// of the same length, finite) and that conds, if given, labels each trial.
func checkTrials(dt float64, trials [][]float64, conds []string) error {
	if err := checkPositive("dt", dt); err != nil {
		return err
	}
	if len(trials) == 0 {
		return badInput("no trials")
	}
	if conds != nil {
		if err := checkSameLen("conds", len(conds), "trials", len(trials)); err != nil {
			return err
		}
	}
	T := len(trials[0])
	for i, tr := range trials {
		if len(tr) != T {
			return badInput("trial %d has %d samples, trial 0 %d", i, len(tr), T)
		}
		if err := checkSeries(fmt.Sprintf("trials[%d]", i), tr); err != nil {
			return err
		}
	}
	return nil
}

// checkTraceOptions checks opt against the sampling interval dt and the
// trials' conditions (groups), and returns the targets' sampling interval.
func checkTraceOptions(opt TraceOptions, dt float64, groups map[string][]int) (tdt float64, err error) {
	if isBad(opt.Start) {
		return 0, badInput("Start = %v", opt.Start)
	}
	tdt = opt.TargetDt
	if tdt == 0 {
		tdt = dt
	}
	if err := checkPositive("TargetDt", tdt); err != nil {
		return 0, err
	}
	if err := checkFinite("Thresholds", opt.Thresholds); err != nil {
		return 0, err
	}
	for c, z := range opt.Targets {
		if _, ok := groups[c]; !ok {
			return 0, badInput("target for condition %q, which has no trials", c)
		}
		if err := checkSeries(fmt.Sprintf("Targets[%q]", c), z); err != nil {
			return 0, err
		}
	}
	if err := checkWindows(opt.Windows); err != nil {
		return 0, err
	}
	return tdt, nil
}

// tracePlot holds what Traces derives from its checked inputs to draw the
// panels: the time axis, the sample times and the options with defaults.
type tracePlot struct {
	opt            TraceOptions
	trials         [][]float64
	tdt            float64 // the targets' sampling interval in seconds
	scale          float64 // seconds to axis units
	xlabel, ylabel string
	maxPts         int
	t, tDraw       []float64 // sample times in axis units, all and decimated
}

// newTracePlot chooses the time axis (spanning the trials and the targets)
// and fills in the defaults of opt.
func newTracePlot(dt, tdt float64, trials [][]float64, opt TraceOptions) (*tracePlot, error) {
	T := len(trials[0])
	span := opt.Start + float64(T)*dt
	for _, z := range opt.Targets {
		span = max(span, float64(len(z))*tdt)
	}
	scale, xlabel, err := timeAxis(opt.TimeUnit, span)
	if err != nil {
		return nil, err
	}
	tp := &tracePlot{opt: opt, trials: trials, tdt: tdt, scale: scale, xlabel: xlabel,
		ylabel: opt.YLabel, maxPts: opt.MaxPoints}
	if tp.maxPts <= 0 {
		tp.maxPts = 2000
	}
	if tp.ylabel == "" {
		tp.ylabel = "Output"
	}
	tp.t = make([]float64, T)
	for k := range tp.t {
		tp.t[k] = (opt.Start + float64(k)*dt) * scale
	}
	tp.tDraw = decimate(tp.t, tp.maxPts)
	return tp, nil
}

// figure returns the empty figure: one panel per condition side by side
// when opt.Separate, else a single panel with the legend outside.
func (tp *tracePlot) figure(nConds int) *Figure {
	var fig *Figure
	if tp.opt.Separate {
		fig = NewFigure(1, nConds).WithSize(vg.Length(nConds)*3.4*vg.Inch, 3*vg.Inch)
	} else {
		fig = NewFigure(1, 1).WithSize(6.4*vg.Inch, 3.4*vg.Inch)
		fig.LegendOutside = true
	}
	fig.Title = tp.opt.Title
	return fig
}

// panel returns a new panel with the shaded windows and the thresholds,
// titled with condition c when the conditions are drawn separately.
func (tp *tracePlot) panel(c string) *gplot.Plot {
	title := ""
	if tp.opt.Separate {
		title = c
	}
	p := newPanel(title, tp.xlabel, tp.ylabel)
	addWindows(p, tp.opt.Windows, tp.scale)
	for _, th := range tp.opt.Thresholds {
		p.Add(hLine{Y: th, Style: lineStyle(grey, 0.8, 1.5, 2)})
	}
	return p
}

// addCondition draws condition c (the ci-th, of trials idx) on p: the
// individual trials asked for, the +/-SD band, the mean and its legend
// entry.
func (tp *tracePlot) addCondition(p *gplot.Plot, c string, ci int, idx []int) {
	opt, maxPts := tp.opt, tp.maxPts
	col := conditionColor(opt.Colors, c, ci)
	mean, sd := columnMeanSD(tp.trials, idx)
	nInd := opt.ShowTrials
	if nInd < 0 || nInd > len(idx) {
		nInd = len(idx)
	}
	for _, i := range idx[:nInd] {
		p.Add(newLine(tp.tDraw, decimate(tp.trials[i], maxPts), lineStyle(withAlpha(col, 0.3), 0.5)))
	}
	md := decimate(mean, maxPts)
	if !opt.NoBand && len(idx) > 1 {
		lo, hi := make([]float64, len(mean)), make([]float64, len(mean))
		for k := range mean {
			lo[k], hi[k] = mean[k]-sd[k], mean[k]+sd[k]
		}
		band := bandPolygon(tp.tDraw, decimate(lo, maxPts), decimate(hi, maxPts), withAlpha(col, 0.25))
		p.Add(band)
	}
	meanLine := lineStyle(col, 1.6)
	p.Add(newLine(tp.tDraw, md, meanLine))
	label := fmt.Sprintf("n = %d", len(idx))
	if c != "" {
		label = fmt.Sprintf("%s (n = %d)", c, len(idx))
	}
	if opt.NoBand || len(idx) == 1 {
		p.Legend.Add(label, lineThumb{meanLine})
	} else {
		p.Legend.Add(label+" ± SD", fillThumb{Fill: withAlpha(col, 0.25), Line: meanLine})
	}
}

// addTarget draws the target curve z (sampled every tdt from time 0)
// dashed black on p, with a legend entry if legend is set.
func (tp *tracePlot) addTarget(p *gplot.Plot, z []float64, legend bool) {
	tz := make([]float64, len(z))
	for k := range z {
		tz[k] = float64(k) * tp.tdt * tp.scale
	}
	tl := newLine(decimate(tz, tp.maxPts), decimate(z, tp.maxPts), lineStyle(black, 1.0, 4, 2.5))
	p.Add(tl)
	if legend {
		p.Legend.Add("target", tl)
	}
}

// hasTargetEntry reports whether any of conds has a target.
func hasTargetEntry(targets map[string][]float64, conds []string) bool {
	for _, c := range conds {
		if _, ok := targets[c]; ok {
			return true
		}
	}
	return false
}

// checkWindows checks that each window is a finite interval, Start <= Stop.
func checkWindows(ws []Window) error {
	for i, w := range ws {
		if isBad(w.Start) || isBad(w.Stop) || w.Stop < w.Start {
			return badInput("window %d [%v, %v]", i, w.Start, w.Stop)
		}
	}
	return nil
}

// addWindows shades the windows ws (in seconds; scale converts to axis
// units) on p, with a legend entry for each labelled one.
func addWindows(p *gplot.Plot, ws []Window, scale float64) {
	for _, w := range ws {
		s := vSpan{X0: w.Start * scale, X1: w.Stop * scale, Color: color.Gray{Y: 232}}
		p.Add(s)
		if w.Label != "" {
			p.Legend.Add(w.Label, s)
		}
	}
}

// groupBy returns the distinct labels in order of first appearance and the
// indices of each; nil labels put all n items in the group "".
func groupBy(labels []string, n int) ([]string, map[string][]int) {
	groups := map[string][]int{}
	var order []string
	for i := range n {
		c := ""
		if labels != nil {
			c = labels[i]
		}
		if _, ok := groups[c]; !ok {
			order = append(order, c)
		}
		groups[c] = append(groups[c], i)
	}
	return order, groups
}

// conditionColor is the colour of condition c, the i-th: its entry in m,
// else Palette colour i.
func conditionColor(m map[string]color.Color, c string, i int) color.Color {
	if col, ok := m[c]; ok && col != nil {
		return col
	}
	return Color(i)
}

// columnMeanSD returns the mean and population SD over the rows idx of
// rows, per column.
func columnMeanSD(rows [][]float64, idx []int) (mean, sd []float64) {
	T := len(rows[idx[0]])
	mean, sd = make([]float64, T), make([]float64, T)
	for _, i := range idx {
		for k, v := range rows[i] {
			mean[k] += v
		}
	}
	n := float64(len(idx))
	for k := range mean {
		mean[k] /= n
	}
	for _, i := range idx {
		for k, v := range rows[i] {
			d := v - mean[k]
			sd[k] += d * d
		}
	}
	for k := range sd {
		sd[k] = math.Sqrt(sd[k] / n)
	}
	return mean, sd
}

// decimate returns x itself when it has at most n entries, else the means
// of n nearly equal consecutive buckets.
func decimate(x []float64, n int) []float64 {
	if len(x) <= n {
		return x
	}
	out := make([]float64, n)
	for b := range n {
		lo, hi := b*len(x)/n, (b+1)*len(x)/n
		var s float64
		for _, v := range x[lo:hi] {
			s += v
		}
		out[b] = s / float64(hi-lo)
	}
	return out
}

// bandPolygon is the filled region between lo and hi over t.
func bandPolygon(t, lo, hi []float64, c color.Color) *plotter.Polygon {
	pts := make(plotter.XYs, 0, 2*len(t))
	for k := range t {
		pts = append(pts, plotter.XY{X: t[k], Y: hi[k]})
	}
	for k := len(t) - 1; k >= 0; k-- {
		pts = append(pts, plotter.XY{X: t[k], Y: lo[k]})
	}
	poly, err := plotter.NewPolygon(pts)
	if err != nil {
		panic(err)
	}
	poly.Color = c
	poly.LineStyle.Width = 0
	return poly
}
