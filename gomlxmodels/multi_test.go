package gomlxmodels

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/spikernn/spikernn/spikernn"
)

// sameNet fails unless a and b have bit-identical trained variables and
// training records (losses, evaluations, status, last trial).
func sameNet(t *testing.T, what string, a, b *spikernn.Network) {
	t.Helper()
	eq := func(x, y []float64) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
				return false
			}
		}
		return true
	}
	ra, rb := a.Training, b.Training
	switch {
	case !eq(a.W.RawMatrix().Data, b.W.RawMatrix().Data):
		t.Errorf("%s: w differs", what)
	case !eq(a.WOut, b.WOut) || a.BOut != b.BOut:
		t.Errorf("%s: w_out or b_out differs", what)
	case !eq(a.TausGaus, b.TausGaus):
		t.Errorf("%s: taus_gaus differs", what)
	case ra.Status != rb.Status || ra.Tr != rb.Tr:
		t.Errorf("%s: status %s at %d against %s at %d", what, ra.Status, ra.Tr, rb.Status, rb.Tr)
	case !eq(ra.Losses, rb.Losses) || !eq(ra.EvalLosses, rb.EvalLosses) || !eq(ra.EvalPerfs, rb.EvalPerfs):
		t.Errorf("%s: losses or evaluations differ", what)
	case !eq(ra.X.RawMatrix().Data, rb.X.RawMatrix().Data) || !eq(ra.O, rb.O) || !eq(ra.EvalOs.RawMatrix().Data, rb.EvalOs.RawMatrix().Data):
		t.Errorf("%s: the recorded last trial or evaluation differs", what)
	}
}

// relDiff returns max |a-b| / max(|a|, |b|) over the entries.
func relDiff(a, b []float64) float64 {
	var d, m float64
	for i := range a {
		d = max(d, math.Abs(a[i]-b[i]))
		m = max(m, math.Abs(a[i]), math.Abs(b[i]))
	}
	if m == 0 {
		return d
	}
	return d / m
}

// manyCase returns three small Go-NoGo networks (different seeds, decay
// ranges and trial caps) and their options.
func manyCase(t *testing.T, edit func(*spikernn.Config)) ([]*spikernn.Network, []TrainOptions) {
	t.Helper()
	var nets []*spikernn.Network
	var opts []TrainOptions
	taus := [][]float64{{4, 25}, {4, 25}, {2, 15}}
	for i := range 3 {
		nets = append(nets, newNet(t, "go-nogo", 24, uint64(10+i), func(c *spikernn.Config) {
			c.Taus = taus[i]
			if edit != nil {
				edit(c)
			}
		}))
		opts = append(opts, TrainOptions{Trials: 6 + 3*i, Seed: uint64(20 + i), EvalEvery: 4, EvalTrials: 8})
	}
	return nets, opts
}

// TestTrainManyGroupIndependent: a network trains to the same bits alone
// (K = 1), with one other network, and in a group of three, and in a
// group of three through two slots (refilled, then shrunk).
func TestTrainManyGroupIndependent(t *testing.T) {
	for name, edit := range map[string]func(*spikernn.Config){
		"sigmoid": nil,
		"clipped_relu_fixed": func(c *spikernn.Config) {
			c.Activation = spikernn.ClippedReLU
			c.Taus = c.Taus[:1]
			c.LossFn = spikernn.LossL1
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			nets, opts := manyCase(t, edit)
			all, _, err := TrainMany(ctx, nets, opts)
			if err != nil {
				t.Fatal(err)
			}
			slotted, _, err := TrainManyWith(ctx, nets, opts, ManyOptions{NetsPerGraph: 2})
			if err != nil {
				t.Fatal(err)
			}
			pair, _, err := TrainMany(ctx, []*spikernn.Network{nets[2], nets[1]}, []TrainOptions{opts[2], opts[1]})
			if err != nil {
				t.Fatal(err)
			}
			for i := range nets {
				alone, _, err := TrainMany(ctx, nets[i:i+1], opts[i:i+1])
				if err != nil {
					t.Fatal(err)
				}
				sameNet(t, "group of 3 vs alone", all[i], alone[0])
				sameNet(t, "2 slots vs alone", slotted[i], alone[0])
				if i == 1 {
					sameNet(t, "pair vs alone", pair[1], alone[0])
				}
			}
		})
	}
}

// TestTrainManyMatchesTrain: against the single-network Train, the weights
// agree to float rounding after a few steps, and so does the record.
func TestTrainManyMatchesTrain(t *testing.T) {
	ctx := context.Background()
	nets, opts := manyCase(t, nil)
	many, hists, err := TrainMany(ctx, nets, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i, net := range nets {
		one, h, err := Train(ctx, net, opts[i])
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("network %d: w differs from Train's by %.3g (relative)", i, relDiff(one.W.RawMatrix().Data, many[i].W.RawMatrix().Data))
		if d := relDiff(one.W.RawMatrix().Data, many[i].W.RawMatrix().Data); d > 1e-4 {
			t.Errorf("network %d: w differs by %.3g (relative)", i, d)
		}
		if d := relDiff(one.WOut, many[i].WOut); d > 1e-4 {
			t.Errorf("network %d: w_out differs by %.3g", i, d)
		}
		if d := relDiff(one.TausGaus, many[i].TausGaus); d > 1e-4 {
			t.Errorf("network %d: taus_gaus differs by %.3g", i, d)
		}
		if d := relDiff(h.Losses, hists[i].Losses); d > 1e-4 || h.TrialsDone != hists[i].TrialsDone || h.Status != hists[i].Status {
			t.Errorf("network %d: losses differ by %.3g, %d/%d trials, %s/%s", i, d, h.TrialsDone, hists[i].TrialsDone, h.Status, hists[i].Status)
		}
		if len(h.EvalTrials) != len(hists[i].EvalTrials) {
			t.Errorf("network %d: %d evaluations against %d", i, len(hists[i].EvalTrials), len(h.EvalTrials))
		}
	}
}

// TestTrainManyStoppingRule: a Go-NoGo training with a rule it meets early
// stops where Train stops, with the same status; the other network of the
// group runs to its trial cap.
func TestTrainManyStoppingRule(t *testing.T) {
	ctx := context.Background()
	easy := &spikernn.Criterion{MaxLoss: 1e9, MinPerf: -1, MinTrial: 9}
	nets := []*spikernn.Network{newNet(t, "go-nogo", 30, 1, nil), newNet(t, "go-nogo", 30, 2, nil)}
	opts := []TrainOptions{{Trials: 40, Seed: 1, EvalEvery: 5, EvalTrials: 10, Criterion: easy}, {Trials: 25, Seed: 2, EvalEvery: 5, EvalTrials: 10}}
	_, hists, err := TrainMany(ctx, nets, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range nets {
		_, h, err := Train(ctx, nets[i], opts[i])
		if err != nil {
			t.Fatal(err)
		}
		if h.Status != hists[i].Status || h.TrialsDone != hists[i].TrialsDone {
			t.Errorf("network %d: Train %s after %d trials, TrainMany %s after %d", i, h.Status, h.TrialsDone, hists[i].Status, hists[i].TrialsDone)
		}
	}
	if hists[0].Status != spikernn.StatusTrained || hists[0].TrialsDone != 12 || hists[1].Status != spikernn.StatusFailed || hists[1].TrialsDone != 25 {
		t.Errorf("got %s after %d and %s after %d", hists[0].Status, hists[0].TrialsDone, hists[1].Status, hists[1].TrialsDone)
	}
}

// TestTrainManyDiverged: a network whose loss is NaN fails alone with
// ErrDiverged; the others train as they would without it.
func TestTrainManyDiverged(t *testing.T) {
	ctx := context.Background()
	nets, opts := manyCase(t, nil)
	opts[1].LearningRate = 1e37
	opts[1].Trials = 50
	out, hists, err := TrainMany(ctx, nets, opts)
	var me *ManyError
	if !errors.Is(err, ErrDiverged) || !errors.As(err, &me) {
		t.Fatalf("error %v, want ErrDiverged in a ManyError", err)
	}
	if me.Errs[0] != nil || me.Errs[2] != nil || !errors.Is(me.Errs[1], ErrDiverged) {
		t.Fatalf("errors %v", me.Errs)
	}
	one, h, terr := Train(ctx, nets[1], opts[1])
	if !errors.Is(terr, ErrDiverged) {
		t.Fatalf("Train: %v", terr)
	}
	if out[1] == nil || hists[1].Status != spikernn.StatusFailed || hists[1].TrialsDone != h.TrialsDone || h.TrialsDone >= 50 {
		t.Errorf("diverged network: %v after %d trials, Train: after %d", hists[1].Status, hists[1].TrialsDone, h.TrialsDone)
	}
	for _, v := range out[1].W.RawMatrix().Data {
		if !finite(v) {
			t.Fatal("the returned state is not finite")
		}
	}
	if d := relDiff(one.WOut, out[1].WOut); d > 1e-4 {
		t.Errorf("diverged network: w_out differs from Train's by %.3g", d)
	}
	t.Logf("%v", me.Errs[1])
	ref, _, err := TrainMany(ctx, []*spikernn.Network{nets[0], nets[2]}, []TrainOptions{opts[0], opts[2]})
	if err != nil {
		t.Fatal(err)
	}
	sameNet(t, "network 0 beside a diverged one", out[0], ref[0])
	sameNet(t, "network 2 beside a diverged one", out[2], ref[1])
}

// TestTrainManyCancel: a cancelled context stops every network; each
// comes back unfinished with its state, as from Train.
func TestTrainManyCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	nets, opts := manyCase(t, nil)
	for i := range opts {
		opts[i].Trials = 1000
	}
	opts[0].Progress = spikernn.ReporterFunc(func(p spikernn.Progress) {
		if p.Done == 5 {
			cancel()
		}
	})
	out, hists, err := TrainMany(ctx, nets, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	for i := range nets {
		if out[i] == nil || hists[i].Status != spikernn.StatusUnfinished || out[i].Training.Status != spikernn.StatusUnfinished || hists[i].TrialsDone != 5 {
			t.Errorf("network %d: %v after %d trials", i, hists[i].Status, hists[i].TrialsDone)
		}
		if out[i].Training.EvalOs == nil {
			t.Errorf("network %d: no evaluation in the record", i)
		}
	}
}

// TestTrainManyErrors: a group whose networks do not share the graph's
// structure is refused with an error naming the network and the field.
func TestTrainManyErrors(t *testing.T) {
	ctx := context.Background()
	a := newNet(t, "go-nogo", 20, 1, nil)
	opt := TrainOptions{Trials: 3}
	for name, c := range map[string]struct {
		nets []*spikernn.Network
		opts []TrainOptions
		want string
	}{
		"N":          {[]*spikernn.Network{a, newNet(t, "go-nogo", 21, 1, nil)}, []TrainOptions{opt, opt}, "network 1: N = 21"},
		"activation": {[]*spikernn.Network{a, newNet(t, "go-nogo", 20, 1, func(c *spikernn.Config) { c.Activation = spikernn.Softplus })}, []TrainOptions{opt, opt}, "network 1: activation"},
		"batch":      {[]*spikernn.Network{a, a}, []TrainOptions{opt, {Trials: 3, Batch: 2}}, "network 1: Batch"},
		"trials":     {[]*spikernn.Network{a, a}, []TrainOptions{opt, {}}, "network 1: gomlxmodels: TrainOptions.Trials"},
		"count":      {[]*spikernn.Network{a, a}, []TrainOptions{opt}, "2 networks but 1 options"},
		"nil":        {[]*spikernn.Network{a, nil}, []TrainOptions{opt, opt}, "network 1: gomlxmodels: nil network"},
		"task":       {[]*spikernn.Network{a, newNet(t, "xor", 20, 1, nil)}, []TrainOptions{opt, opt}, "network 1: task"},
	} {
		_, _, err := TrainMany(ctx, c.nets, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, c.want)
		}
	}
}

// TestTrainManyKernelSwitch: at N = 64 the weight-gradient product of six
// networks crosses the Go backend's small-kernel threshold, which one
// network's does not; the group splits it (multiSpec.dotM) and each network
// still trains to the same bits as alone.
func TestTrainManyKernelSwitch(t *testing.T) {
	ctx := context.Background()
	var nets []*spikernn.Network
	var opts []TrainOptions
	for i := range 6 {
		nets = append(nets, newNet(t, "go-nogo", 64, uint64(i+1), nil))
		opts = append(opts, TrainOptions{Trials: 3, Seed: uint64(i + 1), EvalTrials: 4})
	}
	if f := 64 * 64 * 199; f >= goSmallMatMulThreshold || 6*f < goSmallMatMulThreshold {
		t.Fatalf("the case does not cross the threshold (%d flops per network)", f)
	}
	all, _, err := TrainMany(ctx, nets, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 5} {
		alone, _, err := TrainMany(ctx, nets[i:i+1], opts[i:i+1])
		if err != nil {
			t.Fatal(err)
		}
		sameNet(t, "group of 6 vs alone", all[i], alone[0])
	}
}

// TestTrainManyMatchesTrainVariants: batches of 2 trials and a general
// (non-diagonal) sign mask train as with Train.
func TestTrainManyMatchesTrainVariants(t *testing.T) {
	ctx := context.Background()
	for name, c := range map[string]struct {
		batch   int
		general bool
	}{"batch2": {2, false}, "general_m": {1, true}} {
		t.Run(name, func(t *testing.T) {
			nets, opts := manyCase(t, nil)
			nets, opts = nets[:2], opts[:2]
			for i := range nets {
				opts[i].Batch = c.batch
				if c.general {
					nets[i].M.Set(0, 1, 0.5)
					nets[i].M.Set(3, 2, -0.25)
				}
			}
			many, _, err := TrainMany(ctx, nets, opts)
			if err != nil {
				t.Fatal(err)
			}
			for i := range nets {
				one, _, err := Train(ctx, nets[i], opts[i])
				if err != nil {
					t.Fatal(err)
				}
				if d := relDiff(one.W.RawMatrix().Data, many[i].W.RawMatrix().Data); d > 1e-4 {
					t.Errorf("network %d: w differs by %.3g", i, d)
				}
				if d := relDiff(one.Training.Losses, many[i].Training.Losses); d > 1e-4 {
					t.Errorf("network %d: losses differ by %.3g", i, d)
				}
			}
		})
	}
}

// TestTrainManyCancelledBefore: with a context cancelled before the start,
// the networks of the first graph come back unfinished after 0 trials (as
// from Train); those that never got a slot come back nil, with the error.
func TestTrainManyCancelledBefore(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	nets, opts := manyCase(t, nil)
	out, hists, err := TrainManyWith(ctx, nets, opts, ManyOptions{NetsPerGraph: 2})
	var me *ManyError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &me) {
		t.Fatalf("error %v", err)
	}
	for i := range 2 {
		if out[i] == nil || hists[i].Status != spikernn.StatusUnfinished || hists[i].TrialsDone != 0 || !errors.Is(me.Errs[i], context.Canceled) {
			t.Errorf("network %d: %v, %v", i, hists[i], me.Errs[i])
		}
	}
	if out[2] != nil || hists[2] != nil || !errors.Is(me.Errs[2], context.Canceled) {
		t.Errorf("network 2: %v, %v", out[2], me.Errs[2])
	}
}
