package spikernn

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/spikernn/spikernn/internal/parallel"
	"github.com/spikernn/spikernn/internal/stats"
	"gonum.org/v1/gonum/mat"
)

// RunOptions controls a rate-network simulation.
type RunOptions struct {
	// Rng draws the initial state x_0 ~ N(0,1)/100 and the per-step noise
	// N(0,1)/10 (spec 1.2). With a nil Rng the run is deterministic: x_0 = 0
	// and no noise.
	Rng *rand.Rand
	// NoNoise keeps the random initial state but drops the per-step noise.
	NoNoise bool
	// Record keeps the states x and rates r (N x T) in the result.
	Record bool
	// Initial runs the network with its pre-training weights and decay
	// constants (W0, TausGaus0).
	Initial bool
}

// RateResult is the outcome of one rate-network trial.
type RateResult struct {
	O    []float64  // T-1 outputs: O[k] = o_{k+1} = w_out . r_{k+1} + b_out
	X, R *mat.Dense // states and rates, N x T (only with RunOptions.Record)
}

// rateSim holds what every trial of a simulation shares.
type rateSim struct {
	n      int
	nIn    int
	weff   []float64 // row-major N x N
	win    []float64 // row-major N x NIn
	wout   []float64
	bout   float64
	alpha  []float64 // DeltaT / tau
	phi    func(float64) float64
	record bool
}

func (n *Network) newRateSim(initial bool) (*rateSim, error) {
	phi, err := ActivationFunc(n.Config.Activation)
	if err != nil {
		return nil, err
	}
	var weff *mat.Dense
	var taus []float64
	if initial {
		weff, taus = n.EffectiveWeights0(), n.TausSteps0()
	} else {
		weff, taus = n.EffectiveWeights(), n.TausSteps()
	}
	N := n.N()
	s := &rateSim{n: N, nIn: n.NIn, weff: denseData(weff), win: denseData(n.WIn),
		wout: n.WOut, bout: n.BOut, alpha: make([]float64, N), phi: phi}
	for i, t := range taus {
		s.alpha[i] = 1 / t
	}
	return s, nil
}

// denseData returns the row-major data of m without copying when possible.
func denseData(m *mat.Dense) []float64 {
	raw := m.RawMatrix()
	if raw.Stride == raw.Cols {
		return raw.Data[:raw.Rows*raw.Cols]
	}
	return mat.DenseCopyOf(m).RawMatrix().Data
}

// Run simulates one trial of the rate network (spec 1.2) on input u
// (NIn x T) and returns its T-1 outputs.
func (n *Network) Run(u *mat.Dense, opt RunOptions) (*RateResult, error) {
	s, err := n.newRateSim(opt.Initial)
	if err != nil {
		return nil, err
	}
	s.record = opt.Record
	return s.run(u, opt.Rng, opt.NoNoise)
}

func (s *rateSim) run(u *mat.Dense, rng *rand.Rand, noNoise bool) (*RateResult, error) {
	rows, T := u.Dims()
	if rows != s.nIn {
		return nil, fmt.Errorf("spikernn: input has %d rows, the network has %d input channels", rows, s.nIn)
	}
	if T < 2 {
		return nil, fmt.Errorf("spikernn: input has %d time steps, need at least 2", T)
	}
	N := s.n
	x := make([]float64, N)
	r := make([]float64, N)
	next := make([]float64, N)
	if rng != nil {
		for i := range x {
			x[i] = rng.NormFloat64() / 100
		}
	}
	for i := range x {
		r[i] = s.phi(x[i])
	}
	res := &RateResult{O: make([]float64, T-1)}
	if s.record {
		res.X = mat.NewDense(N, T, nil)
		res.R = mat.NewDense(N, T, nil)
		res.X.SetCol(0, x)
		res.R.SetCol(0, r)
	}
	ut := make([]float64, s.nIn)
	for t := 1; t < T; t++ {
		for k := range ut {
			ut[k] = u.At(k, t-1)
		}
		for i := range N {
			row := s.weff[i*N : (i+1)*N]
			var acc float64
			for j, w := range row {
				acc += w * r[j]
			}
			inRow := s.win[i*s.nIn : (i+1)*s.nIn]
			for k, w := range inRow {
				acc += w * ut[k]
			}
			a := s.alpha[i]
			v := (1-a)*x[i] + a*acc
			if rng != nil && !noNoise {
				v += rng.NormFloat64() / 10
			}
			next[i] = v
		}
		x, next = next, x
		var o float64
		for i := range N {
			r[i] = s.phi(x[i])
			o += s.wout[i] * r[i]
		}
		res.O[t-1] = o + s.bout
		if s.record {
			res.X.SetCol(t, x)
			res.R.SetCol(t, r)
		}
	}
	for _, v := range res.O {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return res, fmt.Errorf("spikernn: the rate network diverged (output %v)", v)
		}
	}
	return res, nil
}

// Loss is the reference training loss of outputs o (T-1 entries) against a
// target z (T entries, z[k] compared with o[k] = o_{k+1}, spec 1.3):
// LossL2 = sqrt(sum (o-z)^2), LossL1 = sum |o-z|.
func Loss(o, z []float64, lossFn LossFn) float64 {
	var s float64
	k := min(len(o), len(z))
	for i := range k {
		d := o[i] - z[i]
		if lossFn == LossL1 {
			s += math.Abs(d)
		} else {
			s += d * d
		}
	}
	if lossFn == LossL1 {
		return s
	}
	return math.Sqrt(s)
}

// EvalOptions controls Network.Evaluate.
type EvalOptions struct {
	Task    Task   // the task to score; nil: the network's own task
	Trials  int    // number of trials (0: 100, as the reference)
	Seed    uint64 // trial i draws its input and noise from SubRand(Seed, i)
	Workers int    // goroutines (0: GOMAXPROCS); the result does not depend on it
	NoNoise bool   // drop the per-step noise (the reference evaluates with noise)
	Initial bool   // use the pre-training weights and decay constants
	// Progress, if set, receives a report per finished trial (stage
	// "rate evaluation") and a final one.
	Progress Reporter
}

// Evaluate runs fresh trials of a task through the rate network, with noise
// as the reference's evaluation does, and scores them. A cancelled ctx stops
// it with an error wrapping ctx.Err().
func (n *Network) Evaluate(ctx context.Context, opt EvalOptions) (*Evaluation, error) {
	task := opt.Task
	if task == nil {
		t, err := LookupTask(n.Config.Task)
		if err != nil {
			return nil, fmt.Errorf("spikernn: evaluate: %w", err)
		}
		task = t
	}
	if opt.Trials == 0 {
		opt.Trials = 100
	}
	if err := CheckTrials("trials", opt.Trials); err != nil {
		return nil, err
	}
	if task.NumInputs() != n.NIn {
		return nil, fmt.Errorf("spikernn: task %s has %d inputs, the network %d", task.Name(), task.NumInputs(), n.NIn)
	}
	s, err := n.newRateSim(opt.Initial)
	if err != nil {
		return nil, err
	}
	ev := newEvaluation(task.Name(), opt.Trials, false)
	ev.Dt = StepMs / 1000
	ev.Outputs = make([][]float64, opt.Trials)
	ev.Losses = make([]float64, opt.Trials)
	start := time.Now()
	report := func(done int, final bool) {
		Report(opt.Progress, Progress{Stage: "rate evaluation", Done: done, Total: opt.Trials, Final: final, Elapsed: time.Since(start)})
	}
	var count *parallel.Counter
	if opt.Progress != nil {
		count = parallel.NewCounter(opt.Trials, func(done, _ int) { report(done, false) })
	}
	err = parallel.Each(ctx, opt.Trials, opt.Workers, func(i int) error {
		rng := SubRand(opt.Seed, uint64(i))
		tr := task.NewTrial(rng)
		res, err := s.run(tr.U, rng, opt.NoNoise)
		if err != nil {
			return fmt.Errorf("spikernn: evaluate: trial %d: %w", i, err)
		}
		ev.setTrial(i, tr, task.Correct(res.O, tr))
		ev.Outputs[i] = res.O
		ev.Losses[i] = Loss(res.O, tr.Target, n.Config.LossFn)
		count.Step()
		return nil
	})
	if err != nil {
		return nil, err
	}
	report(opt.Trials, true)
	ev.MeanLoss = stats.Mean(ev.Losses)
	ev.finish()
	return ev, nil
}
