package spikernn

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// TrainingRecord is what a training run leaves in the model file.
type TrainingRecord struct {
	Status       Status    // StatusTrained, StatusFailed, StatusUnfinished or StatusUntrained
	Losses       []float64 // per-trial training loss (length n_trials in the reference; entries past Tr are 0)
	Tr           int       // index of the last trial
	EvalPerfMean float64   // mean performance of the last evaluation (100 trials)
	EvalLossMean float64   // mean loss of the last evaluation
	EvalOs       *mat.Dense
	EvalLabels   []float64
	// Evaluation curve (spikernn extension): trial index, mean loss and
	// mean performance of every evaluation.
	EvalTrials []float64
	EvalLosses []float64
	EvalPerfs  []float64
	// Last training trial: input (NIn x T), target (T), states (N x T) and outputs (T-1).
	U      *mat.Dense
	Target []float64
	X, R   *mat.Dense
	O      []float64
	// States (N x T) of one trial run before training.
	X0, R0 *mat.Dense
}

// ScalingSearch holds the results of the scaling-factor grid search (the
// reference's lambda_grid_search.m) as it appends them to the model file
// (opt_scaling_factor, scaling_factors, all_perfs), with spikernn's record of
// how it was run (scaling_trials, scaling_seed, scaling_key), which the
// reference tools ignore.
type ScalingSearch struct {
	OptScalingFactor float64   // the factor s with the best spiking performance (lambda = 1/s); NaN: unfinished
	ScalingFactors   []float64 // the grid
	AllPerfs         []float64 // mean spiking performance per factor (NaN: not scored)
	Trials           int       // spiking trials per factor (0: unknown, e.g. a reference file)
	Seed             uint64    // seed of the trials
	Key              string    // identifies the search settings (grid, trials, seed, neuron parameters); "" when unknown
}

// Finished reports whether the search scored every factor.
func (s *ScalingSearch) Finished() bool { return s != nil && !math.IsNaN(s.OptScalingFactor) }

// BestPerf returns the performance at OptScalingFactor (NaN if unknown).
func (s *ScalingSearch) BestPerf() float64 {
	for k, f := range s.ScalingFactors {
		if f == s.OptScalingFactor && k < len(s.AllPerfs) {
			return s.AllPerfs[k]
		}
	}
	return math.NaN()
}

// Baseline returns a record of the network as it is, before any training:
// the states of one trial (x0, r0, and the same trial as the "last trial" u,
// o, x, r, target) and an evaluation on 100 fresh trials, so that a model
// file of an untrained network carries every variable the reference writes.
// Its Status is StatusUntrained, its Losses empty, its Tr 0.
//
// The evaluation takes most of the time (100 trials of N units, on every
// core); rep (nil for none) receives its progress; a cancelled ctx stops it.
func (n *Network) Baseline(ctx context.Context, seed uint64, rep Reporter) (*TrainingRecord, error) {
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
	ev, err := n.Evaluate(ctx, EvalOptions{Task: task, Trials: 100, Seed: seed ^ 0xba5e11e, Progress: rep})
	if err != nil {
		return nil, fmt.Errorf("spikernn: baseline evaluation: %w", err)
	}
	return &TrainingRecord{
		Status:       StatusUntrained,
		Losses:       []float64{},
		EvalPerfMean: ev.Perf,
		EvalLossMean: ev.MeanLoss,
		EvalOs:       ev.OutputMatrix(),
		EvalLabels:   ev.Labels,
		U:            tr.U,
		Target:       tr.Target,
		X:            res.X,
		R:            res.R,
		O:            res.O,
		X0:           res.X,
		R0:           res.R,
	}, nil
}
