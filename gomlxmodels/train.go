package gomlxmodels

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gomlx/compute"
	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

// Reference training defaults (spec 1.3-1.4).
const (
	DefaultLearningRate = 0.01
	DefaultEvalEvery    = 100
	DefaultEvalTrials   = 100
)

// ErrDiverged is matched (errors.Is) by the error Train returns when the
// loss or a gradient becomes NaN or infinite.
var ErrDiverged = errors.New("gomlxmodels: training diverged")

// TrainOptions controls Train. Only Trials is required.
type TrainOptions struct {
	// Trials is the reference's n_trials: the number of optimiser steps
	// (trials at Batch 1), at most; training stops earlier when the task's
	// stopping rule is met.
	Trials int
	// Seed draws every trial, initial state and noise of the run: the same
	// seed on the same machine, build (GOEXPERIMENT=simd or not) and backend
	// gives the same trained weights.
	Seed uint64
	// Batch is the number of trials per optimiser step (default 1, the
	// reference). With Batch > 1 the loss is the batch's mean loss and each
	// of the Trials steps draws Batch fresh trials.
	Batch int
	// LearningRate of Adam (default 0.01).
	LearningRate float64
	// EvalEvery: evaluate after trial tr when (tr - 1) % EvalEvery == 0,
	// i.e. at tr = 1, 101, 201, ... (default 100).
	EvalEvery int
	// EvalTrials is the number of fresh trials of an evaluation, run as one
	// batched forward pass (default 100).
	EvalTrials int
	// Progress, if set, receives a report after every trial, on the
	// calling goroutine: Stage "training", Done = trials done (the
	// reference's tr + 1), Total = Trials, the trial's Loss and the latest
	// evaluation (EvalLoss, EvalPerf; Evaluated after the trials that ran
	// one). The reports come in trial order, but those of the trials
	// trained while an evaluation ran (see Train) arrive together once it
	// is known (their Elapsed: when the trial ended).
	Progress spikernn.Reporter
	// Backend is the GoMLX backend configuration ("go", "go:ops_sequential",
	// "xla:cpu", "xla:cuda", "onnx", ...); empty: $GOMLX_BACKEND, else
	// DefaultBackend.
	Backend string
	// Criterion replaces the task's stopping rule when set.
	Criterion *spikernn.Criterion
	// Autodiff computes the gradients with GoMLX's reverse-mode automatic
	// differentiation of the unrolled graph instead of the written-out
	// backpropagation through time: same gradients, several times slower.
	Autodiff bool
	// WeightsAfterLastUpdate returns (and so saves) the trained variables
	// after the last trial's Adam update, the ones the last evaluation
	// scored. By default Train returns them as the reference's main.py
	// saves them: as they were during the last trial's forward pass, before
	// its update (see Train).
	WeightsAfterLastUpdate bool

	// sequential (tests) runs every evaluation before the next step instead
	// of overlapping it with the following steps (see loopOverlapped).
	sequential bool
	// evalBackend (benchmarks), if set, replaces the evaluation backend's
	// configuration.
	evalBackend string
	// hooks (tests), if set, observe or alter a run.
	hooks *trainHooks
}

// trainHooks are test hooks of a run (a pointer in TrainOptions keeps that
// struct comparable).
type trainHooks struct {
	// eval sees every evaluation's result where it ran (on the
	// evaluation's goroutine when overlapped) and may replace it or its
	// error.
	eval func(tr int, ev *evalResult, err error) (*evalResult, error)
	// step, if it returns an error, makes the step of trial tr fail with
	// it (the state unchanged, as a diverged step leaves it).
	step func(tr int) error
	// state sees every trainer state that a pending evaluation holds.
	state func(s trainState)
	// resolved: a pending evaluation held n states, the run went on from
	// the kept-th (0: the evaluated trial's).
	resolved func(n, kept int)
}

// History summarises a training run.
type History struct {
	Losses     []float64       // training loss of every trial done
	EvalTrials []int           // trial index of every evaluation
	EvalLosses []float64       // mean loss of every evaluation
	EvalPerfs  []float64       // fraction correct of every evaluation
	TrialsDone int             // number of trials (optimiser steps) done
	Success    bool            // the stopping rule was met
	Status     spikernn.Status // spikernn.StatusTrained, StatusFailed or StatusUnfinished
	Wall       time.Duration   // wall time of the whole call
	Backend    string          // the backend configuration used
}

func (o TrainOptions) withDefaults() (TrainOptions, error) {
	if o.Trials <= 0 {
		return o, fmt.Errorf("gomlxmodels: TrainOptions.Trials = %d: give the number of trials (n_trials), at least 1", o.Trials)
	}
	if o.Batch == 0 {
		o.Batch = 1
	}
	if o.Batch < 0 {
		return o, fmt.Errorf("gomlxmodels: TrainOptions.Batch = %d: must be at least 1", o.Batch)
	}
	if o.LearningRate == 0 {
		o.LearningRate = DefaultLearningRate
	}
	if !(o.LearningRate > 0) || math.IsInf(o.LearningRate, 0) {
		return o, fmt.Errorf("gomlxmodels: TrainOptions.LearningRate = %v: must be a positive number", o.LearningRate)
	}
	if o.EvalEvery == 0 {
		o.EvalEvery = DefaultEvalEvery
	}
	if o.EvalTrials == 0 {
		o.EvalTrials = DefaultEvalTrials
	}
	if o.EvalEvery < 0 || o.EvalTrials < 0 {
		return o, fmt.Errorf("gomlxmodels: EvalEvery = %d and EvalTrials = %d must be positive", o.EvalEvery, o.EvalTrials)
	}
	return o, nil
}

// checkNetwork validates a network before it is turned into a graph.
func checkNetwork(net *spikernn.Network) (spikernn.Task, error) {
	if net == nil {
		return nil, errors.New("gomlxmodels: nil network")
	}
	if err := net.Config.Validate(); err != nil {
		return nil, fmt.Errorf("gomlxmodels: %w", err)
	}
	task, err := spikernn.LookupTask(net.Config.Task)
	if err != nil {
		return nil, fmt.Errorf("gomlxmodels: %w", err)
	}
	N := net.N()
	if N != net.Config.N {
		return nil, fmt.Errorf("gomlxmodels: the network has %d units, its configuration says N = %d", N, net.Config.N)
	}
	if task.NumInputs() != net.NIn {
		return nil, fmt.Errorf("gomlxmodels: task %s has %d inputs, the network %d", task.Name(), task.NumInputs(), net.NIn)
	}
	for name, m := range map[string]*mat.Dense{"w": net.W, "m": net.M, "som_m": net.SomM} {
		if m == nil {
			return nil, fmt.Errorf("gomlxmodels: the network has no %s", name)
		}
		if r, c := m.Dims(); r != N || c != N {
			return nil, fmt.Errorf("gomlxmodels: %s is %d x %d, expected %d x %d", name, r, c, N, N)
		}
	}
	if net.WIn == nil {
		return nil, errors.New("gomlxmodels: the network has no w_in")
	}
	if r, c := net.WIn.Dims(); r != N || c != net.NIn {
		return nil, fmt.Errorf("gomlxmodels: w_in is %d x %d, expected %d x %d", r, c, N, net.NIn)
	}
	if len(net.WOut) != N || len(net.TausGaus) != N || len(net.Inh) != N {
		return nil, fmt.Errorf("gomlxmodels: w_out, taus_gaus and inh need %d entries (have %d, %d, %d)", N, len(net.WOut), len(net.TausGaus), len(net.Inh))
	}
	return task, nil
}

// prepared is a training batch drawn and uploaded ahead of its step, with
// the evaluation batch that follows the step, if any.
type prepared struct {
	tr   int
	bt   *batch
	bufs []compute.Buffer
	eval *batch
	err  error
}

// Train trains a copy of net's rate network (as the reference's rate/model.py) with
// GoMLX: backpropagation through time over the unrolled trial, Adam
// (TensorFlow 1's, learning rate 0.01, betas 0.9/0.999, epsilon 1e-8), one
// fresh noisy trial per step, an evaluation on EvalTrials fresh trials after
// trials 1, 101, 201, ... and the task's stopping rule.
//
// It returns the trained copy, with its Training record filled as the
// reference's model file needs it (net itself is not modified), and a
// History. A run that ends without meeting the stopping rule returns
// Status spikernn.StatusFailed and a nil error. A cancelled ctx returns the
// state reached so far, Status spikernn.StatusUnfinished and an error
// wrapping ctx.Err(). A non-finite loss or gradient stops the run with an
// error matching ErrDiverged; the network returned is the last finite state.
//
// Each evaluation runs concurrently with the trials that follow it (when
// it has a backend instance of its own, as with the default backend),
// which go on speculatively; if the evaluation ends the run (stopping
// rule, error) or ctx is cancelled from a progress report, they are
// dropped. The result is the same, bit for bit, as evaluating before the
// next trial.
//
// Which weights come back: the reference's main.py fetches w (after the
// Dale relu), w_out, b_out and taus_gaus in the same session run as the
// training op and saves those values, i.e. the weights of the last trial's
// forward pass, one Adam update behind the weights its last evaluation (the
// one that met the stopping rule, eval_perf_mean, eval_os) scored. Train
// does the same by default, for all four variables together: the returned
// W, WOut, BOut and TausGaus are the ones the recorded last trial (u, o, x,
// r of the Training record) ran with, so o = w_out . r + b_out holds for
// the record. TrainOptions.WeightsAfterLastUpdate returns the variables
// after that last update instead.
func Train(ctx context.Context, net *spikernn.Network, opt TrainOptions) (*spikernn.Network, *History, error) {
	start := time.Now()
	if ctx == nil {
		ctx = context.Background()
	}
	task, err := checkNetwork(net)
	if err != nil {
		return nil, nil, err
	}
	if opt, err = opt.withDefaults(); err != nil {
		return nil, nil, err
	}
	crit := task.Criterion()
	if opt.Criterion != nil {
		crit = *opt.Criterion
	}
	backendCfg := ResolveBackend(opt.Backend)
	be, err := Backend(backendCfg)
	if err != nil {
		return nil, nil, err
	}
	evalCfg := evalBackendFor(backendCfg)
	if opt.evalBackend != "" {
		evalCfg = opt.evalBackend
	}
	evalBe, err := Backend(evalCfg)
	if err != nil {
		return nil, nil, err
	}
	// States of one trial before training (the reference's x0, r0).
	rng := spikernn.SubRand(mixSeed(opt.Seed, tagBaseline, 0), 0)
	baseTrial := task.NewTrial(rng)
	baseRun, err := net.Run(baseTrial.U, spikernn.RunOptions{Rng: rng, Record: true})
	if err != nil {
		return nil, nil, fmt.Errorf("gomlxmodels: running the network before training: %w", err)
	}
	t, err := newTrainer(be, net, task, trainerOptions{Batch: opt.Batch, EvalTrials: opt.EvalTrials, LR: opt.LearningRate, Autodiff: opt.Autodiff, EvalBe: evalBe})
	if err != nil {
		return nil, nil, err
	}
	defer t.close()

	r := &trainRun{t: t, opt: opt, task: task, crit: crit, start: start, evalLog: newEvalLog(backendCfg),
		losses: make([]float64, opt.Trials), status: spikernn.StatusFailed, lastTr: -1}
	ready, stop := prefetch(be, t, task, opt)
	var runErr error
	if opt.sequential || t.evalSt == nil {
		runErr = r.loop(ctx, ready)
	} else {
		runErr = r.loopOverlapped(ctx, ready)
	}
	stop()
	out, err := r.result(net, baseTrial, baseRun, runErr)
	if err != nil {
		return nil, nil, err
	}
	return out, r.hist, r.runErr
}

// trainRun is the state of one training run: the step loop updates it,
// result turns it into the returned network and History.
type trainRun struct {
	t     *trainer
	opt   TrainOptions
	task  spikernn.Task
	crit  spikernn.Criterion
	start time.Time

	evalLog
	losses []float64
	status spikernn.Status
	lastTr int // the last trial trained (-1: none)
	runErr error
}

// evalLog is a run's evaluations: the latest one and the curve in the
// History (Train's and TrainMany's).
type evalLog struct {
	hist                       *History
	lastEval                   *evalResult
	lastEvalLoss, lastEvalPerf float64
}

// newEvalLog returns the log of a run on the backend, before any
// evaluation.
func newEvalLog(backend string) evalLog {
	return evalLog{hist: &History{Backend: backend}, lastEvalLoss: math.NaN(), lastEvalPerf: math.NaN()}
}

// add records ev, the evaluation after trial tr.
func (l *evalLog) add(tr int, ev *evalResult) {
	l.lastEval, l.lastEvalLoss, l.lastEvalPerf = ev, ev.loss, ev.perf
	l.hist.EvalTrials = append(l.hist.EvalTrials, tr)
	l.hist.EvalLosses = append(l.hist.EvalLosses, ev.loss)
	l.hist.EvalPerfs = append(l.hist.EvalPerfs, ev.perf)
}

// prefetch draws and uploads the training batches (and the evaluation
// batches that follow their steps) ahead of the steps, on a goroutine of
// its own: at most two batches wait in the channel. stop ends the
// goroutine and frees the buffers of the batches not consumed.
func prefetch(be compute.Backend, t *trainer, task spikernn.Task, opt TrainOptions) (ready <-chan prepared, stop func()) {
	done := make(chan struct{})
	ch := make(chan prepared, 2)
	go func() {
		defer close(ch)
		for tr := range opt.Trials {
			p := prepared{tr: tr, bt: makeBatch(task, t.spec, trainStream(opt.Seed, tr, opt.Batch), true, 1)}
			p.bufs, p.err = p.bt.buffers(be, t.spec)
			if tr >= 1 && (tr-1)%opt.EvalEvery == 0 {
				p.eval = makeBatch(task, t.evalSpec, evalStream(EvalSeed(opt.Seed, tr)), false, 0)
			}
			select {
			case ch <- p:
			case <-done:
				finalizeAll(p.bufs)
				return
			}
		}
	}()
	return ch, func() {
		close(done)
		for p := range ch {
			finalizeAll(p.bufs)
		}
	}
}

// loop runs the training steps (and the evaluations) until the stopping
// rule is met, the trials run out, ctx is cancelled or a step fails.
func (r *trainRun) loop(ctx context.Context, ready <-chan prepared) error {
	for p := range ready {
		if err := ctx.Err(); err != nil {
			finalizeAll(p.bufs)
			r.status = spikernn.StatusUnfinished
			return fmt.Errorf("gomlxmodels: training interrupted after %d trials: %w", r.lastTr+1, err)
		}
		if p.err != nil {
			return r.fail(p.err)
		}
		loss, err := r.trainStep(p)
		finalizeAll(p.bufs)
		if err != nil {
			return r.fail(fmt.Errorf("gomlxmodels: trial %d: %w", p.tr, err))
		}
		r.lastTr, r.losses[p.tr] = p.tr, loss
		if p.eval != nil {
			if err := r.evaluate(p.tr, p.eval); err != nil {
				return r.fail(err)
			}
		}
		spikernn.Report(r.opt.Progress, spikernn.Progress{Stage: "training", Done: p.tr + 1, Total: r.opt.Trials, Loss: loss,
			Evaluated: p.eval != nil, EvalLoss: r.lastEvalLoss, EvalPerf: r.lastEvalPerf, Elapsed: time.Since(r.start)})
		if p.eval != nil && r.crit.Met(p.tr, r.lastEvalLoss, r.lastEvalPerf) {
			r.status = spikernn.StatusTrained
			return nil
		}
	}
	return nil
}

// maxSpeculative bounds the number of steps run ahead of a pending
// evaluation (each holds its state's buffers until the evaluation is known).
const maxSpeculative = 64

// pendingEval is an evaluation running on its own goroutine while the steps
// after it run speculatively.
type pendingEval struct {
	done  chan evalOutcome // receives the evaluation's result, once
	steps []specStep       // steps[0]: the evaluated trial; then the steps run since
}

type evalOutcome struct {
	ev  *evalResult
	err error
}

// specStep is a step whose report waits for a pending evaluation, and the
// trainer's state after it.
type specStep struct {
	tr      int
	loss    float64
	elapsed time.Duration
	st      trainState
}

// loopOverlapped is loop with every evaluation run concurrently with the
// steps that follow it, on the evaluation's backend (t.evalBe, its own
// instance), with the same result as loop, bit for bit: the evaluation
// after trial e reads the variables after step e (kept alive), the steps
// e+1, e+2, ... go on meanwhile, keeping their states (trainState:
// references to GoMLX's immutable output buffers) and deferring their
// progress reports. When the evaluation is known (resolve), the reports go
// out in trial order; if the stopping rule is met, the evaluation failed or
// ctx is cancelled after one of these reports, the trainer returns to the
// state after the last trial loop would have run and the later speculative
// steps are dropped. One evaluation runs at a time: the next one (and the
// end of the run, a failure, a cancellation) waits for it.
func (r *trainRun) loopOverlapped(ctx context.Context, ready <-chan prepared) error {
	var pe *pendingEval
	// wait resolves the pending evaluation, if any, blocking for it.
	wait := func() (bool, error) {
		if pe == nil {
			return false, nil
		}
		o := <-pe.done
		stop, err := r.resolve(ctx, pe, o)
		pe = nil
		return stop, err
	}
	for p := range ready {
		if err := ctx.Err(); err != nil {
			if stop, err := wait(); stop {
				finalizeAll(p.bufs)
				return err
			}
			finalizeAll(p.bufs)
			r.status = spikernn.StatusUnfinished
			return fmt.Errorf("gomlxmodels: training interrupted after %d trials: %w", r.lastTr+1, err)
		}
		if p.err != nil {
			if stop, err := wait(); stop {
				return err
			}
			return r.fail(p.err)
		}
		if pe != nil && (p.eval != nil || len(pe.steps) > maxSpeculative) {
			if stop, err := wait(); stop {
				finalizeAll(p.bufs)
				return err
			}
		}
		loss, err := r.trainStep(p)
		finalizeAll(p.bufs)
		if err != nil {
			if stop, err := wait(); stop {
				return err
			}
			return r.fail(fmt.Errorf("gomlxmodels: trial %d: %w", p.tr, err))
		}
		r.lastTr, r.losses[p.tr] = p.tr, loss
		switch {
		case p.eval != nil:
			pe = r.startEval(p.tr, loss, p.eval)
		case pe != nil:
			pe.steps = append(pe.steps, specStep{tr: p.tr, loss: loss, elapsed: time.Since(r.start), st: r.t.state()})
			if h := r.opt.hooks; h != nil && h.state != nil {
				h.state(r.t.state())
			}
		default:
			spikernn.Report(r.opt.Progress, spikernn.Progress{Stage: "training", Done: p.tr + 1, Total: r.opt.Trials, Loss: loss,
				EvalLoss: r.lastEvalLoss, EvalPerf: r.lastEvalPerf, Elapsed: time.Since(r.start)})
		}
		if pe != nil {
			select {
			case o := <-pe.done:
				stop, err := r.resolve(ctx, pe, o)
				pe = nil
				if stop {
					return err
				}
			default:
			}
		}
	}
	_, err := wait()
	return err
}

// startEval starts the evaluation after trial tr (just trained, with loss)
// on its own goroutine and puts the trainer in speculative mode.
func (r *trainRun) startEval(tr int, loss float64, bt *batch) *pendingEval {
	pe := &pendingEval{done: make(chan evalOutcome, 1)}
	st := r.t.state()
	pe.steps = []specStep{{tr: tr, loss: loss, elapsed: time.Since(r.start), st: st}}
	r.t.keep = true
	if h := r.opt.hooks; h != nil && h.state != nil {
		h.state(st)
	}
	go func() {
		ev, err := r.evalVars(tr, st.vars, bt)
		pe.done <- evalOutcome{ev, err}
	}()
	return pe
}

// resolve applies a pending evaluation's outcome o as loop would have after
// its trial: records it, delivers the deferred reports in trial order and
// settles the trainer on the state after the last trial loop would have
// run (freeing the others). stop: the run ends here, with err.
func (r *trainRun) resolve(ctx context.Context, pe *pendingEval, o evalOutcome) (stop bool, err error) {
	e := pe.steps[0]
	settle := func(j int) {
		if h := r.opt.hooks; h != nil && h.resolved != nil {
			h.resolved(len(pe.steps), j)
		}
		r.t.settleStates(stateList(pe.steps), j)
		for k := pe.steps[j].tr + 1; k <= r.lastTr; k++ {
			r.losses[k] = 0
		}
		r.lastTr = pe.steps[j].tr
	}
	if err := r.record(e.tr, o.ev, o.err); err != nil {
		settle(0)
		return true, r.fail(err)
	}
	for j, s := range pe.steps {
		spikernn.Report(r.opt.Progress, spikernn.Progress{Stage: "training", Done: s.tr + 1, Total: r.opt.Trials, Loss: s.loss,
			Evaluated: j == 0, EvalLoss: r.lastEvalLoss, EvalPerf: r.lastEvalPerf, Elapsed: s.elapsed})
		if j == 0 && r.crit.Met(e.tr, r.lastEvalLoss, r.lastEvalPerf) {
			settle(0)
			r.status = spikernn.StatusTrained
			return true, nil
		}
		if err := ctx.Err(); err != nil && s.tr+1 < r.opt.Trials {
			settle(j)
			r.status = spikernn.StatusUnfinished
			return true, fmt.Errorf("gomlxmodels: training interrupted after %d trials: %w", r.lastTr+1, err)
		}
	}
	settle(len(pe.steps) - 1)
	return false, nil
}

func stateList(steps []specStep) []trainState {
	out := make([]trainState, len(steps))
	for i, s := range steps {
		out[i] = s.st
	}
	return out
}

// trainStep runs the step of p (its buffers stay the caller's).
func (r *trainRun) trainStep(p prepared) (float64, error) {
	if h := r.opt.hooks; h != nil && h.step != nil {
		if err := h.step(p.tr); err != nil {
			return 0, err
		}
	}
	return r.t.trainStep(p.bt, p.bufs)
}

// fail marks the run failed and returns err.
func (r *trainRun) fail(err error) error {
	r.status = spikernn.StatusFailed
	return err
}

// evaluate runs the evaluation after trial tr and records it.
func (r *trainRun) evaluate(tr int, bt *batch) error {
	ev, err := r.evalVars(tr, r.t.st.vars, bt)
	return r.record(tr, ev, err)
}

// evalVars runs the evaluation after trial tr with the variables vars.
func (r *trainRun) evalVars(tr int, vars []compute.Buffer, bt *batch) (*evalResult, error) {
	ev, err := r.t.evaluateVars(vars, bt)
	if h := r.opt.hooks; h != nil && h.eval != nil {
		ev, err = h.eval(tr, ev, err)
	}
	return ev, err
}

// record records the evaluation after trial tr (its result ev, or its
// error err).
func (r *trainRun) record(tr int, ev *evalResult, err error) error {
	if err != nil {
		return fmt.Errorf("gomlxmodels: evaluation after trial %d: %w", tr, err)
	}
	r.add(tr, ev)
	return nil
}

// result returns the trained copy of net with its Training record, and
// fills the History; runErr is the loop's error (kept in r.runErr, joined
// by a failure of the final evaluation).
func (r *trainRun) result(net *spikernn.Network, baseTrial spikernn.Trial, baseRun *spikernn.RateResult, runErr error) (*spikernn.Network, error) {
	r.runErr = runErr
	// The record needs an evaluation: run one if none did (an early stop).
	if r.lastEval == nil {
		seed := EvalSeed(r.opt.Seed, max(r.lastTr, 0))
		ev, err := r.t.evaluate(makeBatch(r.task, r.t.evalSpec, evalStream(seed), false, 0))
		if err != nil && r.runErr == nil {
			r.runErr = fmt.Errorf("gomlxmodels: final evaluation: %w", err)
		}
		if err == nil {
			r.lastEval = ev
		}
	}
	out := net.Clone()
	if err := r.t.writeWeights(out, r.opt.WeightsAfterLastUpdate); err != nil {
		return nil, err
	}
	rec, err := runOutcome{status: r.status, losses: r.losses, lastTr: r.lastTr, lastEval: r.lastEval, hist: r.hist,
		start: r.start, baseTrial: baseTrial, baseRun: baseRun, lastTrial: r.t.lastTrial}.record()
	if err != nil {
		return nil, err
	}
	out.Training = rec
	return out, nil
}

// runOutcome is how a training run ended, for its Training record: what
// Train and TrainMany share.
type runOutcome struct {
	status    spikernn.Status
	losses    []float64 // per trial, as many as the run allowed
	lastTr    int       // the last trial trained (-1: none)
	lastEval  *evalResult
	hist      *History
	start     time.Time
	baseTrial spikernn.Trial       // the trial run before training
	baseRun   *spikernn.RateResult // its states (the reference's x0, r0)
	lastTrial func() (spikernn.Trial, *mat.Dense, *mat.Dense, []float64, error)
}

// record returns the run's Training record (the last evaluation, the
// evaluation curve, the last trial trained or, if none, the one before
// training) and completes its History.
func (o runOutcome) record() (*spikernn.TrainingRecord, error) {
	rec := &spikernn.TrainingRecord{Status: o.status, Losses: o.losses, Tr: max(o.lastTr, 0), X0: o.baseRun.X, R0: o.baseRun.R}
	if ev := o.lastEval; ev != nil {
		rec.EvalPerfMean, rec.EvalLossMean = ev.perf, ev.loss
		rec.EvalOs = mat.NewDense(len(ev.outputs), len(ev.outputs[0]), nil)
		for i, out := range ev.outputs {
			rec.EvalOs.SetRow(i, out)
		}
		rec.EvalLabels = make([]float64, len(ev.trials))
		for i, tr := range ev.trials {
			rec.EvalLabels[i] = tr.Label
		}
	}
	for _, tr := range o.hist.EvalTrials {
		rec.EvalTrials = append(rec.EvalTrials, float64(tr))
	}
	rec.EvalLosses = append([]float64(nil), o.hist.EvalLosses...)
	rec.EvalPerfs = append([]float64(nil), o.hist.EvalPerfs...)
	rec.U, rec.Target, rec.X, rec.R, rec.O = o.baseTrial.U, o.baseTrial.Target, o.baseRun.X, o.baseRun.R, o.baseRun.O
	if o.lastTr >= 0 {
		tr, X, R, O, err := o.lastTrial()
		if err != nil {
			return nil, err
		}
		rec.U, rec.Target, rec.X, rec.R, rec.O = tr.U, tr.Target, X, R, O
	}
	h := o.hist
	h.Losses = append([]float64(nil), o.losses[:o.lastTr+1]...)
	h.TrialsDone, h.Success, h.Status, h.Wall = o.lastTr+1, o.status == spikernn.StatusTrained, o.status, time.Since(o.start)
	return rec, nil
}
