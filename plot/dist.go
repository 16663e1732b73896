package plot

import (
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Distribution is one group of values drawn by Distributions.
type Distribution struct {
	Label  string
	Values []float64 // at least one, all finite
}

// DistOptions controls Distributions.
type DistOptions struct {
	// Title, XLabel and YLabel label the panel (give units).
	Title, XLabel, YLabel string
	// Percent shows the values, given as fractions, in percent.
	Percent bool
}

// Distributions compares the distributions of a quantity across groups:
// one box per group (median, quartiles, whiskers to the most extreme value
// within 1.5 interquartile ranges) with every value drawn over it as a dot,
// spread sideways by a fixed pattern (no random jitter, so the figure is
// the same on every run).
//
// It serves the population panels of the paper: the distribution of spiking
// performance per condition over the networks of a sweep (Fig 5, Fig 7,
// SI S6), or of a firing rate or a trained decay constant per group.
func Distributions(groups []Distribution, opt DistOptions) (_ *Figure, err error) {
	defer guard(&err)
	if len(groups) == 0 {
		return nil, badInput("no groups")
	}
	f := 1.0
	if opt.Percent {
		f = 100
	}
	p := newPanel(opt.Title, opt.XLabel, opt.YLabel)
	labels := make([]string, len(groups))
	lo, hi := math.Inf(1), math.Inf(-1)
	for g, d := range groups {
		labels[g] = d.Label
		if err := checkSeries("group "+d.Label, d.Values); err != nil {
			return nil, err
		}
		vals := make(plotter.Values, len(d.Values))
		x, y := make([]float64, len(d.Values)), make([]float64, len(d.Values))
		for i, v := range d.Values {
			vals[i] = v * f
			// A golden-ratio sequence spreads the dots evenly over
			// the box's width whatever their number.
			x[i] = float64(g) + 0.3*(math.Mod(float64(i)*0.6180339887, 1)-0.5)
			y[i] = vals[i]
			lo, hi = math.Min(lo, y[i]), math.Max(hi, y[i])
		}
		col := Color(g)
		box, err := plotter.NewBoxPlot(vg.Points(28), float64(g), vals)
		if err != nil {
			return nil, badInput("group %s: %v", d.Label, err)
		}
		box.FillColor = withAlpha(col, 0.25)
		box.BoxStyle = lineStyle(col, 1.2)
		box.MedianStyle = lineStyle(col, 2)
		box.WhiskerStyle = lineStyle(col, 1)
		box.GlyphStyle.Radius = 0 // outliers are drawn as dots below
		p.Add(box)
		p.Add(newScatter(x, y, withAlpha(col, 0.75), 1.8))
	}
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.6, float64(len(groups))-0.4
	p.Y.Min, p.Y.Max = padRange(lo, hi, 0.06)
	w := math.Max(3.6, 1.2+0.8*float64(len(groups)))
	fig := NewFigure(1, 1).WithSize(vg.Length(w)*vg.Inch, 3.4*vg.Inch)
	fig.SetPanel(0, 0, p)
	return fig, nil
}
