package nb

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/widgets"

	"github.com/spikernn/spikernn/plot"
)

// SliderWait is how long FactorSlider waits for a notebook front-end to
// connect its slider before it falls back to static figures: a headless
// run (jupyter nbconvert --execute) has no front-end, and GoNB's slider
// would wait for one forever.
var SliderWait = 5 * time.Second

// SliderIdle ends a live FactorSlider after this long without a move, so
// that a cell run from "Run all" does not block the kernel for good (the
// cell's stop button ends it at any time).
var SliderIdle = 10 * time.Minute

// FactorSlider shows a figure that depends on a scaling factor 1/λ, with a
// GoNB slider over min, min+step, ..., max (initial: the first position
// drawn): moving the slider calls draw with the new factor and redraws the
// figure in place (the latest position wins when draw is slower than the
// slider). The cell keeps running while the slider is live, until
// SliderIdle passes without a move or the cell is stopped.
//
// Without a live front-end (outside a notebook, or when none answers within
// SliderWait, as in a headless run) it shows the static figures draw gives
// at each of the factors in static (default: initial) and returns, so the
// same cell also runs headless. An error of draw ends it.
func FactorSlider(min, max, step, initial float64, draw func(float64) (*plot.Figure, error), static ...float64) error {
	n, k0, err := sliderPositions(min, max, step, initial)
	if err != nil {
		return err
	}
	if draw == nil {
		return errors.New("nb.FactorSlider: nil draw function")
	}
	if len(static) == 0 {
		static = []float64{initial}
	}
	if !InNotebook() {
		return showStatic(draw, static)
	}
	box, status, slot := "spikernn-slider-"+gonbui.UniqueID(), "spikernn-status-"+gonbui.UniqueID(), "spikernn-figure-"+gonbui.UniqueID()
	gonbui.DisplayHTML(fmt.Sprintf(`<div id=%q></div>`, box))
	gonbui.UpdateHTML(status, "<i>connecting the 1/λ slider to the notebook front-end…</i>")
	gonbui.Sync()
	ready := make(chan *widgets.SliderBuilder, 1)
	go func() { ready <- widgets.Slider(0, n-1, k0).AppendTo(box).Done() }()
	var s *widgets.SliderBuilder
	select {
	case s = <-ready:
	case <-time.After(SliderWait):
		gonbui.UpdateHTML(status, "")
		Markdownf("*No live notebook front-end answered (a headless run?): static figures at 1/λ = %s. The slider needs a live kernel.*", joinFactors(static))
		return showStatic(draw, static)
	}
	updates := s.Listen().LatestOnly()
	defer updates.Close()
	redraw := func(k int) error {
		f := min + float64(k)*step
		gonbui.UpdateHTML(status, fmt.Sprintf("1/λ = <b>%g</b>: drawing…", f))
		gonbui.Sync()
		fig, err := draw(f)
		if err == nil {
			var h string
			if h, err = fig.HTML(); err == nil {
				gonbui.UpdateHTML(slot, h)
				gonbui.UpdateHTML(status, fmt.Sprintf("1/λ = <b>%g</b> (slider %g to %g in steps of %g)", f, min, max, step))
			}
		}
		gonbui.Sync()
		return err
	}
	if err := redraw(s.Value()); err != nil {
		return err
	}
	for {
		select {
		case k := <-updates.C:
			if err := redraw(k); err != nil {
				return err
			}
		case <-time.After(SliderIdle):
			gonbui.UpdateHTML(status, fmt.Sprintf("<i>slider stopped after %v without a move: run the cell again to use it</i>", SliderIdle))
			gonbui.Sync()
			return nil
		}
	}
}

// sliderPositions checks a slider's range and returns its number of
// positions and the position of initial.
func sliderPositions(min, max, step, initial float64) (n, k0 int, err error) {
	for _, v := range []float64{min, max, step, initial} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, 0, fmt.Errorf("nb.FactorSlider: range %g..%g step %g, initial %g: not finite", min, max, step, initial)
		}
	}
	if !(step > 0) || max < min {
		return 0, 0, fmt.Errorf("nb.FactorSlider: range %g..%g step %g: need min <= max and step > 0", min, max, step)
	}
	n = int(math.Floor((max-min)/step+1e-9)) + 1
	if n > 10000 {
		return 0, 0, fmt.Errorf("nb.FactorSlider: range %g..%g step %g: %d positions, at most 10000", min, max, step, n)
	}
	k := (initial - min) / step
	if k < -1e-9 || k > float64(n-1)+1e-9 || math.Abs(k-math.Round(k)) > 1e-6 {
		return 0, 0, fmt.Errorf("nb.FactorSlider: initial %g is not on the slider (%g..%g step %g)", initial, min, max, step)
	}
	return n, int(math.Round(k)), nil
}

// showStatic shows draw's figure at each factor.
func showStatic(draw func(float64) (*plot.Figure, error), factors []float64) error {
	for _, f := range factors {
		fig, err := draw(f)
		if err != nil {
			return fmt.Errorf("nb.FactorSlider: 1/λ = %g: %w", f, err)
		}
		if err := Show(fig); err != nil {
			return err
		}
	}
	return nil
}

func joinFactors(fs []float64) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = fmt.Sprintf("%g", f)
	}
	return strings.Join(s, ", ")
}
