package gomlxmodels

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

func newNet(t testing.TB, task string, N int, seed uint64, edit func(*spikernn.Config)) *spikernn.Network {
	t.Helper()
	cfg := spikernn.DefaultConfig(task)
	cfg.N = N
	if edit != nil {
		edit(&cfg)
	}
	net, err := spikernn.NewNetwork(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func testBackend(t testing.TB) compute.Backend {
	t.Helper()
	be, err := Backend("")
	if err != nil {
		t.Fatal(err)
	}
	return be
}

// TestForwardMatchesNetworkRun runs the same trials (same random streams)
// through the GoMLX forward graph and through spikernn's plain-Go
// Network.Run, for every activation and both decay modes.
func TestForwardMatchesNetworkRun(t *testing.T) {
	be := testBackend(t)
	cases := map[string]func(*spikernn.Config){
		"sigmoid":      nil,
		"clipped_relu": func(c *spikernn.Config) { c.Activation = spikernn.ClippedReLU; c.Taus = []float64{4} },
		"softplus":     func(c *spikernn.Config) { c.Activation = spikernn.Softplus; c.ApplyDale = false },
		"mante-som":    func(c *spikernn.Config) { c.Task = "mante"; c.SomN = 3 },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			net := newNet(t, "go-nogo", 40, 5, edit)
			task, _ := spikernn.LookupTask(net.Config.Task)
			const B = 3
			s := specFor(be, net, task, B)
			c, err := compile(be, "fwd", func(g *Graph) ([]*Node, error) { return s.buildForward(g, true) })
			if err != nil {
				t.Fatal(err)
			}
			defer c.close()
			st, err := newNetState(be, s, net)
			if err != nil {
				t.Fatal(err)
			}
			defer st.close()
			stream := trainStream(9, 4, B)
			bt := makeBatch(task, s, stream, false, 2)
			bufs, err := bt.buffers(be, s)
			if err != nil {
				t.Fatal(err)
			}
			defer finalizeAll(bufs)
			outs, err := c.run(append(append(append([]compute.Buffer{}, st.vars...), st.fixed...), bufs...))
			if err != nil {
				t.Fatal(err)
			}
			defer finalizeAll(outs)
			O, _ := readFloats(outs[0])
			X, _ := readFloats(outs[1])
			N, T := s.N, s.T
			for b := range B {
				rng := stream(b)
				tr := task.NewTrial(rng)
				want, err := net.Run(tr.U, spikernn.RunOptions{Rng: rng, Record: true})
				if err != nil {
					t.Fatal(err)
				}
				for k := range T - 1 {
					if d := math.Abs(float64(O[k*B+b]) - want.O[k]); d > 1e-3*(1+math.Abs(want.O[k])) {
						t.Fatalf("trial %d: o[%d] = %v, plain Go %v", b, k, O[k*B+b], want.O[k])
					}
				}
				for _, tt := range []int{0, 1, T / 2, T - 1} {
					for i := range N {
						got, w := float64(X[(tt*B+b)*N+i]), want.X.At(i, tt)
						if math.Abs(got-w) > 1e-3*(1+math.Abs(w)) {
							t.Fatalf("trial %d: x[%d] at step %d = %v, plain Go %v", b, i, tt, got, w)
						}
					}
				}
			}
		})
	}
}

// TestEvaluateMatchesNetworkEvaluate: the batched GoMLX evaluation scores
// the same trials as spikernn's Network.Evaluate with EvalSeed.
func TestEvaluateMatchesNetworkEvaluate(t *testing.T) {
	be := testBackend(t)
	net := newNet(t, "go-nogo", 50, 2, nil)
	task, _ := spikernn.LookupTask("go-nogo")
	tr, err := newTrainer(be, net, task, trainerOptions{Batch: 1, EvalTrials: 20, LR: DefaultLearningRate})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.close()
	seed := EvalSeed(4, 101)
	got, err := tr.evaluate(makeBatch(task, tr.evalSpec, evalStream(seed), false, 0))
	if err != nil {
		t.Fatal(err)
	}
	want, err := net.Evaluate(context.Background(), spikernn.EvalOptions{Task: task, Trials: 20, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Losses {
		if got.trials[i].Label != want.Trials[i].Label {
			t.Fatalf("trial %d: label %v, plain Go %v", i, got.trials[i].Label, want.Trials[i].Label)
		}
		if math.Abs(got.losses[i]-want.Losses[i]) > 1e-3*(1+want.Losses[i]) {
			t.Errorf("trial %d: loss %v, plain Go %v", i, got.losses[i], want.Losses[i])
		}
	}
	if math.Abs(got.perf-want.Perf) > 0.051 {
		t.Errorf("performance %v, plain Go %v", got.perf, want.Perf)
	}
}

// nonzeroOutside counts entries that are nonzero in a but zero in b.
func nonzeroOutside(a []float32, b *mat.Dense) int {
	_, N := b.Dims()
	n := 0
	for i, v := range a {
		if v != 0 && b.At(i/N, i%N) == 0 {
			n++
		}
	}
	return n
}

// TestPrunedConnectionsStayPruned: with Dale's principle the nonzero
// pattern of the trained variable w never grows beyond that of w0 (relu
// passes no gradient at exactly 0), checked after every step.
func TestPrunedConnectionsStayPruned(t *testing.T) {
	be := testBackend(t)
	net := newNet(t, "go-nogo", 60, 3, nil)
	task, _ := spikernn.LookupTask("go-nogo")
	tr, err := newTrainer(be, net, task, trainerOptions{Batch: 1, EvalTrials: 0, LR: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.close()
	changed := false
	for step := range 40 {
		bt := makeBatch(task, tr.spec, trainStream(3, step, 1), true, 1)
		bufs, err := bt.buffers(be, tr.spec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.trainStep(bt, bufs); err != nil {
			t.Fatal(err)
		}
		finalizeAll(bufs)
		w, err := readFloats(tr.st.vars[0])
		if err != nil {
			t.Fatal(err)
		}
		if n := nonzeroOutside(w, net.W0); n > 0 {
			t.Fatalf("step %d: %d entries of w are nonzero where w0 is zero", step, n)
		}
		for i, v := range w {
			if float64(v) != net.W0.At(i/60, i%60) {
				changed = true
			}
		}
	}
	if !changed {
		t.Fatal("w did not change: the test proves nothing")
	}
	// Without Dale's principle zeros do get gradients.
	noDale := newNet(t, "go-nogo", 60, 3, func(c *spikernn.Config) { c.ApplyDale = false })
	tr2, err := newTrainer(be, noDale, task, trainerOptions{Batch: 1, EvalTrials: 0, LR: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	defer tr2.close()
	bt := makeBatch(task, tr2.spec, trainStream(3, 0, 1), true, 1)
	bufs, _ := bt.buffers(be, tr2.spec)
	if _, err := tr2.trainStep(bt, bufs); err != nil {
		t.Fatal(err)
	}
	finalizeAll(bufs)
	w, _ := readFloats(tr2.st.vars[0])
	if nonzeroOutside(w, noDale.W0) == 0 {
		t.Error("without Dale's principle no zero entry of w changed")
	}
}

func sameDense(a, b *mat.Dense) bool {
	return mat.Equal(a, b)
}

// TestTrainDeterministic: the same seed gives the same weights.
func TestTrainDeterministic(t *testing.T) {
	net := newNet(t, "go-nogo", 40, 11, nil)
	opt := TrainOptions{Trials: 25, Seed: 5, EvalEvery: 10, EvalTrials: 10}
	a, _, err := Train(context.Background(), net, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := Train(context.Background(), net, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !sameDense(a.W, b.W) || !sameDense(a.Training.EvalOs, b.Training.EvalOs) {
		t.Fatal("two runs with the same seed differ")
	}
	for i := range a.TausGaus {
		if a.TausGaus[i] != b.TausGaus[i] || a.WOut[i] != b.WOut[i] {
			t.Fatal("two runs with the same seed differ")
		}
	}
	if sameDense(a.W, net.W) {
		t.Fatal("training did not change w")
	}
	opt.Seed = 6
	c, _, err := Train(context.Background(), net, opt)
	if err != nil {
		t.Fatal(err)
	}
	if sameDense(a.W, c.W) {
		t.Fatal("two seeds gave the same weights")
	}
}

// sameVars reports whether two networks have the same trained variables
// (w, w_out, b_out, taus_gaus), exactly.
func sameVars(a, b *spikernn.Network) (w, wout, bout, taus bool) {
	w, wout, bout, taus = sameDense(a.W, b.W), true, a.BOut == b.BOut, true
	for i := range a.WOut {
		wout = wout && a.WOut[i] == b.WOut[i]
		taus = taus && a.TausGaus[i] == b.TausGaus[i]
	}
	return
}

// TestTrainSavesPreUpdateWeights (issue 14 item 2): like the reference's
// main.py, Train returns w, w_out, b_out and taus_gaus as the last trial's
// forward pass used them, before that trial's Adam update, all four from
// the same step: after K trials they are exactly the weights after K-1
// updates, and the recorded last trial's output is w_out . r + b_out with
// them. WeightsAfterLastUpdate returns the weights after the K-th update.
func TestTrainSavesPreUpdateWeights(t *testing.T) {
	net := newNet(t, "go-nogo", 30, 3, nil)
	const K = 6
	train := func(trials int, after bool) *spikernn.Network {
		t.Helper()
		out, _, err := Train(context.Background(), net, TrainOptions{Trials: trials, Seed: 9, EvalTrials: 8, WeightsAfterLastUpdate: after})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	ref := train(K, false)      // the reference's choice (the default)
	updated := train(K-1, true) // after K-1 updates
	final := train(K, true)     // after K updates
	if w, wo, bo, tg := sameVars(ref, updated); !(w && wo && bo && tg) {
		t.Errorf("weights returned after %d trials are not those after %d updates: w %v, w_out %v, b_out %v, taus_gaus %v (true: same)", K, K-1, w, wo, bo, tg)
	}
	if w, wo, bo, tg := sameVars(ref, final); w || wo || bo || tg {
		t.Errorf("WeightsAfterLastUpdate returned a variable that the last update did not change: w %v, w_out %v, b_out %v, taus_gaus %v (true: same)", w, wo, bo, tg)
	}
	// The recorded last trial ran with the returned readout: o_t = w_out . r_t + b_out.
	dev := func(n *spikernn.Network) float64 {
		rec := n.Training
		var d float64
		for k, o := range rec.O {
			var acc float64
			for i, w := range n.WOut {
				acc += w * rec.R.At(i, k+1)
			}
			d = max(d, math.Abs(acc+n.BOut-o))
		}
		return d
	}
	if d := dev(ref); d > 1e-4 {
		t.Errorf("the recorded last trial's output differs by up to %.3g from w_out . r + b_out with the returned weights", d)
	}
	if d := dev(final); d < 1e-3 {
		t.Errorf("with the weights after the last update the recorded output still matches (%.3g): the test cannot tell the two apart", d)
	}
	t.Logf("max |o - (w_out . r + b_out)|: %.2g with the saved (pre-update) weights, %.2g with the post-update ones", dev(ref), dev(final))
}

// TestTrainRecord checks the record a run leaves for the model file, and
// that it saves and loads.
func TestTrainRecord(t *testing.T) {
	net := newNet(t, "go-nogo", 30, 1, nil)
	var calls, evals int
	out, h, err := Train(context.Background(), net, TrainOptions{Trials: 130, Seed: 2, EvalTrials: 12,
		Progress: spikernn.ReporterFunc(func(p spikernn.Progress) {
			calls++
			if p.Evaluated {
				evals++
			}
		})})
	if err != nil {
		t.Fatal(err)
	}
	rec := out.Training
	T := 200
	switch {
	case h.Status != spikernn.StatusFailed || rec.Status != spikernn.StatusFailed || h.Success:
		t.Errorf("status %q / %q, want failed (130 trials cannot meet the Go-NoGo rule)", h.Status, rec.Status)
	case len(rec.Losses) != 130 || h.TrialsDone != 130 || len(h.Losses) != 130 || rec.Tr != 129:
		t.Errorf("losses %d, trials done %d, tr %d", len(rec.Losses), h.TrialsDone, rec.Tr)
	case calls != 130 || evals != 2:
		t.Errorf("progress called %d times with %d evaluations, want 130 and 2", calls, evals)
	case len(h.EvalTrials) != 2 || h.EvalTrials[0] != 1 || h.EvalTrials[1] != 101:
		t.Errorf("evaluations at %v, want [1 101]", h.EvalTrials)
	}
	if r, c := rec.EvalOs.Dims(); r != 12 || c != T-1 || len(rec.EvalLabels) != 12 {
		t.Errorf("eval_os %d x %d, eval_labels %d", r, c, len(rec.EvalLabels))
	}
	if rec.EvalLossMean != h.EvalLosses[1] || rec.EvalPerfMean != h.EvalPerfs[1] {
		t.Error("the record's evaluation is not the last one")
	}
	for name, m := range map[string]*mat.Dense{"x": rec.X, "r": rec.R, "x0": rec.X0, "r0": rec.R0} {
		if r, c := m.Dims(); r != 30 || c != T {
			t.Errorf("%s is %d x %d, want 30 x %d", name, r, c, T)
		}
	}
	if len(rec.O) != T-1 || len(rec.Target) != T {
		t.Errorf("o %d, target %d", len(rec.O), len(rec.Target))
	}
	// The recorded last trial is the one whose loss was recorded last.
	if l := spikernn.Loss(rec.O, rec.Target, "l2"); math.Abs(l-rec.Losses[129]) > 1e-3*(1+l) {
		t.Errorf("loss of the recorded last trial %v, recorded loss %v", l, rec.Losses[129])
	}
	if net.Training != nil || sameDense(net.W, out.W) {
		t.Error("Train modified its input or did not train")
	}
	path := filepath.Join(t.TempDir(), "m.mat")
	if err := out.Save(path, spikernn.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	back, err := spikernn.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Training == nil || back.Training.Status != spikernn.StatusFailed || back.Training.Tr != 129 {
		t.Errorf("loaded record: %+v", back.Training)
	}
}

// TestTrainCancel: a cancelled context returns the state so far, marked
// unfinished, with an error wrapping context.Canceled.
func TestTrainCancel(t *testing.T) {
	net := newNet(t, "go-nogo", 30, 1, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, h, err := Train(ctx, net, TrainOptions{Trials: 1000, Seed: 1, EvalTrials: 10, Progress: spikernn.ReporterFunc(func(p spikernn.Progress) {
		if p.Done == 8 {
			cancel()
		}
	})})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if out == nil || h == nil {
		t.Fatal("no state returned")
	}
	if h.Status != spikernn.StatusUnfinished || out.Training.Status != spikernn.StatusUnfinished {
		t.Errorf("status %q, want unfinished", h.Status)
	}
	if h.TrialsDone != 8 || out.Training.Tr != 7 {
		t.Errorf("trials done %d, tr %d, want 8 and 7", h.TrialsDone, out.Training.Tr)
	}
	if out.Training.EvalOs == nil {
		t.Error("no evaluation in the record")
	}
}

// TestTrainDiverges: an absurd learning rate makes the loss infinite; the
// error says so and the last finite state comes back.
func TestTrainDiverges(t *testing.T) {
	net := newNet(t, "go-nogo", 30, 1, nil)
	out, h, err := Train(context.Background(), net, TrainOptions{Trials: 50, Seed: 1, LearningRate: 1e37, EvalTrials: 10})
	if !errors.Is(err, ErrDiverged) {
		t.Fatalf("error %v, want ErrDiverged", err)
	}
	if out == nil || h.Status != spikernn.StatusFailed || h.TrialsDone >= 50 {
		t.Fatalf("status %v after %d trials", h.Status, h.TrialsDone)
	}
	for _, v := range out.W.RawMatrix().Data {
		if !finite(v) {
			t.Fatal("the returned state is not finite")
		}
	}
	t.Logf("%v (after %d good trials)", err, h.TrialsDone)
}

func TestTrainOptionErrors(t *testing.T) {
	net := newNet(t, "go-nogo", 10, 1, nil)
	ctx := context.Background()
	for name, opt := range map[string]TrainOptions{
		"no trials":  {},
		"batch":      {Trials: 1, Batch: -2},
		"lr":         {Trials: 1, LearningRate: -1},
		"backend":    {Trials: 1, Backend: "nosuchbackend"},
		"go backend": {Trials: 1, Backend: "go:nosuchoption"},
	} {
		if _, _, err := Train(ctx, net, opt); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	if _, _, err := Train(ctx, nil, TrainOptions{Trials: 1}); err == nil {
		t.Error("nil network: no error")
	}
	bad := net.Clone()
	bad.WOut = bad.WOut[:3]
	if _, _, err := Train(ctx, bad, TrainOptions{Trials: 1}); err == nil {
		t.Error("short w_out: no error")
	}
}

// TestAutodiffTrainsAlike: GoMLX's autodiff and the written-out BPTT give
// the same training trajectory (to float32 rounding).
func TestAutodiffTrainsAlike(t *testing.T) {
	net := newNet(t, "go-nogo", 20, 4, nil)
	opt := TrainOptions{Trials: 5, Seed: 3, EvalTrials: 5}
	a, _, err := Train(context.Background(), net, opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.Autodiff = true
	b, _, err := Train(context.Background(), net, opt)
	if compute.IsNotImplemented(err) {
		t.Skipf("GoMLX's autodiff needs an operation this backend lacks: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(a.W, b.W); d > 1e-4 {
		t.Errorf("w differs by %g", d)
	}
}

func maxAbsDiff(a, b *mat.Dense) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return math.Max(mat.Max(&d), -mat.Min(&d))
}

// TestTrainBatch runs minibatch steps.
func TestTrainBatch(t *testing.T) {
	net := newNet(t, "xor", 20, 1, nil)
	_, h, err := Train(context.Background(), net, TrainOptions{Trials: 3, Batch: 4, Seed: 1, EvalTrials: 8})
	if err != nil {
		t.Fatal(err)
	}
	if h.TrialsDone != 3 || len(h.EvalTrials) != 1 {
		t.Errorf("trials %d, evaluations %v", h.TrialsDone, h.EvalTrials)
	}
}

// TestTrainGoNoGoToStoppingRule trains the reference Go-NoGo network
// (N=200) to its stopping rule.
func TestTrainGoNoGoToStoppingRule(t *testing.T) {
	if testing.Short() {
		t.Skip("long: a whole training run")
	}
	net := newNet(t, "go-nogo", 200, 1, nil)
	out, h, err := Train(context.Background(), net, TrainOptions{Trials: 3000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seed 1: %s after %d trials, eval loss %.3f, perf %.2f, %v", h.Status, h.TrialsDone,
		out.Training.EvalLossMean, out.Training.EvalPerfMean, h.Wall.Round(time.Millisecond))
	if !h.Success || h.TrialsDone < 1502 {
		t.Errorf("status %s after %d trials", h.Status, h.TrialsDone)
	}
}

// TestTrainManteXOR trains the context-dependent integration task (N=250,
// decay 4-10 steps) and XOR (N=200, decay 4-20) to their stopping rules
// within 6000 trials. Both tasks have targets of mean zero, and the networks
// first settle on a zero output (eval loss about sqrt(250) and sqrt(100));
// when they leave it is a matter of the seed: XOR seeds 1, 2, 3 and 5 were
// still there after 6000 trials, seed 4 trained at trial 5202 (mante seed 1
// at 5602). Several minutes: run with SPIKERNN_LONG=1.
func TestTrainManteXOR(t *testing.T) {
	if testing.Short() || os.Getenv("SPIKERNN_LONG") == "" {
		t.Skip("several minutes: set SPIKERNN_LONG=1")
	}
	for _, c := range []struct {
		task string
		N    int
		taus []float64
		seed uint64
	}{{"mante", 250, []float64{4, 10}, 1}, {"xor", 200, []float64{4, 20}, 4}} {
		t.Run(c.task, func(t *testing.T) {
			net := newNet(t, c.task, c.N, c.seed, func(cfg *spikernn.Config) { cfg.Taus = c.taus })
			out, h, err := Train(context.Background(), net, TrainOptions{Trials: 6000, Seed: c.seed, Progress: spikernn.ReporterFunc(func(p spikernn.Progress) {
				if p.Evaluated && (p.Done-1)%1000 == 1 {
					t.Logf("trial %d: eval loss %.3f perf %.2f (%v)", p.Done-1, p.EvalLoss, p.EvalPerf, p.Elapsed.Round(time.Second))
				}
			})})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s seed %d: %s after %d trials, eval loss %.3f, perf %.2f, %v", c.task, c.seed, h.Status, h.TrialsDone,
				out.Training.EvalLossMean, out.Training.EvalPerfMean, h.Wall.Round(time.Millisecond))
			if !h.Success {
				t.Errorf("%s did not meet its stopping rule", c.task)
			}
		})
	}
}

func TestBuildNote(t *testing.T) {
	note := BuildNote("go")
	if simdBuild != (note == "") && runtime.GOARCH == "amd64" {
		t.Errorf("simd build %v, note %q", simdBuild, note)
	}
	if note != "" && !strings.Contains(note, "GOEXPERIMENT=simd") {
		t.Errorf("note %q", note)
	}
	if BuildNote("xla:cpu") != "" {
		t.Error("a note for the XLA backend")
	}
}
