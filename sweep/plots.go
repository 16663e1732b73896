package sweep

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/spikernn/spikernn/internal/stats"
	"github.com/spikernn/spikernn/plot"
)

// Point is one value of a swept column with a statistic of another column
// over the rows that share it.
type Point struct {
	Value string  // the swept column's value
	X     float64 // the value as a number (NaN if it is not one)
	N     int     // rows that contribute (non-empty cells)
	// Y is the statistic; Lo and Hi bound its interval: the 95% Wilson
	// interval for a fraction, mean +/- SD for a metric.
	Y, Lo, Hi float64
	SD        float64 // the SD of the values (metrics only)
}

// Fraction returns a point of FractionBy as the Fraction it summarises.
func (p Point) Fraction() Fraction {
	return Wilson(int(math.Round(p.Y*float64(p.N))), p.N, 1.96)
}

// MeanString formats a point of MeanBy or Mean as mean ± SD, times scale,
// with prec decimals and the count: p.MeanString(100, 1, "%") gives
// "98.8 ± 4.7% (n = 10)".
func (p Point) MeanString(scale float64, prec int, unit string) string {
	if p.N == 0 {
		return "no networks"
	}
	return fmt.Sprintf("%.*f ± %.*f%s (n = %d)", prec, scale*p.Y, prec, scale*p.SD, unit, p.N)
}

// Values returns the numbers of a column, leaving out its empty cells
// (values not computed: a network that did not train is not converted).
func (t *Table) Values(col string) ([]float64, error) {
	v, err := t.Floats(col)
	return stats.NonNaN(v), err
}

// Mean returns the mean and SD of the numbers of column col (Lo and Hi are
// mean -/+ SD; the SD is the population SD, numpy's default; N counts the
// numbers).
func (t *Table) Mean(col string) (Point, error) {
	v, err := t.Values(col)
	if err != nil || len(v) == 0 {
		return Point{Y: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), SD: math.NaN()}, err
	}
	m, sd := stats.MeanSD(v)
	return Point{N: len(v), Y: m, SD: sd, Lo: m - sd, Hi: m + sd}, nil
}

// by computes stat over the rows of each value of column x, in GroupBy's
// order, leaving out the values where it counts no row.
func (t *Table) by(x string, stat func(*Table) (Point, error)) ([]Point, error) {
	groups, err := t.GroupBy(x)
	if err != nil {
		return nil, err
	}
	var out []Point
	for _, g := range groups {
		p, err := stat(g.Table)
		if err != nil {
			return nil, err
		}
		if p.N > 0 {
			p.Value, p.X = g.Value, g.X
			out = append(out, p)
		}
	}
	return out, nil
}

// FractionBy returns, for each value of column x, the fraction of rows
// whose column col is 1 (e.g. "trained" or "successful") with its 95%
// Wilson interval: the paper's Fig 1C and Fig 2C.
func (t *Table) FractionBy(x, col string) ([]Point, error) {
	return t.by(x, func(g *Table) (Point, error) {
		f, err := g.FractionOf(col)
		return Point{N: f.N, Y: f.P, Lo: f.Low, Hi: f.High, SD: math.NaN()}, err
	})
}

// MeanBy returns, for each value of column x, the Mean of column col over
// the rows that share it.
func (t *Table) MeanBy(x, col string) ([]Point, error) {
	return t.by(x, func(g *Table) (Point, error) { return g.Mean(col) })
}

// series turns points into a plot series; a swept column that is not
// numeric is plotted at 0, 1, 2, ... in order.
func series(label string, pts []Point) (plot.Series, error) {
	s := plot.Series{Label: label}
	for _, p := range pts {
		x := p.X
		if math.IsNaN(x) {
			return s, fmt.Errorf("sweep: %q is not a number: plot it with Distributions or group by it", p.Value)
		}
		s.X, s.Y = append(s.X, x), append(s.Y, p.Y)
		s.Lo, s.Hi = append(s.Lo, p.Lo), append(s.Hi, p.Hi)
	}
	return s, nil
}

// curve is one curve of a plot: a statistic of column col of table t.
type curve struct {
	label, col string
	t          *Table
}

// plotBy draws stat(x, col) against x, one curve per value of group (""
// for a single curve).
func (t *Table) plotBy(stat func(*Table, string, string) ([]Point, error), x, col, group string, opt plot.SweepOptions) (*plot.Figure, error) {
	curves := []curve{{"", col, t}}
	if group != "" {
		groups, err := t.GroupBy(group)
		if err != nil {
			return nil, err
		}
		curves = curves[:0]
		for _, g := range groups {
			curves = append(curves, curve{group + " = " + g.Value, col, g.Table})
		}
	}
	if opt.YLabel == "" {
		opt.YLabel = col
	}
	return plotCurves(stat, x, curves, opt)
}

// plotCurves draws stat(x, c.col) of each curve c against x.
func plotCurves(stat func(*Table, string, string) ([]Point, error), x string, curves []curve, opt plot.SweepOptions) (*plot.Figure, error) {
	var ss []plot.Series
	var cols []string
	for _, c := range curves {
		cols = append(cols, c.col)
		pts, err := stat(c.t, x, c.col)
		if err != nil {
			return nil, err
		}
		if len(pts) == 0 {
			continue
		}
		s, err := series(c.label, pts)
		if err != nil {
			return nil, err
		}
		ss = append(ss, s)
	}
	if len(ss) == 0 {
		return nil, fmt.Errorf("sweep: no rows with a value in column %s", strings.Join(slices.Compact(cols), ", "))
	}
	if opt.XLabel == "" {
		opt.XLabel = x
	}
	return plot.Sweep(ss, opt)
}

// PlotFraction plots the fraction of rows whose column col is 1 against
// the swept column x, with 95% Wilson intervals, one curve per value of
// group ("" for one curve). PlotFraction("N", "trained", "", ...) is the
// paper's Fig 1C; ("N", "successful", ...) its Fig 2C.
func (t *Table) PlotFraction(x, col, group string, opt plot.SweepOptions) (*plot.Figure, error) {
	return t.plotBy((*Table).FractionBy, x, col, group, opt)
}

// PlotMetric plots the mean +/- SD of the numeric column col against the
// swept column x, one curve per value of group ("" for one curve): e.g.
// the spiking performance against the gain (Fig 6C) or the mean firing
// rate against N.
//
// With opt.Percent the column holds fractions, and the error bars are
// clipped to [0, 100%], as the paper draws them.
func (t *Table) PlotMetric(x, col, group string, opt plot.SweepOptions) (*plot.Figure, error) {
	return t.plotBy(meanStat(opt.Percent), x, col, group, opt)
}

// PlotMetrics plots the mean +/- SD of several numeric columns against the
// swept column x, one curve per column, labelled by labels (the column
// names when nil): e.g. the rate and LIF accuracy against N (Fig 2C), or
// the LIF accuracy on Go and on NoGo trials. With opt.Percent the error
// bars are clipped to [0, 100%], as in PlotMetric.
func (t *Table) PlotMetrics(x string, cols, labels []string, opt plot.SweepOptions) (*plot.Figure, error) {
	if labels != nil && len(labels) != len(cols) {
		return nil, fmt.Errorf("sweep: %d labels for %d columns", len(labels), len(cols))
	}
	var curves []curve
	for i, c := range cols {
		label := c
		if labels != nil {
			label = labels[i]
		}
		curves = append(curves, curve{label, c, t})
	}
	return plotCurves(meanStat(opt.Percent), x, curves, opt)
}

// meanStat is MeanBy, with the error bars clipped to [0, 1] when the
// column holds fractions shown in percent.
func meanStat(percent bool) func(*Table, string, string) ([]Point, error) {
	if !percent {
		return (*Table).MeanBy
	}
	return func(t *Table, x, col string) ([]Point, error) {
		pts, err := t.MeanBy(x, col)
		for i := range pts {
			pts[i].Lo, pts[i].Hi = math.Max(0, pts[i].Lo), math.Min(1, pts[i].Hi)
		}
		return pts, err
	}
}

// PlotDistribution draws the distribution of the numeric column col for
// each value of column by (box and every value as a dot): e.g. the
// spiking performance of fixed against tuned decay constants (Fig 5) or
// per transfer function (Fig 7). Empty cells are left out.
func (t *Table) PlotDistribution(col, by string, opt plot.DistOptions) (*plot.Figure, error) {
	groups, err := t.GroupBy(by)
	if err != nil {
		return nil, err
	}
	var ds []plot.Distribution
	for _, g := range groups {
		v, err := g.Table.Values(col)
		if err != nil {
			return nil, err
		}
		if len(v) > 0 {
			ds = append(ds, plot.Distribution{Label: g.Value, Values: v})
		}
	}
	if len(ds) == 0 {
		return nil, fmt.Errorf("sweep: no rows with a value in column %q", col)
	}
	if opt.XLabel == "" {
		opt.XLabel = by
	}
	if opt.YLabel == "" {
		opt.YLabel = col
	}
	return plot.Distributions(ds, opt)
}
