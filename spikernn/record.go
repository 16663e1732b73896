package spikernn

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// StatusUntrained marks the record of a network that has not been trained:
// Baseline fills it with one trial and an evaluation of the initial weights.
const StatusUntrained = "untrained"

// OutputMatrix stacks the evaluation's outputs into a trials x (T-1) matrix
// (the reference's eval_os).
func (e *Evaluation) OutputMatrix() *mat.Dense {
	if len(e.Outputs) == 0 {
		return nil
	}
	m := mat.NewDense(len(e.Outputs), len(e.Outputs[0]), nil)
	for i, o := range e.Outputs {
		m.SetRow(i, o)
	}
	return m
}

// Labels returns the trials' labels (the reference's eval_labels).
func (e *Evaluation) Labels() []float64 {
	l := make([]float64, len(e.Trials))
	for i, t := range e.Trials {
		l[i] = t.Label
	}
	return l
}

// Conds returns the trials' conditions ("Go", "NoGo", "same", "ctx1 +", ...),
// e.g. to group outputs in a figure.
func (e *Evaluation) Conds() []string {
	c := make([]string, len(e.Trials))
	for i, t := range e.Trials {
		c[i] = t.Cond
	}
	return c
}

// Baseline returns a record of the network as it is, before any training:
// the states of one trial (x0, r0, and the same trial as the "last trial" u,
// o, x, r, target) and an evaluation on 100 fresh trials, so that a model
// file of an untrained network carries every variable the reference writes.
// Its Status is StatusUntrained, its Losses empty, its Tr 0.
func (n *Network) Baseline(seed uint64) (*TrainingRecord, error) {
	task, err := LookupTask(n.Config.Task)
	if err != nil {
		return nil, err
	}
	rng := SubRand(seed, 1<<40)
	tr := task.NewTrial(rng)
	res, err := n.Run(tr.U, RunOptions{Rng: rng, Record: true})
	if err != nil {
		return nil, fmt.Errorf("spikernn: baseline trial: %w", err)
	}
	ev, err := n.Evaluate(task, EvalOptions{Trials: 100, Seed: seed ^ 0xba5e11e})
	if err != nil {
		return nil, fmt.Errorf("spikernn: baseline evaluation: %w", err)
	}
	return &TrainingRecord{
		Status:       StatusUntrained,
		Losses:       []float64{},
		EvalPerfMean: ev.MeanPerf,
		EvalLossMean: ev.MeanLoss,
		EvalOs:       ev.OutputMatrix(),
		EvalLabels:   ev.Labels(),
		U:            tr.U,
		Target:       tr.Target,
		X:            res.X,
		R:            res.R,
		O:            res.O,
		X0:           res.X,
		R0:           res.R,
	}, nil
}
