package plot

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// StateTrack is one condition-averaged trajectory in a two-dimensional
// state space, e.g. a TDR projection on the choice axis (X) and a sensory
// axis (Y) over the bins of the stimulus (analysis.Trajectory).
type StateTrack struct {
	X, Y []float64
	// Shade places the track's colour between the dark (0) and the light
	// (1) version of the panel's colour: SI Fig S5B shades by offset
	// magnitude, dark to light as the evidence grows.
	Shade float64
	// Filled draws filled markers (SI Fig S5B: the + choice), open ones
	// otherwise (the - choice).
	Filled bool
}

// StateSpaceOptions controls StateSpace.
type StateSpaceOptions struct {
	Title, XLabel, YLabel string
	// Color is the panel's base colour (nil: green, SI Fig S5B's modality 1;
	// StateMagenta is modality 2's).
	Color color.Color
	// FilledLabel and OpenLabel name the filled and open markers in the
	// legend (empty: no legend).
	FilledLabel, OpenLabel string
}

// Base colours of SI Fig S5B: modality 1 green, modality 2 magenta.
var (
	StateGreen   color.Color = color.RGBA{R: 30, G: 160, B: 50, A: 255}
	StateMagenta color.Color = color.RGBA{R: 200, G: 30, B: 200, A: 255}
)

// shade mixes c with black (s = 0: 55% black) or white (s = 1: 60% white).
func shade(c color.Color, s float64) color.Color {
	s = max(0, min(1, s))
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	mix := func(v uint8) uint8 {
		f := float64(v)
		dark, light := 0.45*f, f+0.6*(255-f)
		return uint8(dark + s*(light-dark) + 0.5)
	}
	return color.NRGBA{R: mix(n.R), G: mix(n.G), B: mix(n.B), A: 255}
}

// StateSpace draws condition-averaged trajectories in a plane, each a line
// through markers at its time points (filled or open), coloured from dark
// to light by Shade: one panel of SI Fig S5B.
func StateSpace(tracks []StateTrack, opt StateSpaceOptions) (_ *Figure, err error) {
	defer guard(&err)
	if len(tracks) == 0 {
		return nil, badInput("StateSpace: no tracks")
	}
	for i, t := range tracks {
		if err := checkXY(fmt.Sprintf("track %d X", i), t.X, fmt.Sprintf("track %d Y", i), t.Y); err != nil {
			return nil, err
		}
		if isBad(t.Shade) {
			return nil, badInput("StateSpace: track %d: shade %v", i, t.Shade)
		}
	}
	base := opt.Color
	if base == nil {
		base = StateGreen
	}
	p := newPanel(opt.Title, opt.XLabel, opt.YLabel)
	// Open tracks first, so that the filled ones lie on top.
	for _, filled := range []bool{false, true} {
		for _, t := range tracks {
			if t.Filled != filled {
				continue
			}
			c := shade(base, t.Shade)
			p.Add(newLine(t.X, t.Y, lineStyle(c, 1)))
			s := newScatter(t.X, t.Y, c, 2.3)
			if !filled {
				s.GlyphStyle.Shape = openCircle{}
			}
			p.Add(s)
		}
	}
	if opt.FilledLabel != "" || opt.OpenLabel != "" {
		for _, e := range []struct {
			label string
			shape draw.GlyphDrawer
		}{{opt.FilledLabel, draw.CircleGlyph{}}, {opt.OpenLabel, openCircle{}}} {
			if e.label != "" {
				s := newScatter([]float64{0}, []float64{0}, shade(base, 0.3), 2.6)
				s.GlyphStyle.Shape = e.shape
				p.Legend.Add(e.label, s)
			}
		}
	}
	p.X.Min, p.X.Max = padRange(p.X.Min, p.X.Max, 0.05)
	p.Y.Min, p.Y.Max = padRange(p.Y.Min, p.Y.Max, 0.05)
	fig := NewFigure(1, 1).WithSize(4*vg.Inch, 3.4*vg.Inch)
	fig.SetPanel(0, 0, p)
	return fig, nil
}
