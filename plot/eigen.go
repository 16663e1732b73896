package plot

import (
	"fmt"
	"math"
	"math/cmplx"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// EigenOptions controls Eigenspectrum.
type EigenOptions struct {
	// Before, when set, is a second spectrum drawn under the main one in
	// grey (e.g. the initial weights' eigenvalues, with the trained ones
	// as the main spectrum).
	Before []complex128
	// Label and BeforeLabel name the two spectra in the legend (defaults
	// "after training" and "before training"; with no Before, the main
	// spectrum has no legend entry unless Label is set).
	Label, BeforeLabel string
	// Radius is the radius of the reference circle (default 1: the unit
	// circle); negative for none.
	Radius float64
	// Title is the panel title (default: the spectral radius).
	Title string
}

// Eigenspectrum plots eigenvalues in the complex plane (real part right,
// imaginary part up, equal scales) with a reference circle, e.g. the
// spectrum of the effective recurrent weights from spikernn.Eigenvalues.
//
// It serves the connectivity analysis of Fig 1 (initial vs trained
// weights) and SI Fig S3/S4.
func Eigenspectrum(eigs []complex128, opt EigenOptions) (_ *Figure, err error) {
	defer guard(&err)
	if len(eigs) == 0 {
		return nil, badInput("no eigenvalues")
	}
	check := func(name string, z []complex128) error {
		for i, v := range z {
			if isBad(real(v)) || isBad(imag(v)) {
				return badInput("%s[%d] is %v", name, i, v)
			}
		}
		return nil
	}
	if err := check("eigs", eigs); err != nil {
		return nil, err
	}
	if err := check("Before", opt.Before); err != nil {
		return nil, err
	}
	if isBad(opt.Radius) {
		return nil, badInput("Radius = %v", opt.Radius)
	}
	radius := opt.Radius
	if radius == 0 {
		radius = 1
	}
	rho := 0.0
	for _, v := range eigs {
		rho = max(rho, cmplx.Abs(v))
	}
	title := opt.Title
	if title == "" {
		title = fmt.Sprintf("Spectral radius %.3g", rho)
	}
	p := newPanel(title, "Re(λ)", "Im(λ)")
	lim := max(rho, radius)
	for _, v := range opt.Before {
		lim = max(lim, cmplx.Abs(v))
	}
	lim *= 1.08
	p.Add(hLine{Y: 0, Style: lineStyle(lightGrey, 0.5)}, vLine{X: 0, Style: lineStyle(lightGrey, 0.5)})
	if len(opt.Before) > 0 {
		re, im := parts(opt.Before)
		s := newScatter(re, im, withAlpha(grey, 0.6), 2)
		p.Add(s)
		l := opt.BeforeLabel
		if l == "" {
			l = "before training"
		}
		p.Legend.Add(l, s)
	}
	re, im := parts(eigs)
	s := newScatter(re, im, withAlpha(ExcColor, 0.75), 2)
	p.Add(s)
	if l := opt.Label; l != "" || len(opt.Before) > 0 {
		if l == "" {
			l = "after training"
		}
		p.Legend.Add(l, s)
	}
	if radius > 0 {
		// On top of the points, which would hide it.
		st := lineStyle(black, 0.9, 3, 2)
		p.Add(&circle{R: radius, Style: st})
		p.Legend.Add(fmt.Sprintf("|λ| = %g", radius), lineThumb{st})
	}
	p.Legend.Left = true
	p.X.Min, p.X.Max = -lim, lim
	p.Y.Min, p.Y.Max = -lim, lim
	fig := NewFigure(1, 1).WithSize(4.6*vg.Inch, 4.2*vg.Inch)
	fig.EqualAspect = true
	fig.SetPanel(0, 0, p)
	return fig, nil
}

func parts(z []complex128) (re, im []float64) {
	re, im = make([]float64, len(z)), make([]float64, len(z))
	for i, v := range z {
		re[i], im[i] = real(v), imag(v)
	}
	return re, im
}

// circle draws the circle of radius R around the origin.
type circle struct {
	R     float64
	Style draw.LineStyle
}

func (ci *circle) Plot(c draw.Canvas, p *gplot.Plot) {
	const n = 256
	pts := make([]vg.Point, n+1)
	for k := range pts {
		a := 2 * math.Pi * float64(k) / n
		pts[k] = vg.Point{X: c.X(p.X.Norm(ci.R * math.Cos(a))), Y: c.Y(p.Y.Norm(ci.R * math.Sin(a)))}
	}
	c.StrokeLines(ci.Style, c.ClipLinesXY(pts)...)
}
