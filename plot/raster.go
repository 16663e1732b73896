package plot

import (
	"fmt"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/spikernn/spikernn/spikernn"
)

// RasterOptions controls Raster.
type RasterOptions struct {
	// TimeUnit is "ms" or "s"; "" chooses ms for trials up to 1.5 s.
	TimeUnit string
	// Duration is the trial length in seconds: the x axis spans
	// [0, Duration] and spikes outside it are not drawn. Default: the
	// last spike time.
	Duration float64
	// SortEI stacks the excitatory units first (bottom rows) and the
	// inhibitory units above them, each group in index order, with a
	// dashed line between the groups. Otherwise row i is unit i.
	SortEI bool
	// Windows are shaded time intervals, e.g. the stimulus.
	Windows []Window
	// Title is the panel title.
	Title string
	// NoLegend drops the population legend.
	NoLegend bool
	// LineWidth is the width of a spike mark (default 0.6 pt).
	LineWidth vg.Length
	// Groups, when set, colours and stacks the units by population
	// instead of by inh (which then only fixes the number of units, and
	// may be nil when the groups name every unit): the first group takes
	// the bottom rows, each group in the order of its Units, with a dashed
	// line between groups and one legend entry per group. Every unit must
	// be in exactly one group. E.g. SI Fig S3: PYR (red) at the bottom, PV
	// (blue), SST (yellow) on top; SI Fig S4: one black group.
	Groups []RasterGroup
}

// RasterGroup is one population of a grouped raster (RasterOptions.Groups).
type RasterGroup struct {
	Label string
	Units []int
	Color color.Color // nil: black
}

// SSTColor is the colour of the SST (SOM) units in the paper's SI Fig S3.
var SSTColor color.Color = color.RGBA{R: 230, G: 180, B: 0, A: 255} // #E6B400

// Raster plots a spike raster: one row per unit, one vertical mark per
// spike, excitatory units in ExcColor (red) and inhibitory units in
// InhColor (blue) as in the paper. inh[i] tells whether unit i is
// inhibitory and fixes the number of units; with inh nil the units are
// 0..max spike unit and drawn black. Spike times are in seconds.
//
// It serves Fig 2, 3 and 6 (LIF rasters) and SI Fig S3/S4 (variants).
func Raster(spikes []spikernn.Spike, inh []bool, opt RasterOptions) (_ *Figure, err error) {
	defer guard(&err)
	if opt.Groups != nil {
		return groupedRaster(spikes, inh, opt)
	}
	N, err := rasterUnits(spikes, inh)
	if err != nil {
		return nil, err
	}
	dur, scale, xlabel, err := rasterTime(spikes, N, opt)
	if err != nil {
		return nil, err
	}
	sortEI := opt.SortEI && inh != nil
	row, nExc, nInh := rasterRows(inh, N, sortEI)

	p := newPanel(opt.Title, xlabel, "Neuron")
	addWindows(p, opt.Windows, scale)
	addSpikeMarks(p, spikes, inh, row, scale, opt.LineWidth)
	if sortEI && nExc > 0 && nInh > 0 {
		p.Add(hLine{Y: float64(nExc) - 0.5, Style: lineStyle(grey, 0.6, 3, 2)})
	}
	p.X.Min, p.X.Max = 0, dur*scale
	p.Y.Min, p.Y.Max = -0.5, float64(N)-0.5
	p.Y.Tick.Marker = countTicks{Offset: 1}
	if !opt.NoLegend && inh != nil {
		if nExc > 0 {
			p.Legend.Add(fmt.Sprintf("Exc (n = %d)", nExc), lineThumb{lineStyle(ExcColor, 2)})
		}
		if nInh > 0 {
			p.Legend.Add(fmt.Sprintf("Inh (n = %d)", nInh), lineThumb{lineStyle(InhColor, 2)})
		}
	}
	fig := NewFigure(1, 1).WithSize(6.6*vg.Inch, 3.8*vg.Inch)
	fig.LegendOutside = true
	fig.SetPanel(0, 0, p)
	return fig, nil
}

// rasterUnits returns the number of units of a raster: len(inh), or with
// inh nil one more than the largest unit that spikes.
func rasterUnits(spikes []spikernn.Spike, inh []bool) (int, error) {
	N := len(inh)
	if inh == nil {
		if len(spikes) == 0 {
			return 0, badInput("no spikes and no units")
		}
		for _, s := range spikes {
			N = max(N, s.Unit+1)
		}
	}
	if N == 0 {
		return 0, badInput("no units")
	}
	return N, nil
}

// checkSpikes checks that every spike is of a unit in [0, N) at a finite,
// non-negative time, and returns the last spike time (0 for none).
// rasterTime checks the spikes of N units and the options' duration and
// windows, and returns the duration (default: the last spike) and the time
// axis's scale and label.
func rasterTime(spikes []spikernn.Spike, N int, opt RasterOptions) (dur, scale float64, xlabel string, err error) {
	last, err := checkSpikes(spikes, N)
	if err != nil {
		return 0, 0, "", err
	}
	dur = opt.Duration
	if dur == 0 {
		dur = last
	}
	if err := checkPositive("Duration", dur); err != nil {
		return 0, 0, "", err
	}
	if err := checkWindows(opt.Windows); err != nil {
		return 0, 0, "", err
	}
	scale, xlabel, err = timeAxis(opt.TimeUnit, dur)
	return dur, scale, xlabel, err
}

func checkSpikes(spikes []spikernn.Spike, N int) (last float64, err error) {
	for i, s := range spikes {
		if s.Unit < 0 || s.Unit >= N {
			return 0, badInput("spike %d: unit %d outside [0, %d)", i, s.Unit, N)
		}
		if isBad(s.Time) || s.Time < 0 {
			return 0, badInput("spike %d: time %v", i, s.Time)
		}
		last = max(last, s.Time)
	}
	return last, nil
}

// rasterRows returns the row of each of the N units and the numbers of
// excitatory and inhibitory units (inh nil: all excitatory). With sortEI
// the excitatory units take the bottom rows and the inhibitory ones the
// rows above, each in index order; otherwise row i is unit i.
func rasterRows(inh []bool, N int, sortEI bool) (row []int, nExc, nInh int) {
	row = make([]int, N)
	for i := range N {
		if inh != nil && inh[i] {
			nInh++
		}
	}
	nExc = N - nInh
	if sortEI {
		e, k := 0, nExc
		for i := range N {
			if inh[i] {
				row[i], k = k, k+1
			} else {
				row[i], e = e, e+1
			}
		}
	} else {
		for i := range row {
			row[i] = i
		}
	}
	return row, nExc, nInh
}

// addSpikeMarks adds one mark per spike to p at its unit's row, one layer
// per population (black for all with inh nil); width <= 0 means 0.6 pt.
func addSpikeMarks(p *gplot.Plot, spikes []spikernn.Spike, inh []bool, row []int, scale float64, width vg.Length) {
	if width <= 0 {
		width = 0.6
	}
	exc := &rasterMarks{Style: lineStyle(ExcColor, width)}
	inhM := &rasterMarks{Style: lineStyle(InhColor, width)}
	if inh == nil {
		exc.Style.Color = black
	}
	for _, s := range spikes {
		m := exc
		if inh != nil && inh[s.Unit] {
			m = inhM
		}
		m.T = append(m.T, s.Time*scale)
		m.Row = append(m.Row, float64(row[s.Unit]))
	}
	p.Add(exc, inhM)
}

// rasterMarks draws a vertical mark 0.8 rows tall at (T[k], Row[k]); all
// marks of one population form a single path (one M...L pair per spike).
type rasterMarks struct {
	T, Row []float64
	Style  draw.LineStyle
}

// Plot implements plot.Plotter.
func (r *rasterMarks) Plot(c draw.Canvas, p *gplot.Plot) {
	if len(r.T) == 0 {
		return
	}
	var path vg.Path
	for k, t := range r.T {
		if t < p.X.Min || t > p.X.Max {
			continue
		}
		x := c.X(p.X.Norm(t))
		y0 := c.Y(p.Y.Norm(r.Row[k] - 0.4))
		y1 := c.Y(p.Y.Norm(r.Row[k] + 0.4))
		path.Move(vg.Point{X: x, Y: y0})
		path.Line(vg.Point{X: x, Y: y1})
	}
	if len(path) == 0 {
		return
	}
	c.SetLineStyle(r.Style)
	c.Stroke(path)
}

// countTicks labels integer values v (1-2-5 steps, at most 6 labels) at
// position v - Offset; Offset 1 numbers rows 0, 1, ... as 1, 2, ...
type countTicks struct{ Offset float64 }

// Ticks implements plot.Ticker.
func (ct countTicks) Ticks(lo, hi float64) []gplot.Tick {
	lo, hi = lo+ct.Offset, hi+ct.Offset // in label values
	span := hi - lo
	if !(span > 0) || isBad(span) {
		return nil
	}
	step := niceStep(span, 6)
	var ticks []gplot.Tick
	add := func(v float64) {
		ticks = append(ticks, gplot.Tick{Value: v - ct.Offset, Label: fmt.Sprintf("%.0f", v)})
	}
	first := math.Ceil(lo/step) * step
	if ct.Offset > 0 && lo <= 1 && first > 1 {
		add(1) // unit numbers start at 1
	}
	for v := first; v <= hi; v += step {
		add(v)
	}
	return ticks
}

// niceStep returns the smallest step of the form {1, 2, 5} x 10^k, k >= 0,
// that divides span into at most n intervals.
func niceStep(span float64, n int) float64 {
	for e := 0.0; ; e++ {
		for _, m := range []float64{1, 2, 5} {
			if s := m * math.Pow(10, e); span/s <= float64(n) {
				return s
			}
		}
	}
}
