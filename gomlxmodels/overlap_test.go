package gomlxmodels

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gomlx/compute"
	"github.com/spikernn/spikernn/spikernn"
)

// overlapRun is what a Train call returned, with its progress reports
// (Elapsed cleared) and what its hooks saw.
type overlapRun struct {
	net     *spikernn.Network
	hist    *History
	err     error
	reports []string
	held    []compute.Buffer // buffers of the states pending evaluations held
	spec    int              // most states a pending evaluation held
	rolled  int              // resolutions that went back to an earlier state
}

// trainOverlap runs Train on net with opt, sequentially or with overlapped
// evaluations; cancelAt > 0 cancels the context from the progress report of
// trial Done == cancelAt. An overlapped evaluation waits (up to evalDelay)
// for a dozen steps to run speculatively;
// nanAt >= 0 turns the evaluation after that trial into a non-finite one.
func trainOverlap(t *testing.T, net *spikernn.Network, opt TrainOptions, sequential bool, cancelAt, nanAt int, evalDelay time.Duration) overlapRun {
	return trainOverlapFail(t, net, opt, sequential, cancelAt, nanAt, -1, evalDelay)
}

// trainOverlapFail is trainOverlap with the step of trial failAt failing
// (failAt >= 0) as a diverged step does.
func trainOverlapFail(t *testing.T, net *spikernn.Network, opt TrainOptions, sequential bool, cancelAt, nanAt, failAt int, evalDelay time.Duration) overlapRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var r overlapRun
	var mu sync.Mutex
	nv := 3 // trained variables: w, w_out, b_out[, taus_gaus]
	if net.Config.TauTrainable() {
		nv = 4
	}
	perState := 4*nv + 3 // buffers of a held state: vars, m, v, prev, last
	opt.sequential = sequential
	opt.Progress = spikernn.ReporterFunc(func(p spikernn.Progress) {
		if p.Done == cancelAt {
			cancel()
		}
		p.Elapsed = 0
		r.reports = append(r.reports, fmt.Sprintf("%+v", p))
	})
	opt.hooks = &trainHooks{
		eval: func(tr int, ev *evalResult, err error) (*evalResult, error) {
			if !sequential {
				// Let a dozen steps run speculatively, however slow they are
				// (the race detector), unless the loop waits for this result.
				mu.Lock()
				start := len(r.held)
				mu.Unlock()
				for deadline := time.Now().Add(evalDelay); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
					mu.Lock()
					n := len(r.held) - start
					mu.Unlock()
					if n >= 12*perState {
						break
					}
				}
			}
			if tr == nanAt {
				return ev, &divergedError{"the evaluation loss", math.NaN()}
			}
			return ev, err
		},
		step: func(tr int) error {
			if tr == failAt {
				return &divergedError{"the loss", math.Inf(1)}
			}
			return nil
		},
		state: func(s trainState) {
			mu.Lock()
			defer mu.Unlock()
			for _, l := range [][]compute.Buffer{s.vars, s.m, s.v, s.prev, s.last} {
				r.held = append(r.held, l...)
			}
		},
		resolved: func(n, kept int) {
			r.spec = max(r.spec, n)
			if kept < n-1 {
				r.rolled++
			}
		},
	}
	r.net, r.hist, r.err = Train(ctx, net, opt)
	return r
}

// sameRun reports how two runs differ (nil: bit-identical): weights,
// Training record, History (but its wall time), error text and the
// progress reports.
func sameRun(a, b overlapRun) error {
	if (a.err == nil) != (b.err == nil) || (a.err != nil && a.err.Error() != b.err.Error()) {
		return fmt.Errorf("errors differ: %v / %v", a.err, b.err)
	}
	if a.net == nil || b.net == nil {
		return fmt.Errorf("no network returned (%v, %v)", a.net != nil, b.net != nil)
	}
	if w, wo, bo, tg := sameVars(a.net, b.net); !(w && wo && bo && tg) {
		return fmt.Errorf("weights differ: w %v, w_out %v, b_out %v, taus_gaus %v (true: same)", w, wo, bo, tg)
	}
	if !reflect.DeepEqual(a.net.Training, b.net.Training) {
		return fmt.Errorf("training records differ: status %s/%s, tr %d/%d, eval %v/%v",
			a.net.Training.Status, b.net.Training.Status, a.net.Training.Tr, b.net.Training.Tr, a.net.Training.EvalLosses, b.net.Training.EvalLosses)
	}
	ha, hb := *a.hist, *b.hist
	ha.Wall, hb.Wall = 0, 0
	if !reflect.DeepEqual(ha, hb) {
		return fmt.Errorf("histories differ:\n%+v\n%+v", ha, hb)
	}
	if len(a.reports) != len(b.reports) {
		return fmt.Errorf("%d progress reports against %d", len(a.reports), len(b.reports))
	}
	for i := range a.reports {
		if a.reports[i] != b.reports[i] {
			return fmt.Errorf("progress report %d differs:\n%s\n%s", i, a.reports[i], b.reports[i])
		}
	}
	return nil
}

// allFinalized reports how many of bufs are still alive (the Go backend
// invalidates a finalized buffer's shape).
func allFinalized(bufs []compute.Buffer) int {
	alive := 0
	for _, b := range bufs {
		if sh, _ := b.Shape(); sh.Ok() {
			alive++
		}
	}
	return alive
}

// TestOverlappedEvalMatchesSequential (issue 13 item 2): a run whose
// evaluations overlap the following (speculative) steps returns exactly
// what the sequential loop returns (weights, record, History, error,
// progress reports in trial order) when the stopping rule is met during
// speculation, when the trials run out (with the last trial evaluated or
// not), when the context is cancelled from a deferred progress report (the
// evaluated trial's or a later one's), when an evaluation is not finite,
// and when a step fails (a speculative one, kept or dropped). No state a pending evaluation held
// is left alive.
func TestOverlappedEvalMatchesSequential(t *testing.T) {
	met := spikernn.Criterion{MaxLoss: math.Inf(1), MinPerf: -1, MinTrial: 41}
	base := TrainOptions{Seed: 4, EvalEvery: 20, EvalTrials: 16}
	cases := []struct {
		name           string
		opt            func(o *TrainOptions)
		cancelAt, nan  int
		fail           int
		status         spikernn.Status
		done           int
		err            error
		mustRollBack   bool
		mustSpeculate  bool
		delay          time.Duration
		checkReportsTo int
	}{
		{name: "stopping rule", opt: func(o *TrainOptions) { o.Trials, o.Criterion = 300, &met }, nan: -1,
			status: spikernn.StatusTrained, done: 42, mustRollBack: true, mustSpeculate: true},
		{name: "trials run out", opt: func(o *TrainOptions) { o.Trials = 55 }, nan: -1,
			status: spikernn.StatusFailed, done: 55, mustSpeculate: true},
		{name: "last trial evaluated", opt: func(o *TrainOptions) { o.Trials = 42 }, nan: -1,
			status: spikernn.StatusFailed, done: 42, mustSpeculate: true},
		{name: "cancel after a speculative trial", opt: func(o *TrainOptions) { o.Trials = 300 }, cancelAt: 30, nan: -1,
			status: spikernn.StatusUnfinished, done: 30, err: context.Canceled, mustRollBack: true, mustSpeculate: true},
		{name: "cancel at the evaluated trial", opt: func(o *TrainOptions) { o.Trials = 300 }, cancelAt: 22, nan: -1,
			status: spikernn.StatusUnfinished, done: 22, err: context.Canceled, mustRollBack: true, mustSpeculate: true},
		{name: "evaluation not finite", opt: func(o *TrainOptions) { o.Trials = 300 }, nan: 21,
			status: spikernn.StatusFailed, done: 22, err: ErrDiverged, mustRollBack: true, mustSpeculate: true},
		{name: "speculative step fails", opt: func(o *TrainOptions) { o.Trials = 300 }, nan: -1, fail: 30,
			status: spikernn.StatusFailed, err: ErrDiverged, done: 30, mustSpeculate: true},
		{name: "speculative step fails, stopping rule met", opt: func(o *TrainOptions) { o.Trials, o.Criterion = 300, &met }, nan: -1, fail: 45,
			status: spikernn.StatusTrained, done: 42, mustRollBack: true, mustSpeculate: true},
		{name: "step diverges", opt: func(o *TrainOptions) { o.Trials, o.EvalEvery, o.LearningRate = 50, 2, 1e37 }, nan: -1,
			status: spikernn.StatusFailed, err: ErrDiverged, done: -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			net := newNet(t, "go-nogo", 30, 2, nil)
			opt := base
			c.opt(&opt)
			delay := 500 * time.Millisecond
			if c.fail == 0 {
				c.fail = -1
			}
			seq := trainOverlapFail(t, net, opt, true, c.cancelAt, c.nan, c.fail, delay)
			ovl := trainOverlapFail(t, net, opt, false, c.cancelAt, c.nan, c.fail, delay)
			if err := sameRun(seq, ovl); err != nil {
				t.Fatal(err)
			}
			h := ovl.hist
			if h.Status != c.status || (c.done >= 0 && h.TrialsDone != c.done) {
				t.Errorf("status %s after %d trials, want %s after %d", h.Status, h.TrialsDone, c.status, c.done)
			}
			if (c.err == nil) != (ovl.err == nil) || (c.err != nil && !errors.Is(ovl.err, c.err)) {
				t.Errorf("error %v, want %v", ovl.err, c.err)
			}
			if c.mustSpeculate && ovl.spec < 2 {
				t.Errorf("no step ran while an evaluation was pending (at most %d states held)", ovl.spec)
			}
			if c.mustRollBack && ovl.rolled == 0 {
				t.Error("no speculative step was dropped")
			}
			if seq.spec != 0 || len(seq.held) != 0 {
				t.Error("the sequential loop held states")
			}
			if n := allFinalized(ovl.held); n > 0 {
				t.Errorf("%d of the %d buffers held for pending evaluations are still alive", n, len(ovl.held))
			}
			t.Logf("%v: %d trials, err %v; up to %d states held, %d rolled back", h.Status, h.TrialsDone, ovl.err, ovl.spec, ovl.rolled)
		})
	}
}

// TestOverlappedEvalCancel: a context cancelled from outside while an
// evaluation runs and steps go on speculatively ends the run unfinished,
// with an error wrapping context.Canceled, the trials done in the record,
// no goroutine left behind and every held buffer freed.
func TestOverlappedEvalCancel(t *testing.T) {
	net := newNet(t, "go-nogo", 30, 2, nil)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var held []compute.Buffer
	var mu sync.Mutex
	var reports int
	opt := TrainOptions{Trials: 1000, Seed: 3, EvalEvery: 20, EvalTrials: 16,
		Progress: spikernn.ReporterFunc(func(spikernn.Progress) { reports++ }),
		hooks: &trainHooks{
			eval: func(tr int, ev *evalResult, err error) (*evalResult, error) {
				if tr == 41 {
					time.Sleep(20 * time.Millisecond) // steps 42, 43, ... run meanwhile
					cancel()
				}
				return ev, err
			},
			state: func(s trainState) {
				mu.Lock()
				defer mu.Unlock()
				for _, l := range [][]compute.Buffer{s.vars, s.m, s.v, s.prev, s.last} {
					held = append(held, l...)
				}
			},
		}}
	out, h, err := Train(ctx, net, opt)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if out == nil || h == nil || h.Status != spikernn.StatusUnfinished || out.Training.Status != spikernn.StatusUnfinished {
		t.Fatalf("status %v, want unfinished", h)
	}
	// Cancelled during the evaluation after trial 41: the run ends there,
	// as the sequential loop (which checks the context before each step)
	// would have, or right after a later trial if the evaluation ended first.
	if h.TrialsDone < 42 || h.TrialsDone != reports || out.Training.Tr != h.TrialsDone-1 || len(h.Losses) != h.TrialsDone {
		t.Errorf("trials done %d, reports %d, tr %d, losses %d", h.TrialsDone, reports, out.Training.Tr, len(h.Losses))
	}
	for i, l := range out.Training.Losses {
		if (i < h.TrialsDone) != (l != 0) {
			t.Fatalf("loss %d is %v after %d trials", i, l, h.TrialsDone)
		}
	}
	if n := allFinalized(held); n > 0 {
		t.Errorf("%d of the %d buffers held for pending evaluations are still alive", n, len(held))
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the run, %d before", n, before)
	}
	t.Logf("%v after %d trials (%d buffers held for pending evaluations)", err, h.TrialsDone, len(held))
}

// TestOverlappedEvalDefaultRun: a run with the default options overlaps
// (its evaluations run on their own backend) and matches the sequential
// loop; on a backend shared by training and evaluation it runs
// sequentially.
func TestOverlappedEvalDefaultRun(t *testing.T) {
	net := newNet(t, "go-nogo", 40, 6, nil)
	opt := TrainOptions{Trials: 130, Seed: 8, EvalTrials: 30}
	seq := trainOverlap(t, net, opt, true, 0, -1, 0)
	ovl := trainOverlap(t, net, opt, false, 0, -1, 0)
	if err := sameRun(seq, ovl); err != nil {
		t.Fatal(err)
	}
	if ResolveBackend("") == DefaultBackend && len(ovl.held) == 0 {
		t.Error("the default run did not overlap its evaluations")
	}
	opt.Backend = "go"
	if shared := trainOverlap(t, net, opt, false, 0, -1, 0); len(shared.held) != 0 {
		t.Error("a run whose evaluations share the training backend overlapped them")
	}
}

// benchTrainGoNoGo is BenchmarkTrainGoNoGo with the options edited.
func benchTrainGoNoGo(b *testing.B, edit func(*TrainOptions)) {
	for i := 0; b.Loop(); i++ {
		net, err := spikernn.NewNetwork(spikernn.DefaultConfig("go-nogo"), uint64(i+1))
		if err != nil {
			b.Fatal(err)
		}
		opt := TrainOptions{Trials: 3000, Seed: uint64(i + 1)}
		edit(&opt)
		_, h, err := Train(context.Background(), net, opt)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(h.TrialsDone), "trials")
	}
}

// BenchmarkTrainGoNoGoSequential is BenchmarkTrainGoNoGo with every
// evaluation run before the next step (no overlap).
func BenchmarkTrainGoNoGoSequential(b *testing.B) {
	benchTrainGoNoGo(b, func(o *TrainOptions) { o.sequential = true })
}

// BenchmarkTrainGoNoGoEvalSeqOps is BenchmarkTrainGoNoGo with the
// overlapped evaluations on a Go backend instance of their own that runs
// their operations one after another ("go:ops_sequential").
func BenchmarkTrainGoNoGoEvalSeqOps(b *testing.B) {
	benchTrainGoNoGo(b, func(o *TrainOptions) { o.evalBackend = "go:,ops_sequential" })
}

// benchEval100 is BenchmarkEval100 with the evaluation on the backend
// configuration evalCfg.
func benchEval100(b *testing.B, evalCfg string) {
	net, err := spikernn.NewNetwork(spikernn.DefaultConfig("go-nogo"), 1)
	if err != nil {
		b.Fatal(err)
	}
	task, _ := spikernn.LookupTask("go-nogo")
	be, err := Backend("")
	if err != nil {
		b.Fatal(err)
	}
	evalBe, err := Backend(evalCfg)
	if err != nil {
		b.Fatal(err)
	}
	t, err := newTrainer(be, net, task, trainerOptions{Batch: 1, EvalTrials: 100, LR: DefaultLearningRate, EvalBe: evalBe})
	if err != nil {
		b.Fatal(err)
	}
	defer t.close()
	bt := makeBatch(task, t.evalSpec, evalStream(1), false, 0)
	for b.Loop() {
		if _, err := t.evaluate(bt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEval100SeqOps is BenchmarkEval100 on an evaluation backend
// instance of its own that runs the operations one after another.
func BenchmarkEval100SeqOps(b *testing.B) { benchEval100(b, "go:,ops_sequential") }
