package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/spikernn"
)

// EvalSpec controls an evaluation on fresh trials of the network's task.
type EvalSpec struct {
	Trials  int    // number of trials (0: 100)
	Seed    uint64 // seed of the trials
	Workers int    // goroutines (0: all cores); results do not depend on it

	// Spiking evaluations only.
	Scale        float64              // scaling factor s = 1/lambda; 0: the model's opt_scaling_factor
	Params       *lifsim.Params       // nil: lifsim.DefaultParams
	Keep         bool                 // keep every trial's spikes and output trace (for figures)
	StreamOffset uint64               // first random stream (to draw trials distinct from the grid search's)
	Perturb      *lifsim.Perturbation // optional perturbation of every trial
}

// EvalStreams is the StreamOffset that keeps an evaluation's trials apart
// from those of a grid search with the same seed (which use streams below
// len(grid) * trials).
const EvalStreams = 1 << 40

// EvaluateRate runs spec.Trials fresh trials through the rate network.
func EvaluateRate(ctx context.Context, net *spikernn.Network, spec EvalSpec) (*spikernn.Evaluation, error) {
	ev, err := net.Evaluate(ctx, spikernn.EvalOptions{Trials: spec.Trials, Seed: spec.Seed, Workers: spec.Workers})
	if err != nil {
		return nil, fmt.Errorf("pipeline: rate evaluation: %w", err)
	}
	return ev, nil
}

// EvaluateSpiking maps the rate network onto the spiking network at
// spec.Scale (the model's opt_scaling_factor by default) and runs
// spec.Trials fresh trials through it.
func EvaluateSpiking(ctx context.Context, net *spikernn.Network, spec EvalSpec, rep spikernn.Reporter) (*lifsim.Evaluation, error) {
	scale := spec.Scale
	if scale == 0 {
		if !net.Scaling.Finished() {
			return nil, errors.New("pipeline: spiking evaluation: the model has no opt_scaling_factor yet: run the grid search first, or give a scaling factor")
		}
		scale = net.Scaling.OptScalingFactor
	}
	p := lifsim.DefaultParams()
	if spec.Params != nil {
		p = *spec.Params
	}
	lif, err := lifsim.FromRate(net, scale, p)
	if err != nil {
		return nil, fmt.Errorf("pipeline: spiking evaluation: %w", err)
	}
	ev, err := lif.Evaluate(ctx, lifsim.EvalOptions{Trials: spec.Trials, Seed: spec.Seed, StreamOffset: spec.StreamOffset,
		Workers: spec.Workers, Progress: rep, Keep: spec.Keep, Perturb: spec.Perturb})
	if err != nil {
		return nil, fmt.Errorf("pipeline: spiking evaluation at s = %g: %w", scale, err)
	}
	return ev, nil
}
