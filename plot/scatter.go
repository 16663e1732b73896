package plot

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ScatterOptions controls Scatter.
type ScatterOptions struct {
	// Title, XLabel and YLabel label the panel (give units).
	Title, XLabel, YLabel string
	// Inh, when set (one entry per point), colours points by population:
	// excitatory red, inhibitory blue. Otherwise points are grey.
	Inh []bool
	// Identity draws the line y = x and gives both axes the same range.
	Identity bool
	// Fit draws the least-squares line through all points and reports its
	// slope, intercept and Pearson r in the legend.
	Fit bool
}

// Scatter plots y against x, one point per unit (or per anything), with an
// optional identity and/or least-squares line.
//
// It serves SI Fig S1 (rate-network activity against LIF firing rate per
// unit) and comparisons such as rate vs LIF performance per network.
func Scatter(x, y []float64, opt ScatterOptions) (_ *Figure, err error) {
	defer guard(&err)
	if err := checkXY("x", x, "y", y); err != nil {
		return nil, err
	}
	if opt.Inh != nil {
		if err := checkSameLen("Inh", len(opt.Inh), "x", len(x)); err != nil {
			return nil, err
		}
	}
	p := newPanel(opt.Title, opt.XLabel, opt.YLabel)
	p.Legend.Left = true
	if opt.Identity {
		// Added first so that the points lie on top; the range is set below.
		p.Add(&identityLine{Style: lineStyle(grey, 1, 4, 3)})
		p.Legend.Add("y = x", lineThumb{lineStyle(grey, 1, 4, 3)})
	}
	const r = 2.2
	if opt.Inh == nil {
		p.Add(newScatter(x, y, withAlpha(grey, 0.8), r))
	} else {
		var ex, ey, ix, iy []float64
		for i := range x {
			if opt.Inh[i] {
				ix, iy = append(ix, x[i]), append(iy, y[i])
			} else {
				ex, ey = append(ex, x[i]), append(ey, y[i])
			}
		}
		if len(ex) > 0 {
			s := newScatter(ex, ey, withAlpha(ExcColor, 0.7), r)
			p.Add(s)
			p.Legend.Add(fmt.Sprintf("Exc (n = %d)", len(ex)), s)
		}
		if len(ix) > 0 {
			s := newScatter(ix, iy, withAlpha(InhColor, 0.7), r)
			p.Add(s)
			p.Legend.Add(fmt.Sprintf("Inh (n = %d)", len(ix)), s)
		}
	}
	xlo, xhi := padRange(p.X.Min, p.X.Max, 0.04)
	ylo, yhi := padRange(p.Y.Min, p.Y.Max, 0.04)
	if opt.Identity {
		xlo, xhi = min(xlo, ylo), max(xhi, yhi)
		ylo, yhi = xlo, xhi
	}
	if opt.Fit {
		xm, _ := meanSD(x)
		same := true
		for _, v := range x {
			same = same && v == xm
		}
		if same {
			return nil, badInput("cannot fit a line: all x values are equal")
		}
		a, b := stat.LinearRegression(x, y, nil, false)
		rho := stat.Correlation(x, y, nil)
		st := lineStyle(black, 1.2)
		p.Add(newLine([]float64{xlo, xhi}, []float64{a + b*xlo, a + b*xhi}, st))
		sign := "+"
		if a < 0 {
			sign = "−"
		}
		p.Legend.Add(fmt.Sprintf("y = %.3g x %s %.3g (r = %.2f)", b, sign, math.Abs(a), rho), lineThumb{st})
	}
	p.X.Min, p.X.Max = xlo, xhi
	p.Y.Min, p.Y.Max = ylo, yhi
	side := 4 * vg.Inch
	fig := NewFigure(1, 1).WithSize(side+0.4*vg.Inch, side)
	fig.EqualAspect = opt.Identity
	fig.SetPanel(0, 0, p)
	return fig, nil
}

// identityLine draws y = x across the visible range.
type identityLine struct{ Style draw.LineStyle }

func (l *identityLine) Plot(c draw.Canvas, p *gplot.Plot) {
	lo, hi := max(p.X.Min, p.Y.Min), min(p.X.Max, p.Y.Max)
	if hi <= lo {
		return
	}
	c.StrokeLine2(l.Style, c.X(p.X.Norm(lo)), c.Y(p.Y.Norm(lo)), c.X(p.X.Norm(hi)), c.Y(p.Y.Norm(hi)))
}
