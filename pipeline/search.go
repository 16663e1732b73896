package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/spikernn"
)

// SearchSpec is everything that determines a scaling-factor grid search
// (spec 5): the grid, the trials per factor, the seed and the neuron and
// synapse parameters.
type SearchSpec struct {
	Factors []float64      // the grid of s = 1/lambda (nil: lifsim.PaperFactors, 20:5:75)
	Trials  int            // spiking trials per factor (0: 100)
	Seed    uint64         // seed of the trials
	Params  *lifsim.Params // nil: lifsim.DefaultParams
	Workers int            `json:"-"` // goroutines (0: all cores); not part of the key
}

func (s SearchSpec) withDefaults() SearchSpec {
	if s.Factors == nil {
		s.Factors = lifsim.PaperFactors()
	}
	if s.Trials == 0 {
		s.Trials = 100
	}
	if s.Params == nil {
		p := lifsim.DefaultParams()
		s.Params = &p
	}
	return s
}

// Key identifies the search: a hash of the grid, the trials, the seed and
// the parameters, with defaults filled in.
func (s SearchSpec) Key() string { return hashKey(s.withDefaults()) }

func (s SearchSpec) options(rep spikernn.Reporter) lifsim.SearchOptions {
	s = s.withDefaults()
	return lifsim.SearchOptions{Factors: s.Factors, Trials: s.Trials, Seed: s.Seed, Params: s.Params,
		Workers: s.Workers, Progress: rep}
}

// Scaling returns the search result in the form the model file stores,
// with the spec's record (trials, seed, key).
func (s SearchSpec) scaling(res *lifsim.SearchResult) *spikernn.ScalingSearch {
	sc := res.Scaling()
	sc.Trials, sc.Seed, sc.Key = res.Trials, res.Seed, s.Key()
	return sc
}

// SearchOrLoad returns the grid-search result of the model's network for
// spec: the one recorded in the network if it was run with the same
// settings (same key), else a new search, recorded in the network
// (Net.Scaling) and, if the model has a file, in the file. The network
// comes back with its scaling set: no reload needed.
func SearchOrLoad(ctx context.Context, m *Model, spec SearchSpec, rep spikernn.Reporter) (*lifsim.SearchResult, error) {
	if sc := m.Net.Scaling; sc.Finished() && sc.Key == spec.Key() {
		return resultFrom(m.Net, sc), nil
	}
	res, err := lifsim.GridSearch(ctx, m.Net, spec.options(rep))
	if res == nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	if err != nil && res.Done == 0 {
		return res, fmt.Errorf("pipeline: %w", err)
	}
	prev := m.Net.Scaling
	if err != nil && prev.Finished() {
		return res, fmt.Errorf("pipeline: %w (the model's earlier search was kept)", err)
	}
	m.Net.Scaling = spec.scaling(res)
	if m.Path != "" {
		if serr := spikernn.SaveScaling(m.Path, m.Net.Scaling); serr != nil {
			return res, errors.Join(err, fmt.Errorf("pipeline: %w", serr))
		}
	}
	if err != nil {
		return res, fmt.Errorf("pipeline: %w", err)
	}
	return res, nil
}

// resultFrom rebuilds a search result from a model's record.
func resultFrom(net *spikernn.Network, sc *spikernn.ScalingSearch) *lifsim.SearchResult {
	r := &lifsim.SearchResult{Task: net.Config.Task, Factors: sc.ScalingFactors, Perfs: sc.AllPerfs,
		Best: sc.OptScalingFactor, BestIndex: -1, BestPerf: math.NaN(), Trials: sc.Trials, Seed: sc.Seed,
		Skipped: true, Done: len(sc.ScalingFactors)}
	for k, f := range sc.ScalingFactors {
		if f == sc.OptScalingFactor {
			r.BestIndex = k
			if k < len(sc.AllPerfs) {
				r.BestPerf = sc.AllPerfs[k]
			}
			break
		}
	}
	return r
}
