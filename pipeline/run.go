package pipeline

import (
	"context"
	"fmt"

	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/spikernn"
)

// RunSpec is the whole pipeline for one network: train (or load), search
// the scaling factor (or load it), evaluate the rate and the spiking
// network on fresh trials.
type RunSpec struct {
	Train  TrainSpec
	Search SearchSpec
	// Eval is the final evaluation at the best factor, rate and spiking
	// (Trials 0: 100; Scale is ignored: the search's best factor is used;
	// StreamOffset 0: EvalStreams).
	Eval EvalSpec
	// Conditions are extra spiking evaluations at the best factor with
	// other neuron parameters (a refractory period, a filter, QIF units);
	// a condition with Search set gets its own grid search first.
	Conditions []Condition
	// NoSearch stops after the rate evaluation.
	NoSearch bool
}

// Condition is an extra spiking evaluation of a run.
type Condition struct {
	Name   string
	Params lifsim.Params
	// Search runs a grid search with these parameters (same grid, trials
	// and seed as the run's) and evaluates at its best factor; otherwise
	// the run's best factor is used.
	Search bool
}

// Result is what Run computed.
type Result struct {
	Model      *Model
	Search     *lifsim.SearchResult // nil if the network did not train or with NoSearch
	Rate       *spikernn.Evaluation
	Spiking    *lifsim.Evaluation
	Conditions []ConditionResult
}

// ConditionResult is the outcome of one extra condition.
type ConditionResult struct {
	Name   string
	Scale  float64
	Search *lifsim.SearchResult // with Condition.Search
	Eval   *lifsim.Evaluation
}

// Run runs the pipeline for one network with the store (nil: nothing is
// stored or loaded). A network that does not meet its stopping rule is not
// converted (the paper converts trained networks only): the result then has
// the model and its rate evaluation only.
func (s *Store) Run(ctx context.Context, spec RunSpec, rep spikernn.Reporter) (*Result, error) {
	var m *Model
	var err error
	if s != nil {
		m, err = s.TrainOrLoad(ctx, spec.Train, rep)
	} else {
		m, err = Train(ctx, spec.Train, rep)
	}
	res := &Result{Model: m}
	if err != nil {
		return res, err
	}
	ev := spec.Eval
	if ev.StreamOffset == 0 {
		ev.StreamOffset = EvalStreams
	}
	if res.Rate, err = EvaluateRate(ctx, m.Net, ev); err != nil {
		return res, err
	}
	if !m.Trained() || spec.NoSearch {
		return res, nil
	}
	if res.Search, err = SearchOrLoad(ctx, m, spec.Search, rep); err != nil {
		return res, err
	}
	ev.Scale, ev.Params = res.Search.Best, spec.Search.withDefaults().Params
	if res.Spiking, err = EvaluateSpiking(ctx, m.Net, ev, rep); err != nil {
		return res, err
	}
	for _, c := range spec.Conditions {
		cr, err := runCondition(ctx, m, spec, ev, c, rep)
		res.Conditions = append(res.Conditions, cr)
		if err != nil {
			return res, fmt.Errorf("pipeline: condition %s: %w", c.Name, err)
		}
	}
	return res, nil
}

func runCondition(ctx context.Context, m *Model, spec RunSpec, ev EvalSpec, c Condition, rep spikernn.Reporter) (ConditionResult, error) {
	cr := ConditionResult{Name: c.Name, Scale: ev.Scale}
	p := c.Params
	if c.Search {
		ss := spec.Search
		ss.Params = &p
		// A search of its own, not recorded in the model file (which keeps
		// the run's).
		r, err := lifsim.GridSearch(ctx, m.Net, ss.options(rep))
		if err != nil {
			return cr, err
		}
		cr.Search, cr.Scale = r, r.Best
	}
	ev.Scale, ev.Params = cr.Scale, &p
	e, err := EvaluateSpiking(ctx, m.Net, ev, rep)
	cr.Eval = e
	return cr, err
}
