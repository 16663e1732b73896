package spikernn

import (
	"math"
	"sort"

	"github.com/spikernn/spikernn/internal/stats"
	"gonum.org/v1/gonum/mat"
)

// Evaluation is the outcome of scoring fresh trials of a task, on the rate
// network (Network.Evaluate) or on the spiking network (lifsim's Evaluate,
// whose result embeds this type): one vocabulary for both.
type Evaluation struct {
	Task    string    // the task's registry name
	Spiking bool      // scored on the spiking network (spec 5) rather than the rate network
	Trials  []Trial   // per trial: input, target, label and condition
	Labels  []float64 // per trial (go-nogo: 1 Go, 0 NoGo; mante and xor: +1 or -1)
	Conds   []string  // per trial condition ("Go", "NoGo", "same", "ctx1 +", ...)
	Correct []bool    // per trial
	Perf    float64   // fraction of correct trials

	// Outputs holds each trial's output trace, sampled every Dt seconds
	// from t = Dt: the rate network's T-1 outputs every 5 ms, or the
	// spiking network's readout every 0.05 ms (kept only on request).
	Outputs [][]float64
	Dt      float64

	// Losses and MeanLoss are the rate network's training losses of the
	// trials (nil and NaN for a spiking evaluation).
	Losses   []float64
	MeanLoss float64

	// ExcRate, InhRate and MeanRate are the spiking network's mean firing
	// rates (Hz) of the excitatory, inhibitory and all units, averaged over
	// trials (NaN for a rate evaluation).
	ExcRate, InhRate, MeanRate float64
}

func newEvaluation(task string, trials int, spiking bool) *Evaluation {
	return &Evaluation{
		Task: task, Spiking: spiking,
		Trials: make([]Trial, trials), Labels: make([]float64, trials), Conds: make([]string, trials),
		Correct:  make([]bool, trials),
		MeanLoss: math.NaN(), ExcRate: math.NaN(), InhRate: math.NaN(), MeanRate: math.NaN(),
	}
}

// NewSpikingEvaluation returns an Evaluation of trials spiking trials of a
// task, for the spiking simulator to fill with SetTrial and Finish.
func NewSpikingEvaluation(task string, trials int) *Evaluation {
	return newEvaluation(task, trials, true)
}

// SetTrial records trial i's draw and score. Different i may be set
// concurrently.
func (e *Evaluation) SetTrial(i int, tr Trial, correct bool) { e.setTrial(i, tr, correct) }

func (e *Evaluation) setTrial(i int, tr Trial, correct bool) {
	e.Trials[i], e.Labels[i], e.Conds[i], e.Correct[i] = tr, tr.Label, tr.Cond, correct
}

// Finish computes Perf from Correct.
func (e *Evaluation) Finish() { e.finish() }

func (e *Evaluation) finish() { e.Perf = stats.Fraction(e.Correct) }

// OutputMatrix stacks the outputs into a trials x samples matrix (the
// reference's eval_os for a rate evaluation); nil without outputs.
func (e *Evaluation) OutputMatrix() *mat.Dense {
	if len(e.Outputs) == 0 || e.Outputs[0] == nil {
		return nil
	}
	m := mat.NewDense(len(e.Outputs), len(e.Outputs[0]), nil)
	for i, o := range e.Outputs {
		m.SetRow(i, o)
	}
	return m
}

// CondNames returns the conditions that occur, sorted.
func (e *Evaluation) CondNames() []string {
	seen := map[string]bool{}
	var names []string
	for _, c := range e.Conds {
		if !seen[c] {
			seen[c] = true
			names = append(names, c)
		}
	}
	sort.Strings(names)
	return names
}

// PerfByCond returns the fraction of correct trials per condition.
func (e *Evaluation) PerfByCond() map[string]float64 {
	out := map[string]float64{}
	for _, c := range e.CondNames() {
		var b []bool
		for i, ci := range e.Conds {
			if ci == c {
				b = append(b, e.Correct[i])
			}
		}
		out[c] = stats.Fraction(b)
	}
	return out
}
