package spikernn

import "time"

// Progress is one report from a long computation: a training run, a grid
// search, an evaluation, a sweep. Every long-running function of spikernn
// reports through a Reporter with this one type; the command line's progress
// bar and the notebook's live bar (package nb) both implement Reporter.
type Progress struct {
	Stage   string        // what runs: "training", "lambda search", "LIF evaluation", ...
	Done    int           // units of work done (trials, jobs)
	Total   int           // units of work in all (0: unknown)
	Detail  string        // a short status line, e.g. "s = 25" or "loss 3.2"
	Final   bool          // the stage ended (Detail then summarises it)
	Elapsed time.Duration // since the stage started

	// Training runs also report the trial's loss and the latest
	// evaluation (NaN before the first); Evaluated marks the trials after
	// which an evaluation ran.
	Loss      float64
	Evaluated bool
	EvalLoss  float64
	EvalPerf  float64
}

// Reporter receives Progress reports, one at a time, in order.
type Reporter interface {
	Report(Progress)
}

// ReporterFunc adapts a function to Reporter.
type ReporterFunc func(Progress)

// Report implements Reporter.
func (f ReporterFunc) Report(p Progress) { f(p) }

// Report sends p to r unless r is nil.
func Report(r Reporter, p Progress) {
	if r != nil {
		r.Report(p)
	}
}
