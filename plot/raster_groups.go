package plot

import (
	"fmt"

	"gonum.org/v1/plot/vg"

	"github.com/spikernn/spikernn/spikernn"
)

// groupedRaster is Raster with opt.Groups: one colour and one block of
// rows per group.
func groupedRaster(spikes []spikernn.Spike, inh []bool, opt RasterOptions) (*Figure, error) {
	N := len(inh)
	if inh == nil {
		for _, g := range opt.Groups {
			N += len(g.Units)
		}
	}
	if N == 0 {
		return nil, badInput("no units")
	}
	row := make([]int, N)
	for i := range row {
		row[i] = -1
	}
	k := 0
	var bounds []int
	for gi, g := range opt.Groups {
		for _, u := range g.Units {
			if u < 0 || u >= N {
				return nil, badInput("group %q: unit %d outside [0, %d)", g.Label, u, N)
			}
			if row[u] >= 0 {
				return nil, badInput("group %q: unit %d is in two groups", g.Label, u)
			}
			row[u], k = k, k+1
		}
		if gi < len(opt.Groups)-1 {
			bounds = append(bounds, k)
		}
	}
	if k != N {
		return nil, badInput("the groups cover %d of the %d units", k, N)
	}
	dur, scale, xlabel, err := rasterTime(spikes, N, opt)
	if err != nil {
		return nil, err
	}
	width := opt.LineWidth
	if width <= 0 {
		width = 0.6
	}
	p := newPanel(opt.Title, xlabel, "Neuron")
	addWindows(p, opt.Windows, scale)
	marks := make([]*rasterMarks, len(opt.Groups))
	group := make([]int, N)
	for gi, g := range opt.Groups {
		c := g.Color
		if c == nil {
			c = black
		}
		marks[gi] = &rasterMarks{Style: lineStyle(c, width)}
		for _, u := range g.Units {
			group[u] = gi
		}
	}
	for _, s := range spikes {
		m := marks[group[s.Unit]]
		m.T, m.Row = append(m.T, s.Time*scale), append(m.Row, float64(row[s.Unit]))
	}
	for _, m := range marks {
		p.Add(m)
	}
	for gi := len(marks) - 1; gi >= 0 && !opt.NoLegend; gi-- { // the legend lists the top group first
		if g := opt.Groups[gi]; g.Label != "" {
			p.Legend.Add(fmt.Sprintf("%s (n = %d)", g.Label, len(g.Units)), lineThumb{lineStyle(marks[gi].Style.Color, 2)})
		}
	}
	for _, b := range bounds {
		p.Add(hLine{Y: float64(b) - 0.5, Style: lineStyle(grey, 0.6, 3, 2)})
	}
	p.X.Min, p.X.Max = 0, dur*scale
	p.Y.Min, p.Y.Max = -0.5, float64(N)-0.5
	p.Y.Tick.Marker = countTicks{Offset: 1}
	fig := NewFigure(1, 1).WithSize(6.6*vg.Inch, 3.8*vg.Inch)
	fig.LegendOutside = true
	fig.SetPanel(0, 0, p)
	return fig, nil
}
