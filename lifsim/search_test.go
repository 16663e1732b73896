package lifsim

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

// TestSearchDeterministic: the grid search gives the same result for a seed
// whatever the number of workers, and Evaluate with the matching stream
// offset reproduces each factor's trials.
func TestSearchDeterministic(t *testing.T) {
	rate := testNet(t, "go-nogo", 60, 2)
	opt := SearchOptions{Factors: []float64{10, 30, 60}, Trials: 12, Seed: 5}
	var ref *SearchResult
	for _, w := range []int{1, 2, 5} {
		opt.Workers = w
		var mu sync.Mutex
		last := 0
		opt.Progress = spikernn.ReporterFunc(func(p spikernn.Progress) {
			done, total := p.Done, p.Total
			mu.Lock()
			defer mu.Unlock()
			if done != last+1 || total != 36 {
				t.Errorf("progress %d/%d after %d", done, total, last)
			}
			last = done
		})
		res, err := GridSearch(context.Background(), rate, opt)
		if err != nil {
			t.Fatal(err)
		}
		if last != 36 {
			t.Errorf("progress ended at %d", last)
		}
		if ref == nil {
			ref = res
			continue
		}
		for k := range res.Factors {
			if res.Perfs[k] != ref.Perfs[k] {
				t.Fatalf("workers %d: perfs %v, with 1 worker %v", w, res.Perfs, ref.Perfs)
			}
			for i := range res.Correct[k] {
				if res.Correct[k][i] != ref.Correct[k][i] || res.Labels[k][i] != ref.Labels[k][i] {
					t.Fatalf("workers %d: factor %d trial %d differs", w, k, i)
				}
			}
		}
	}
	// Different trials for different factors, and both labels present.
	seen := map[float64]bool{}
	for _, l := range ref.Labels[0] {
		seen[l] = true
	}
	if len(seen) != 2 {
		t.Errorf("labels of factor 0: %v", ref.Labels[0])
	}
	task := spikernn.NewGoNoGo()
	for k, s := range opt.Factors {
		net, err := FromRate(rate, s, DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		ev, err := net.Evaluate(context.Background(), EvalOptions{Task: task, Trials: 12, Seed: 5, StreamOffset: uint64(k * 12), Workers: 3})
		if err != nil {
			t.Fatal(err)
		}
		for i := range ev.Correct {
			if ev.Correct[i] != ref.Correct[k][i] || ev.Labels[i] != ref.Labels[k][i] {
				t.Fatalf("factor %v trial %d: Evaluate %v/%v, GridSearch %v/%v", s, i, ev.Correct[i], ev.Labels[i], ref.Correct[k][i], ref.Labels[k][i])
			}
		}
		if ev.Perf != ref.Perfs[k] || !(ev.MeanRate > 0) {
			t.Errorf("factor %v: Evaluate perf %v, GridSearch %v, rate %v", s, ev.Perf, ref.Perfs[k], ev.MeanRate)
		}
	}
}

// TestSearchTies: the first factor with the best performance wins.
func TestSearchTies(t *testing.T) {
	// A task every trial of which is correct: all factors tie at 1.
	always := &spikernn.CustomTask{TaskName: "always", Inputs: 1, T: 20,
		Generate: func(*rand.Rand) spikernn.Trial { return spikernn.Trial{U: mat.NewDense(1, 20, nil)} },
		Score:    func([]float64, spikernn.Trial) bool { return true },
	}
	rate := testNet(t, "go-nogo", 20, 3)
	res, err := GridSearch(context.Background(), rate, SearchOptions{Factors: []float64{40, 20, 30}, Trials: 4, Seed: 1, Task: always})
	if err != nil {
		t.Fatal(err)
	}
	if res.Perfs[0] != 1 || res.Perfs[1] != 1 || res.Perfs[2] != 1 || res.Best != 40 || res.BestIndex != 0 || res.Task != "always" {
		t.Errorf("perfs %v: best %v (index %d), want the first factor", res.Perfs, res.Best, res.BestIndex)
	}
	// A strict improvement later in the grid wins.
	idx := 0
	better := &spikernn.CustomTask{TaskName: "better", Inputs: 1, T: 20,
		Generate: always.Generate,
		Score:    always.Score,
		SpikingScore: func(out []float64, dt float64, tr spikernn.Trial) bool {
			return tr.Label == 1
		},
		SpikingInput: func(rng *rand.Rand) spikernn.Trial {
			tr := spikernn.Trial{U: mat.NewDense(1, 21, nil)}
			if rng.Float64() < 0.5 {
				tr.Label = 1
			}
			return tr
		},
	}
	res, err = GridSearch(context.Background(), rate, SearchOptions{Factors: []float64{40, 20, 30}, Trials: 40, Seed: 1, Task: better})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range res.Perfs {
		if v > res.Perfs[idx] {
			idx = k
		}
	}
	if res.BestIndex != idx || res.Best != res.Factors[idx] || res.BestPerf != res.Perfs[idx] {
		t.Errorf("perfs %v: best index %d, want %d", res.Perfs, res.BestIndex, idx)
	}
}

func TestSearchErrors(t *testing.T) {
	rate := testNet(t, "go-nogo", 20, 3)
	ctx := context.Background()
	for _, opt := range []SearchOptions{
		{Factors: []float64{20, 0}},
		{Factors: []float64{math.NaN()}},
		{Factors: []float64{}},
		{Trials: -1},
		{Params: &Params{}},
		{Task: spikernn.NewMante()},
	} {
		if _, err := GridSearch(ctx, rate, opt); err == nil {
			t.Errorf("GridSearch accepted %+v", opt)
		}
	}
	if _, err := GridSearch(ctx, nil, SearchOptions{}); err == nil {
		t.Error("nil network accepted")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := GridSearch(cctx, rate, SearchOptions{Trials: 5}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled search: %v", err)
	}
	net, _ := FromRate(rate, 25, DefaultParams())
	if _, err := net.Evaluate(ctx, EvalOptions{Task: spikernn.NewMante()}); err == nil {
		t.Error("Evaluate with a task of 4 inputs on a 1-input network accepted")
	}
	// Without a task, the rate network's own.
	own, err := net.Evaluate(ctx, EvalOptions{Trials: 6, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	named, _ := net.Evaluate(ctx, EvalOptions{Trials: 6, Seed: 3, Task: spikernn.NewGoNoGo()})
	if own.Task != "go-nogo" || own.Perf != named.Perf || !own.Spiking {
		t.Errorf("own task: %s %v, named: %v", own.Task, own.Perf, named.Perf)
	}
	if _, err := SearchFile(ctx, filepath.Join(t.TempDir(), "missing.mat"), SearchOptions{}, false); err == nil {
		t.Error("missing file accepted")
	}
}

// TestSearchFile: the search is recorded in the model file, keeping the
// other variables; a searched file is skipped unless forced.
func TestSearchFile(t *testing.T) {
	rate := testNet(t, "go-nogo", 40, 4)
	path := filepath.Join(t.TempDir(), "model.mat")
	if err := rate.Save(path, spikernn.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	opt := SearchOptions{Factors: []float64{15, 45}, Trials: 6, Seed: 2}
	res, err := SearchFile(context.Background(), path, opt, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Skipped {
		t.Fatal("first search skipped")
	}
	got, err := spikernn.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	s := got.Scaling
	if s == nil || s.OptScalingFactor != res.Best || len(s.AllPerfs) != 2 || s.AllPerfs[1] != res.Perfs[1] || s.ScalingFactors[1] != 45 {
		t.Fatalf("file holds %+v, search gave best %v perfs %v", s, res.Best, res.Perfs)
	}
	if !mat.Equal(got.W, rate.W) || got.N() != rate.N() {
		t.Error("the search changed the weights")
	}
	info, _ := os.Stat(path)
	again, err := SearchFile(context.Background(), path, opt, false)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Skipped || again.Best != res.Best || again.BestPerf != res.Perfs[res.BestIndex] {
		t.Errorf("second search: %+v", again)
	}
	if info2, _ := os.Stat(path); !info2.ModTime().Equal(info.ModTime()) {
		t.Error("a skipped search rewrote the file")
	}
	opt.Factors = []float64{30}
	forced, err := SearchFile(context.Background(), path, opt, true)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = spikernn.LoadModel(path)
	if forced.Skipped || got.Scaling.OptScalingFactor != 30 || len(got.Scaling.ScalingFactors) != 1 {
		t.Errorf("forced search: %+v, file %+v", forced, got.Scaling)
	}
}

// fixturePath is a trained Go-NoGo model for the statistical check.
const fixturePath = "testdata/gonogo_trained.mat"

// TestTrainedGoNoGo is the statistical check of spec 5 and section 6: a
// Go-NoGo network trained by gomlxmodels reaches at least 95% spiking
// performance at its best factor of the paper's grid (100 trials each).
func TestTrainedGoNoGo(t *testing.T) {
	if testing.Short() {
		t.Skip("the full grid search takes about 10 s of CPU")
	}
	if _, err := os.Stat(fixturePath); err != nil {
		t.Skipf("no trained fixture %s: %v", fixturePath, err)
	}
	rate, err := spikernn.LoadModel(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	if rate.Config.Task != "go-nogo" || !rate.Trained() {
		t.Fatalf("fixture is task %q, trained %v", rate.Config.Task, rate.Trained())
	}
	res, err := GridSearch(context.Background(), rate, SearchOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("perfs %v: best s = %v (%.2f) in %v", res.Perfs, res.Best, res.BestPerf, res.Elapsed)
	if res.BestPerf < 0.95 {
		t.Errorf("best spiking performance %.2f at s = %v, want >= 0.95", res.BestPerf, res.Best)
	}
}

// TestSearchOtherTasks: the search runs every registered task with its own
// inputs and scoring (mante: 4 inputs, 2.5 s; xor: 2 inputs, 1.5 s).
func TestSearchOtherTasks(t *testing.T) {
	for task, T := range map[string]float64{"mante": 2.5, "xor": 1.5} {
		rate := testNet(t, task, 40, 1)
		res, err := GridSearch(context.Background(), rate, SearchOptions{Factors: []float64{30, 60}, Trials: 4, Seed: 1})
		if err != nil {
			t.Fatalf("%s: %v", task, err)
		}
		if res.Task != task || len(res.Perfs) != 2 || res.Perfs[0] < 0 || res.Perfs[0] > 1 {
			t.Errorf("%s: %+v", task, res)
		}
		net, _ := FromRate(rate, 30, DefaultParams())
		tk, _ := spikernn.LookupTask(task)
		ev, err := net.Evaluate(context.Background(), EvalOptions{Task: tk, Trials: 2, Keep: true})
		if err != nil {
			t.Fatal(err)
		}
		if r := ev.Results[0]; math.Abs(r.TSec-T) > 1e-9 || r.Nt != int(T*20000+0.5) {
			t.Errorf("%s: T %v s, %d steps", task, r.TSec, r.Nt)
		}
	}
}

// TestSearchInterrupted: a cancelled search returns the factors finished so
// far (the same numbers an uninterrupted search gives), SearchFile records
// them with opt_scaling_factor NaN so that the next run searches again, and
// a finished search already in the file is never replaced by a partial one.
func TestSearchInterrupted(t *testing.T) {
	rate := testNet(t, "go-nogo", 40, 2)
	const trials = 6
	opt := SearchOptions{Factors: []float64{10, 30, 60}, Trials: trials, Seed: 7, Workers: 2}
	full, err := GridSearch(context.Background(), rate, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !full.Complete() || full.Done != 3 {
		t.Fatalf("full search: done %d", full.Done)
	}
	// Cancel once the second factor's trials are all done. One worker, so
	// that no trial of the third factor has started by then (with more,
	// the pool may be running trials of later factors, and may finish them).
	interrupted := func() (context.Context, SearchOptions) {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		o := opt
		o.Workers = 1
		o.Progress = spikernn.ReporterFunc(func(p spikernn.Progress) {
			if p.Done == 2*trials {
				cancel()
			}
		})
		return ctx, o
	}
	ctx, o := interrupted()
	part, err := GridSearch(ctx, rate, o)
	if !errors.Is(err, context.Canceled) || part == nil {
		t.Fatalf("interrupted search: %v, %v", part, err)
	}
	if part.Done != 2 || part.Complete() || part.Perfs[0] != full.Perfs[0] || part.Perfs[1] != full.Perfs[1] || !math.IsNaN(part.Perfs[2]) {
		t.Fatalf("partial result: done %d perfs %v, full %v", part.Done, part.Perfs, full.Perfs)
	}
	if b := part.BestIndex; b < 0 || b > 1 || part.Best != opt.Factors[b] || part.BestPerf != max(full.Perfs[0], full.Perfs[1]) {
		t.Errorf("best so far: index %d factor %v perf %v", b, part.Best, part.BestPerf)
	}
	if sc := part.Scaling(); !math.IsNaN(sc.OptScalingFactor) || !math.IsNaN(sc.AllPerfs[2]) {
		t.Errorf("partial scaling record: %+v", sc)
	}

	path := filepath.Join(t.TempDir(), "m.mat")
	if err := rate.Save(path, spikernn.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, o = interrupted()
	if _, err := SearchFile(ctx, path, o, false); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted SearchFile: %v", err)
	}
	got, err := spikernn.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := got.Scaling; s == nil || !math.IsNaN(s.OptScalingFactor) || len(s.AllPerfs) != 3 || s.AllPerfs[1] != full.Perfs[1] || !math.IsNaN(s.AllPerfs[2]) {
		t.Fatalf("partial search in the file: %+v", got.Scaling)
	}
	// An unfinished search is not skipped.
	res, err := SearchFile(context.Background(), path, opt, false)
	if err != nil || res.Skipped || res.Best != full.Best {
		t.Fatalf("search after an interrupted one: %+v, %v", res, err)
	}
	// A finished search survives an interrupted forced one.
	ctx, o = interrupted()
	if _, err := SearchFile(ctx, path, o, true); err == nil {
		t.Fatal("interrupted forced search: no error")
	}
	got, err = spikernn.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := got.Scaling; s == nil || s.OptScalingFactor != full.Best || s.AllPerfs[2] != full.Perfs[2] {
		t.Fatalf("finished search lost: %+v", got.Scaling)
	}
}
