package nb

import (
	"fmt"
	"math"
	"sync"

	"github.com/spikernn/spikernn/plot"
	"github.com/spikernn/spikernn/spikernn"
)

// Reporter shows the progress of the pipeline's long steps live in a
// notebook: a progress bar per stage (training, lambda search, LIF
// evaluation, sweep) and, while a network trains, its loss curve redrawn in
// place and then kept as a figure. It implements spikernn.Reporter, so it
// goes wherever a long step takes one:
//
//	m, err := store.TrainOrLoad(ctx, spec, nb.NewReporter())
//
// Outside a notebook it prints a progress line every few seconds.
type Reporter struct {
	mu    sync.Mutex
	stage string
	bar   *Progress
	live  *LiveFigure
	curve trainingCurve
	// NoCurve turns the live training curve off.
	NoCurve bool
}

// NewReporter returns a notebook progress reporter.
func NewReporter() *Reporter { return &Reporter{} }

// trainingCurve accumulates a training run's losses and evaluations.
type trainingCurve struct {
	losses, evTrials, evLosses, evPerfs []float64
}

// Report implements spikernn.Reporter.
func (r *Reporter) Report(p spikernn.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p.Stage != r.stage || r.bar == nil {
		r.closeStage("")
		r.stage = p.Stage
		r.bar = NewProgress(p.Stage, max(p.Total, 1))
		r.curve = trainingCurve{}
		if p.Stage == "training" && !r.NoCurve {
			r.live = NewLiveFigure()
		}
	}
	msg := p.Detail
	if p.Stage == "training" {
		r.curve.losses = append(r.curve.losses, p.Loss)
		if p.Evaluated {
			c := &r.curve
			c.evTrials = append(c.evTrials, float64(p.Done-1))
			c.evLosses, c.evPerfs = append(c.evLosses, p.EvalLoss), append(c.evPerfs, p.EvalPerf)
		}
		msg = fmt.Sprintf("loss %.2f", p.Loss)
		if !math.IsNaN(p.EvalPerf) {
			msg += fmt.Sprintf(", last evaluation %.0f%% correct", 100*p.EvalPerf)
		}
		if r.live != nil {
			c := r.curve
			r.live.Update(func() (*plot.Figure, error) {
				return plot.TrainingCurves(c.losses, c.evTrials, c.evLosses, c.evPerfs)
			})
		}
	}
	r.bar.Set(p.Done, msg)
	if p.Final {
		r.closeStage(p.Detail)
	}
}

// Finish closes the display of the stage at work, if any. Reporters of
// training runs that stop early (the stopping rule met before n_trials)
// need it to draw the final curve.
func (r *Reporter) Finish() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closeStage("")
}

func (r *Reporter) closeStage(detail string) {
	if r.bar == nil {
		return
	}
	if detail == "" {
		detail = "done"
	}
	r.bar.Done(detail)
	if r.live != nil {
		c := r.curve
		_ = r.live.Finish(plot.TrainingCurves(c.losses, c.evTrials, c.evLosses, c.evPerfs))
		r.live = nil
	}
	r.bar, r.stage = nil, ""
}
