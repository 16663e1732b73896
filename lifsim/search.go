package lifsim

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spikernn/spikernn/spikernn"
)

// PaperFactors returns the paper's grid of scaling factors s = 20:5:75
// (lambda = 1/s), as the reference's lambda_grid_search.m.
func PaperFactors() []float64 { return Range(20, 5, 75) }

// Range returns start:step:stop as MATLAB's colon operator does: start,
// start+step, ... up to stop (within rounding); empty for step = 0, a step
// of the wrong sign, or a non-finite argument.
func Range(start, step, stop float64) []float64 {
	for _, x := range []float64{start, step, stop} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	}
	if step == 0 || (stop-start)*step < 0 {
		return nil
	}
	n := int(math.Floor((stop-start)/step+1e-10)) + 1
	out := make([]float64, n)
	for k := range out {
		out[k] = start + float64(k)*step
	}
	return out
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
			out = Range(nums[0], 1, nums[1])
		} else {
			out = Range(nums[0], nums[1], nums[2])
		}
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
	for _, x := range f {
		if math.IsNaN(x) || math.IsInf(x, 0) || x <= 0 {
			return fmt.Errorf("lifsim: invalid scaling factor %v: must be a finite number > 0", x)
		}
	}
	return nil
}

// EvalOptions controls an evaluation of a spiking network on a task.
type EvalOptions struct {
	// Task is the task to score; nil: the rate network's task (Evaluate
	// needs it set, GridSearch and SearchFile fill it in).
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
	// Progress, when set, is called after each trial with the number of
	// trials done and the total, from one goroutine at a time, in order.
	Progress func(done, total int)
	// Keep keeps every trial's input and Result (spikes, rates, output) in
	// the Evaluation, e.g. for figures. It costs Nt floats per trial.
	Keep bool
	// Perturb is applied to every trial (nil: none).
	Perturb *Perturbation
}

// Evaluation is the outcome of Network.Evaluate.
type Evaluation struct {
	Perf    float64   // fraction of correct trials
	Correct []bool    // per trial
	Labels  []float64 // per trial (go-nogo: 1 Go, 0 NoGo; mante and xor: +1 or -1)
	Conds   []string  // per trial condition ("Go", "NoGo", "same", ...)
	// ExcRate, InhRate and MeanRate are the firing rates (Hz) of the
	// excitatory, inhibitory and all units, averaged over trials.
	ExcRate, InhRate, MeanRate float64
	Trials                     []spikernn.Trial // with Keep
	Results                    []*Result        // with Keep
}

// Evaluate simulates opt.Trials random trials of a task (spec 5) and
// scores them, spreading trials over opt.Workers goroutines.
func (n *Network) Evaluate(ctx context.Context, opt EvalOptions) (*Evaluation, error) {
	if opt.Task == nil {
		return nil, errors.New("lifsim: Evaluate: no task given")
	}
	if opt.Trials == 0 {
		opt.Trials = 100
	}
	if opt.Trials < 0 {
		return nil, fmt.Errorf("lifsim: invalid number of trials %d", opt.Trials)
	}
	if opt.Task.NumInputs() != n.NIn {
		return nil, fmt.Errorf("lifsim: task %s has %d inputs, the network %d", opt.Task.Name(), opt.Task.NumInputs(), n.NIn)
	}
	ev := &Evaluation{Correct: make([]bool, opt.Trials), Labels: make([]float64, opt.Trials), Conds: make([]string, opt.Trials)}
	if opt.Keep {
		ev.Trials = make([]spikernn.Trial, opt.Trials)
		ev.Results = make([]*Result, opt.Trials)
	}
	exc := make([]float64, opt.Trials)
	inh := make([]float64, opt.Trials)
	all := make([]float64, opt.Trials)
	var prog progress
	prog.fn, prog.total = opt.Progress, opt.Trials
	err := parallel(ctx, opt.Trials, opt.Workers, func() any { return n.newWorker() }, func(wk any, i int) error {
		w := wk.(*worker)
		stream := opt.StreamOffset + uint64(i)
		tr := opt.Task.SpikingTrial(spikernn.SubRand(opt.Seed, stream))
		w.noise.Reset(opt.Seed, stream)
		res, err := n.runWith(w.st, &w.in, tr.U, RunOptions{Noise: &w.noise, Perturb: opt.Perturb})
		if err != nil {
			return fmt.Errorf("trial %d: %w", i, err)
		}
		ev.Correct[i] = opt.Task.SpikingCorrect(res.Out, res.Dt, tr)
		ev.Labels[i], ev.Conds[i] = tr.Label, tr.Cond
		exc[i], inh[i], all[i] = res.ExcRate, res.InhRate, res.MeanRate
		if opt.Keep {
			ev.Trials[i], ev.Results[i] = tr, res
		}
		prog.step()
		return nil
	})
	if err != nil {
		return nil, err
	}
	ev.Perf = meanBool(ev.Correct)
	ev.ExcRate, ev.InhRate, ev.MeanRate = mean(exc), mean(inh), mean(all)
	return ev, nil
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
	// Progress, when set, is called after each trial with the number of
	// trials done over all factors and the total.
	Progress func(done, total int)
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
	if trials < 0 {
		return nil, fmt.Errorf("lifsim: invalid number of trials %d", trials)
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
	var prog progress
	prog.fn, prog.total = opt.Progress, total
	var runErr error
	for k, s := range factors {
		net, err := FromRate(rate, s, p)
		if err != nil {
			return nil, fmt.Errorf("lifsim: grid search at s = %v: %w", s, err)
		}
		correct := make([]bool, trials)
		labels := make([]float64, trials)
		err = parallel(ctx, trials, opt.Workers, func() any { return net.newWorker() }, func(wk any, i int) error {
			w := wk.(*worker)
			stream := uint64(k)*uint64(trials) + uint64(i)
			tr := task.SpikingTrial(spikernn.SubRand(opt.Seed, stream))
			w.noise.Reset(opt.Seed, stream)
			out, dt, err := w.score(tr)
			if err != nil {
				return fmt.Errorf("s = %v, trial %d: %w", s, i, err)
			}
			correct[i] = task.SpikingCorrect(out, dt, tr)
			labels[i] = tr.Label
			prog.step()
			return nil
		})
		if err != nil {
			if ctx.Err() == nil {
				return nil, err
			}
			runErr = fmt.Errorf("%w after %d of %d scaling factors", err, k, len(factors))
			break
		}
		res.Correct[k], res.Labels[k] = correct, labels
		res.Perfs[k] = meanBool(correct)
		res.Done = k + 1
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

// progress serialises progress reports.
type progress struct {
	mu    sync.Mutex
	done  int
	total int
	fn    func(done, total int)
}

func (p *progress) step() {
	if p.fn == nil {
		return
	}
	p.mu.Lock()
	p.done++
	p.fn(p.done, p.total)
	p.mu.Unlock()
}

// parallel runs job(w, i) for i in [0, n) on up to workers goroutines, each
// with its own scratch from newScratch. It stops at the first error or when
// ctx is done.
func parallel(ctx context.Context, n, workers int, newScratch func() any, job func(w any, i int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(min(workers, n), 1)
	var next atomic.Int64
	var failed atomic.Bool
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scratch := newScratch()
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[w] = err
					failed.Store(true)
					return
				}
				if err := job(scratch, i); err != nil {
					errs[w] = err
					failed.Store(true)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("lifsim: interrupted: %w", err)
			}
			return fmt.Errorf("lifsim: %w", err)
		}
	}
	return nil
}

func meanBool(b []bool) float64 {
	if len(b) == 0 {
		return math.NaN()
	}
	k := 0
	for _, x := range b {
		if x {
			k++
		}
	}
	return float64(k) / float64(len(b))
}

func mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}
