package plot

import (
	"fmt"
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Histogram plots the distribution of values with bins equal-width bins
// (bins <= 0: chosen from the number of values) and xlabel under the x axis
// (give the unit, e.g. "Decay constant (ms)"). The title reports the mean
// +/- SD and the count.
//
// It serves Fig 4 and Fig 6 (distributions of the tuned decay constants,
// e.g. 38.9 +/- 9.3 ms) and any other per-unit distribution.
func Histogram(values []float64, bins int, xlabel string) (_ *Figure, err error) {
	defer guard(&err)
	if err := checkSeries("values", values); err != nil {
		return nil, err
	}
	if bins > maxBins {
		return nil, badInput("%d bins (at most %d)", bins, maxBins)
	}
	edges := binEdges([][]float64{values}, bins)
	p := histPanel(values, edges, grey, "", xlabel)
	fig := NewFigure(1, 1).WithSize(4.5*vg.Inch, 3.2*vg.Inch)
	fig.SetPanel(0, 0, p)
	return fig, nil
}

// HistogramEI plots the distributions of per-unit values for the
// excitatory (red, left) and inhibitory (blue, right) units side by side,
// on shared bins and axes; inh[i] tells whether unit i is inhibitory.
// A population without units is left out.
func HistogramEI(values []float64, inh []bool, bins int, xlabel string) (_ *Figure, err error) {
	defer guard(&err)
	if err := checkSeries("values", values); err != nil {
		return nil, err
	}
	if err := checkSameLen("values", len(values), "inh", len(inh)); err != nil {
		return nil, err
	}
	if bins > maxBins {
		return nil, badInput("%d bins (at most %d)", bins, maxBins)
	}
	var exc, in []float64
	for i, v := range values {
		if inh[i] {
			in = append(in, v)
		} else {
			exc = append(exc, v)
		}
	}
	edges := binEdges([][]float64{exc, in}, bins)
	var panels []*gplot.Plot
	if len(exc) > 0 {
		panels = append(panels, histPanel(exc, edges, ExcColor, "Excitatory", xlabel))
	}
	if len(in) > 0 {
		panels = append(panels, histPanel(in, edges, InhColor, "Inhibitory", xlabel))
	}
	fig, err := Grid(1, len(panels), panels...)
	if err != nil {
		return nil, err
	}
	fig.WithSize(vg.Length(len(panels))*3.6*vg.Inch, 3*vg.Inch).ShareY()
	return fig, nil
}

// RateHistogram plots the firing-rate distributions (Hz) of the excitatory
// and inhibitory units (as HistogramEI); rates must be non-negative.
//
// It serves Fig 2 and SI Fig S1 (LIF firing rates per population).
func RateHistogram(rates []float64, inh []bool, bins int) (_ *Figure, err error) {
	defer guard(&err)
	for i, r := range rates {
		if r < 0 {
			return nil, badInput("rates[%d] = %v is negative", i, r)
		}
	}
	return HistogramEI(rates, inh, bins, "Firing rate (Hz)")
}

// maxBins caps the number of histogram bins.
const maxBins = 10000

// binEdges returns bins+1 equal-width edges covering all values of all
// groups (bins <= 0: Sturges' rule on the largest group, at least 5).
func binEdges(groups [][]float64, bins int) []float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	n := 0
	for _, g := range groups {
		for _, v := range g {
			lo, hi = min(lo, v), max(hi, v)
		}
		n = max(n, len(g))
	}
	if bins <= 0 {
		bins = max(5, int(math.Ceil(math.Log2(float64(n))))+1)
	}
	bins = min(bins, maxBins)
	if hi <= lo {
		d := math.Max(math.Abs(lo)*0.05, 0.5)
		lo, hi = lo-d, hi+d
	}
	edges := make([]float64, bins+1)
	for i := range edges {
		edges[i] = lo + (hi-lo)*float64(i)/float64(bins)
	}
	edges[bins] = hi
	return edges
}

func histPanel(values, edges []float64, c color.Color, name, xlabel string) *gplot.Plot {
	bins := len(edges) - 1
	h := &plotter.Histogram{
		Bins:      make([]plotter.HistogramBin, bins),
		Width:     edges[1] - edges[0],
		FillColor: withAlpha(c, 0.75),
		LineStyle: lineStyle(color.White, 0.5),
	}
	for i := range h.Bins {
		h.Bins[i].Min, h.Bins[i].Max = edges[i], edges[i+1]
	}
	for k, c := range binCounts(values, edges) {
		h.Bins[k].Weight = c
	}
	m, sd := meanSD(values)
	title := fmt.Sprintf("%s (mean ± SD, n = %d)", formatMeanSD(m, sd), len(values))
	if name != "" {
		title = name + ": " + title
	}
	p := newPanel(title, xlabel, "Count")
	p.Add(h)
	p.Y.Min = 0
	p.Y.Max *= 1.05
	return p
}

// binCounts counts values per bin of the equal-width edges; values on or
// beyond the last edge count in the last bin, below the first in the first.
func binCounts(values, edges []float64) []float64 {
	bins := len(edges) - 1
	w := edges[bins] - edges[0]
	counts := make([]float64, bins)
	for _, v := range values {
		k := int(float64(bins) * (v - edges[0]) / w)
		counts[min(max(k, 0), bins-1)]++
	}
	return counts
}

// formatMeanSD writes "m ± sd" with the SD to two significant digits and
// the mean to the same decimal place.
func formatMeanSD(m, sd float64) string {
	dec := 2
	if sd > 0 {
		dec = max(0, 1-int(math.Floor(math.Log10(sd))))
	}
	return fmt.Sprintf("%.*f ± %.*f", dec, m, dec, sd)
}
