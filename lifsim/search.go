package lifsim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spikernn/spikernn/internal/parallel"
	"github.com/spikernn/spikernn/internal/stats"
	"github.com/spikernn/spikernn/spikernn"
)

// PaperFactors returns the paper's grid of scaling factors s = 20:5:75
// (lambda = 1/s), as the reference's lambda_grid_search.m.
func PaperFactors() []float64 { return Range(20, 5, 75) }

// MaxFactors is the longest grid of scaling factors accepted: the paper's
// grid has 12, and each factor costs a hundred spiking trials.
const MaxFactors = 1000

// Range returns start:step:stop as MATLAB's colon operator does: start,
// start+step, ... up to stop (within rounding); empty for step = 0, a step
// of the wrong sign, a non-finite argument, or more than MaxFactors values.
func Range(start, step, stop float64) []float64 {
	n := rangeLen(start, step, stop)
	if n < 1 || n > MaxFactors {
		return nil
	}
	out := make([]float64, int(n))
	for k := range out {
		out[k] = start + float64(k)*step
	}
	return out
}

// rangeLen is the number of values of start:step:stop, as a float so that
// absurd ranges do not overflow (0 for an empty or invalid range).
func rangeLen(start, step, stop float64) float64 {
	for _, x := range []float64{start, step, stop} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0
		}
	}
	if step == 0 || (stop-start)*step < 0 {
		return 0
	}
	n := math.Floor((stop-start)/step+1e-10) + 1
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return math.Inf(1)
	}
	return n
}

// ParseFactors parses a grid of scaling factors: a MATLAB range
// "start:step:stop" or "start:stop" (step 1), or a list "20,25,40" (commas
// or spaces). Every factor must be a finite number > 0.
func ParseFactors(s string) ([]float64, error) {
	s = strings.TrimSpace(s)
	var out []float64
	if strings.Contains(s, ":") {
		parts := strings.Split(s, ":")
		if len(parts) != 2 && len(parts) != 3 {
			return nil, fmt.Errorf("lifsim: invalid range %q: want start:step:stop or start:stop", s)
		}
		nums := make([]float64, len(parts))
		for k, p := range parts {
			f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return nil, fmt.Errorf("lifsim: invalid range %q: %q is not a number", s, p)
			}
			nums[k] = f
		}
		if len(nums) == 2 {
			nums = []float64{nums[0], 1, nums[1]}
		}
		if n := rangeLen(nums[0], nums[1], nums[2]); n > MaxFactors {
			return nil, fmt.Errorf("lifsim: range %q has %.4g values; a grid may have at most %d", s, n, MaxFactors)
		}
		out = Range(nums[0], nums[1], nums[2])
		if len(out) == 0 {
			return nil, fmt.Errorf("lifsim: range %q is empty", s)
		}
	} else {
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			x, err := strconv.ParseFloat(f, 64)
			if err != nil {
				return nil, fmt.Errorf("lifsim: invalid scaling factor %q in %q", f, s)
			}
			out = append(out, x)
		}
		if len(out) == 0 {
			return nil, fmt.Errorf("lifsim: no scaling factors in %q", s)
		}
	}
	if err := checkFactors(out); err != nil {
		return nil, err
	}
	return out, nil
}

func checkFactors(f []float64) error {
	if len(f) == 0 {
		return errors.New("lifsim: empty grid of scaling factors")
	}
	if len(f) > MaxFactors {
		return fmt.Errorf("lifsim: a grid of %d scaling factors; at most %d", len(f), MaxFactors)
	}
	for _, x := range f {
		if math.IsNaN(x) || math.IsInf(x, 0) || x <= 0 {
			return fmt.Errorf("lifsim: invalid scaling factor %v: must be a finite number > 0", x)
		}
	}
	return nil
}

// EvalOptions controls an evaluation of a spiking network on a task.
type EvalOptions struct {
	// Task is the task to score; nil: the rate network's task.
	Task spikernn.Task
	// Trials is the number of random trials (0: 100).
	Trials int
	// Seed seeds every draw: trial i takes its input from
	// spikernn.SubRand(Seed, StreamOffset+i) and its noise from
	// NewNoise(Seed, StreamOffset+i), so the result does not depend on
	// Workers.
	Seed         uint64
	StreamOffset uint64
	// Workers is the number of goroutines (0: runtime.GOMAXPROCS).
	Workers int
	// Progress, when set, receives a report after each trial, one at a
	// time, in order (Stage "LIF evaluation").
	Progress spikernn.Reporter
	// Keep keeps every trial's Result (spikes, rates, output) in the
	// Evaluation, and its output trace in Outputs, e.g. for figures. It
	// costs Nt floats per trial.
	Keep bool
	// Perturb is applied to every trial (nil: none).
	Perturb *Perturbation
}

// Evaluation is the outcome of Network.Evaluate: the evaluation every
// spikernn network returns (Perf, Correct, Conds, Labels, the firing rates),
// plus, with EvalOptions.Keep, every trial's Result.
type Evaluation struct {
	spikernn.Evaluation
	Results []*Result // with Keep
}

// Evaluate simulates opt.Trials random trials of a task (spec 5) and
// scores them, spreading trials over opt.Workers goroutines.
func (n *Network) Evaluate(ctx context.Context, opt EvalOptions) (*Evaluation, error) {
	task, err := n.task(opt.Task)
	if err != nil {
		return nil, err
	}
	if opt.Trials == 0 {
		opt.Trials = 100
	}
	if err := spikernn.CheckTrials("trials", opt.Trials); err != nil {
		return nil, fmt.Errorf("lifsim: %w", err)
	}
	if task.NumInputs() != n.NIn {
		return nil, fmt.Errorf("lifsim: task %s has %d inputs, the network %d", task.Name(), task.NumInputs(), n.NIn)
	}
	ev := &Evaluation{Evaluation: *spikernn.NewSpikingEvaluation(task.Name(), opt.Trials)}
	ev.Dt = n.Params.Dt()
	if opt.Keep {
		ev.Results = make([]*Result, opt.Trials)
		ev.Outputs = make([][]float64, opt.Trials)
	}
	exc := make([]float64, opt.Trials)
	inh := make([]float64, opt.Trials)
	all := make([]float64, opt.Trials)
	prog := newProgress(opt.Progress, "LIF evaluation", opt.Trials)
	// record scores trial i (either path); finish summarises the run.
	record := func(i int, tr spikernn.Trial, res *Result) {
		ev.SetTrial(i, tr, task.SpikingCorrect(res.Out, res.Dt, tr))
		exc[i], inh[i], all[i] = res.ExcRate, res.InhRate, res.MeanRate
		if opt.Keep {
			ev.Results[i], ev.Outputs[i] = res, res.Out
		}
		prog.Step()
	}
	finish := func(err error) (*Evaluation, error) {
		if err != nil {
			return nil, wrapRun(err)
		}
		ev.Finish()
		ev.ExcRate, ev.InhRate, ev.MeanRate = stats.Mean(exc), stats.Mean(inh), stats.Mean(all)
		return ev, nil
	}
	if useBatch && n.canBatch() && opt.Perturb == nil {
		// Eight trials at a time on the batched kernel (same results).
		nb := (opt.Trials + lanes - 1) / lanes
		err = parallel.For(ctx, nb, opt.Workers, n.newBatch, func(b *batch, bi int) error {
			lo, hi := bi*lanes, min((bi+1)*lanes, opt.Trials)
			var trs [lanes]spikernn.Trial
			var lt [lanes]laneTrial
			var rs [lanes]*Result
			for i := lo; i < hi; i++ {
				stream := opt.StreamOffset + uint64(i)
				trs[i-lo] = task.SpikingTrial(spikernn.SubRand(opt.Seed, stream))
				lt[i-lo] = laneTrial{u: trs[i-lo].U, seed: opt.Seed, stream: stream}
				rs[i-lo] = &Result{Counts: make([]int, n.N), V0: make([]float64, n.N), Stride: 1}
			}
			b.ctx = ctx
			outs, dt, err := b.run(lt[:hi-lo], rs[:hi-lo], opt.Keep)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if le, ok := err.(laneError); ok {
					return fmt.Errorf("lifsim: trial %d: %w", lo+le.lane, le.err)
				}
				return err
			}
			for i := lo; i < hi; i++ {
				q := i - lo
				res, in := rs[q], &b.in[q]
				res.Dt, res.TSec, res.Nt = dt, in.tsec, in.nt
				res.Out = outs[q]
				if opt.Keep {
					res.Out = append([]float64(nil), outs[q]...)
				}
				n.finish(res)
				record(i, trs[q], res)
			}
			return nil
		})
		return finish(err)
	}
	err = parallel.For(ctx, opt.Trials, opt.Workers, n.newWorker, func(w *worker, i int) error {
		stream := opt.StreamOffset + uint64(i)
		tr := task.SpikingTrial(spikernn.SubRand(opt.Seed, stream))
		w.noise.Reset(opt.Seed, stream)
		res, err := n.runWith(w.st, &w.in, tr.U, RunOptions{Noise: &w.noise, Perturb: opt.Perturb})
		if err != nil {
			return fmt.Errorf("lifsim: trial %d: %w", i, err)
		}
		record(i, tr, res)
		return nil
	})
	return finish(err)
}

// useBatch makes Evaluate and GridSearch run eight trials at a time on the
// batched kernel (see batch.go; the results are the same either way). It
// is off: on the machines measured the batched kernel is no faster than
// one trial at a time, because both spend most of their time in the
// scalar normal draws (see the package documentation, Speed; a grid
// search with it on, GOEXPERIMENT=simd on AVX-512, measured interleaved
// with one trial at a time: 13.1 against 12.5 CPU seconds, medians of 3).
var useBatch = false

// task returns t, or the task the network was mapped from.
func (n *Network) task(t spikernn.Task) (spikernn.Task, error) {
	if t != nil {
		return t, nil
	}
	if n.Task == "" {
		return nil, errors.New("lifsim: no task given, and the network does not name one")
	}
	t, err := spikernn.LookupTask(n.Task)
	if err != nil {
		return nil, fmt.Errorf("lifsim: %w", err)
	}
	return t, nil
}

// wrapRun prefixes a worker-pool error, naming an interruption as such.
func wrapRun(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("lifsim: %w", err)
	}
	return err
}

// newProgress returns a counter that reports each finished trial to r.
func newProgress(r spikernn.Reporter, stage string, total int) *parallel.Counter {
	if r == nil {
		return nil
	}
	start := time.Now()
	return parallel.NewCounter(total, func(done, total int) {
		r.Report(spikernn.Progress{Stage: stage, Done: done, Total: total, Final: done == total, Elapsed: time.Since(start)})
	})
}

// SearchOptions controls the scaling-factor grid search (spec 5).
type SearchOptions struct {
	// Factors is the grid of scaling factors s (lambda = 1/s); nil:
	// PaperFactors (20:5:75).
	Factors []float64
	// Trials per factor (0: 100).
	Trials int
	// Seed seeds every draw: trial i of factor k (0-based) uses stream
	// k*Trials+i (see EvalOptions), whatever the number of workers.
	Seed uint64
	// Workers is the number of goroutines (0: runtime.GOMAXPROCS).
	Workers int
	// Params are the neuron and synapse parameters; nil: DefaultParams.
	Params *Params
	// Task is the task to score; nil: the rate network's own task.
	Task spikernn.Task
	// Progress, when set, receives a report after each trial (Stage
	// "lambda search", Done counting trials over all factors, Detail the
	// factor at work).
	Progress spikernn.Reporter
}

// SearchResult is the outcome of a scaling-factor grid search.
type SearchResult struct {
	Task      string
	Factors   []float64 // the grid
	Perfs     []float64 // mean spiking performance per factor (the reference's all_perfs)
	Best      float64   // the factor with the highest performance, the first on ties (opt_scaling_factor)
	BestIndex int
	BestPerf  float64
	Trials    int
	Seed      uint64
	// Correct[k][i] tells whether trial i of factor k was correct; Labels
	// holds the trials' labels (the same trials for every factor only when
	// the task draws no labels, in general they differ).
	Correct [][]bool
	Labels  [][]float64
	Elapsed time.Duration
	// Skipped is set by SearchFile when the model file already held a
	// search and force was not given: Factors, Perfs and Best are then the
	// file's, the rest is empty.
	Skipped bool
	// Done is the number of factors fully scored: len(Factors), or fewer
	// when the search was interrupted (Perfs is then NaN from index Done
	// on, and Best is the best of the factors done; NaN when none was).
	Done int
}

// Complete reports whether every factor of the grid was scored.
func (r *SearchResult) Complete() bool { return r.Done == len(r.Factors) }

// Scaling returns the result in the form the model file stores. For an
// interrupted search opt_scaling_factor is NaN (what the reference writes
// while a search runs) and all_perfs is NaN for the factors not scored.
func (r *SearchResult) Scaling() *spikernn.ScalingSearch {
	best := r.Best
	if !r.Complete() {
		best = math.NaN()
	}
	return &spikernn.ScalingSearch{
		OptScalingFactor: best,
		ScalingFactors:   append([]float64(nil), r.Factors...),
		AllPerfs:         append([]float64(nil), r.Perfs...),
	}
}

// GridSearch maps the rate network onto spiking networks for every factor
// of the grid, scores opt.Trials random trials of the task for each, and
// picks the factor with the highest mean performance (spec 5).
//
// When ctx is cancelled it returns, together with an error wrapping
// ctx.Err(), the result for the factors finished so far (see
// SearchResult.Done), so that an interrupted search loses nothing.
func GridSearch(ctx context.Context, rate *spikernn.Network, opt SearchOptions) (*SearchResult, error) {
	if rate == nil {
		return nil, errors.New("lifsim: GridSearch: nil rate network")
	}
	start := time.Now()
	task := opt.Task
	if task == nil {
		t, err := spikernn.LookupTask(rate.Config.Task)
		if err != nil {
			return nil, fmt.Errorf("lifsim: grid search: %w", err)
		}
		task = t
	}
	factors := opt.Factors
	if factors == nil {
		factors = PaperFactors()
	}
	if err := checkFactors(factors); err != nil {
		return nil, err
	}
	trials := opt.Trials
	if trials == 0 {
		trials = 100
	}
	if err := spikernn.CheckTrials("trials", trials); err != nil {
		return nil, fmt.Errorf("lifsim: %w", err)
	}
	p := DefaultParams()
	if opt.Params != nil {
		p = *opt.Params
	}
	res := &SearchResult{Task: task.Name(), Factors: append([]float64(nil), factors...), Perfs: make([]float64, len(factors)),
		Trials: trials, Seed: opt.Seed, Correct: make([][]bool, len(factors)), Labels: make([][]float64, len(factors))}
	for k := range res.Perfs {
		res.Perfs[k] = math.NaN()
	}
	total := len(factors) * trials
	// The spiking network of each factor, built when its first trial runs
	// and dropped when its last one is done (jobs are handed out in factor
	// order, so only a few exist at a time).
	nets := make([]func() (*Network, error), len(factors))
	for k, s := range factors {
		nets[k] = sync.OnceValues(func() (*Network, error) { return FromRate(rate, s, p) })
		res.Correct[k], res.Labels[k] = make([]bool, trials), make([]float64, trials)
	}
	net0, err := nets[0]()
	if err != nil {
		return nil, fmt.Errorf("lifsim: grid search at s = %v: %w", factors[0], err)
	}
	// One pool over every (factor, batch of trials): jobs are handed out in
	// factor order, so an interrupted search has finished a prefix of the
	// grid. With useBatch, trials run eight at a time on the batched
	// kernel (the results do not depend on it).
	bsz := 1
	if useBatch && net0.canBatch() {
		bsz = lanes
	}
	nb := (trials + bsz - 1) / bsz
	var prog *parallel.Counter
	if opt.Progress != nil {
		prog = parallel.NewCounter(total, func(d, _ int) {
			k := min((d-1)/trials, len(factors)-1)
			opt.Progress.Report(spikernn.Progress{Stage: "lambda search", Done: d, Total: total,
				Detail: "s = " + strconv.FormatFloat(factors[k], 'g', -1, 64),
				Final:  d == total, Elapsed: time.Since(start)})
		})
	}
	finished := make([]int, len(factors))
	var mu sync.Mutex
	err = parallel.For(ctx, len(factors)*nb, opt.Workers, func() *batch { return &batch{} }, func(b *batch, job int) error {
		k, bi := job/nb, job%nb
		s := factors[k]
		net, err := nets[k]()
		if err != nil {
			return fmt.Errorf("lifsim: grid search at s = %v: %w", s, err)
		}
		b.bind(net)
		b.ctx = ctx
		lo, hi := bi*bsz, min((bi+1)*bsz, trials)
		var trs [lanes]spikernn.Trial
		var lt [lanes]laneTrial
		for i := lo; i < hi; i++ {
			stream := uint64(k)*uint64(trials) + uint64(i)
			trs[i-lo] = task.SpikingTrial(spikernn.SubRand(opt.Seed, stream))
			lt[i-lo] = laneTrial{u: trs[i-lo].U, seed: opt.Seed, stream: stream}
		}
		outs, dt, err := b.run(lt[:hi-lo], nil, false)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			i := lo
			if le, ok := err.(laneError); ok {
				i, err = lo+le.lane, le.err
			}
			return fmt.Errorf("lifsim: s = %v, trial %d: %w", s, i, err)
		}
		for i := lo; i < hi; i++ {
			res.Correct[k][i] = task.SpikingCorrect(outs[i-lo], dt, trs[i-lo])
			res.Labels[k][i] = trs[i-lo].Label
			prog.Step()
		}
		mu.Lock()
		finished[k] += hi - lo
		if finished[k] == trials {
			nets[k] = nil
		}
		mu.Unlock()
		return nil
	})
	var runErr error
	for k := range factors {
		if finished[k] < trials {
			break
		}
		res.Perfs[k] = stats.Fraction(res.Correct[k])
		res.Done = k + 1
	}
	for k := res.Done; k < len(factors); k++ {
		res.Correct[k], res.Labels[k] = nil, nil
	}
	if err != nil {
		if ctx.Err() == nil {
			return nil, err
		}
		runErr = fmt.Errorf("lifsim: %w after %d of %d scaling factors", err, res.Done, len(factors))
	}
	res.BestIndex, res.Best, res.BestPerf = -1, math.NaN(), math.NaN()
	for k := range res.Done {
		if res.BestIndex < 0 || res.Perfs[k] > res.Perfs[res.BestIndex] {
			res.BestIndex = k
		}
	}
	if res.BestIndex >= 0 {
		res.Best, res.BestPerf = factors[res.BestIndex], res.Perfs[res.BestIndex]
	}
	res.Elapsed = time.Since(start)
	return res, runErr
}

// SearchFile runs GridSearch on a model file and records
// opt_scaling_factor, all_perfs and scaling_factors in it (atomically,
// keeping every other variable). A file that already holds a search (with a
// finite opt_scaling_factor; the reference writes NaN while it works) is
// left alone unless force is set: the result then has Skipped set and the
// file's values.
//
// An interrupted search (ctx cancelled) that scored at least one factor
// records what it has, with opt_scaling_factor NaN so that the next run
// searches again, unless the file held a finished search, which is kept;
// it returns the partial result with the error.
func SearchFile(ctx context.Context, path string, opt SearchOptions, force bool) (*SearchResult, error) {
	rate, err := spikernn.LoadModel(path)
	if err != nil {
		return nil, fmt.Errorf("lifsim: grid search: %w", err)
	}
	if s := rate.Scaling; s != nil && !force && !math.IsNaN(s.OptScalingFactor) {
		r := &SearchResult{Task: rate.Config.Task, Factors: s.ScalingFactors, Perfs: s.AllPerfs, Best: s.OptScalingFactor, Skipped: true, Done: len(s.ScalingFactors)}
		for k, f := range s.ScalingFactors {
			if f == s.OptScalingFactor {
				r.BestIndex = k
				if k < len(s.AllPerfs) {
					r.BestPerf = s.AllPerfs[k]
				}
				break
			}
		}
		return r, nil
	}
	res, err := GridSearch(ctx, rate, opt)
	if err != nil {
		if res == nil {
			return nil, fmt.Errorf("lifsim: grid search of %s: %w", path, err)
		}
		finished := rate.Scaling != nil && !math.IsNaN(rate.Scaling.OptScalingFactor)
		if res.Done == 0 || finished {
			return res, fmt.Errorf("lifsim: grid search of %s: %w; the file was not changed", path, err)
		}
		if serr := spikernn.SaveScaling(path, res.Scaling()); serr != nil {
			return res, fmt.Errorf("lifsim: grid search of %s: %w; saving the partial result: %w", path, err, serr)
		}
		return res, fmt.Errorf("lifsim: grid search of %s: %w; the %d factors scored were written to the file, opt_scaling_factor NaN (unfinished)", path, err, res.Done)
	}
	if err := spikernn.SaveScaling(path, res.Scaling()); err != nil {
		return nil, fmt.Errorf("lifsim: %w", err)
	}
	return res, nil
}

// worker is one goroutine's reusable simulation scratch.
type worker struct {
	net   *Network
	st    *state
	in    input
	out   []float64
	noise FastNoise
}

func (n *Network) newWorker() *worker { return &worker{net: n, st: n.newState()} }

// score simulates one trial without keeping spikes or recordings and
// returns its output trace (valid until the next call) and step.
func (w *worker) score(tr spikernn.Trial) ([]float64, float64, error) {
	if err := w.net.prepareInput(tr.U, &w.in); err != nil {
		return nil, 0, err
	}
	if cap(w.out) < w.in.nt {
		w.out = make([]float64, w.in.nt)
	}
	out := w.out[:w.in.nt]
	w.net.simulate(w.st, &w.in, &w.noise, nil, nil, out, nil)
	return out, w.in.dt, nil
}
