package plot

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// BoxGroup is one box of BoxDots.
type BoxGroup struct {
	Label  string
	Values []float64   // at least one, all finite
	Color  color.Color // nil: Color(i) for the i-th group
}

// BoxOptions controls BoxDots.
type BoxOptions struct {
	// Title, XLabel and YLabel label the panel (give units).
	Title, XLabel, YLabel string
	// MeanSD appends "mean ± SD" of each group to its label.
	MeanSD bool
	// YMin and YMax fix the y range when YMax > YMin (default: the data's).
	YMin, YMax float64
}

// BoxDots draws one box per group in the style of the paper's SI Fig S3
// (per-unit firing rates by population): the box spans the quartiles, a
// dashed line marks the median, whiskers reach the most extreme values
// within 1.5 interquartile ranges, and every value is drawn over the box
// as a dot, spread sideways by a fixed pattern (no random jitter, so the
// figure is the same on every run). Each group has its own colour.
func BoxDots(groups []BoxGroup, opt BoxOptions) (_ *Figure, err error) {
	defer guard(&err)
	if len(groups) == 0 {
		return nil, badInput("no groups")
	}
	p := newPanel(opt.Title, opt.XLabel, opt.YLabel)
	labels := make([]string, len(groups))
	lo, hi := math.Inf(1), math.Inf(-1)
	for g, d := range groups {
		if err := checkSeries("group "+d.Label, d.Values); err != nil {
			return nil, err
		}
		labels[g] = d.Label
		if opt.MeanSD {
			m, sd := stat.MeanStdDev(d.Values, nil)
			if len(d.Values) == 1 {
				sd = 0
			}
			labels[g] = fmt.Sprintf("%s\n%.2f ± %.2f", d.Label, m, sd)
		}
		col := d.Color
		if col == nil {
			col = Color(g)
		}
		vals := make(plotter.Values, len(d.Values))
		x, y := make([]float64, len(d.Values)), make([]float64, len(d.Values))
		for i, v := range d.Values {
			vals[i], y[i] = v, v
			// A golden-ratio sequence spreads the dots evenly over the
			// box's width whatever their number.
			x[i] = float64(g) + 0.32*(math.Mod(float64(i)*0.6180339887, 1)-0.5)
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		box, err := plotter.NewBoxPlot(vg.Points(30), float64(g), vals)
		if err != nil {
			return nil, badInput("group %s: %v", d.Label, err)
		}
		box.FillColor = withAlpha(col, 0.15)
		box.BoxStyle = lineStyle(col, 1.2)
		box.MedianStyle = lineStyle(col, 1.6, 4, 2)
		box.WhiskerStyle = lineStyle(col, 1)
		box.CapWidth = vg.Points(10)
		box.GlyphStyle.Radius = 0 // outliers are drawn as dots below
		p.Add(box)
		p.Add(newScatter(x, y, withAlpha(col, 0.8), 1.8))
	}
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.6, float64(len(groups))-0.4
	p.Y.Min, p.Y.Max = padRange(lo, hi, 0.06)
	if opt.YMax > opt.YMin {
		p.Y.Min, p.Y.Max = opt.YMin, opt.YMax
	}
	w := math.Max(3.2, 1.2+0.9*float64(len(groups)))
	fig := NewFigure(1, 1).WithSize(vg.Length(w)*vg.Inch, 3.4*vg.Inch)
	fig.SetPanel(0, 0, p)
	return fig, nil
}
