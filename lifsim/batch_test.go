package lifsim

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

// batchCase is a network and a set of inputs for the batched kernel.
type batchCase struct {
	name   string
	task   string
	N      int
	s      float64
	dense  bool
	inputs func(k int) *mat.Dense
}

func batchCases() []batchCase {
	goNoGo := spikernn.NewGoNoGo()
	mante := spikernn.NewMante()
	return []batchCase{
		// Short inputs (stimulus at different columns per trial), a
		// strongly driven network.
		{name: "short-sparse", task: "go-nogo", N: 60, s: 10, inputs: func(k int) *mat.Dense {
			u := shortGoInput(41)
			if k%3 == 1 {
				u = mat.NewDense(1, 41, nil)
			}
			if k%3 == 2 {
				u.Set(0, 20, 2)
			}
			return u
		}},
		{name: "short-dense-W", task: "go-nogo", N: 60, s: 10, dense: true, inputs: func(k int) *mat.Dense { return shortGoInput(41) }},
		// N not a multiple of 8 or 4: the readout's one-by-one tail.
		{name: "odd-N", task: "go-nogo", N: 37, s: 8, inputs: func(k int) *mat.Dense { return shortGoInput(31) }},
		{name: "tiny-N", task: "go-nogo", N: 3, s: 1, inputs: func(k int) *mat.Dense { return shortGoInput(31) }},
		// Whole Go/NoGo trials of the paper's size.
		{name: "go-nogo-N200", task: "go-nogo", N: 200, s: 25, inputs: func(k int) *mat.Dense {
			return goNoGo.SpikingTrial(spikernn.SubRand(3, uint64(k))).U
		}},
		{name: "mante-4-inputs", task: "mante", N: 50, s: 10, inputs: func(k int) *mat.Dense {
			u := mante.SpikingTrial(spikernn.SubRand(5, uint64(k))).U
			return u.Slice(0, 4, 0, 61).(*mat.Dense)
		}},
	}
}

// TestBatchMatchesSingle: every lane of the batched kernel gives exactly
// (bit for bit) the output trace, spikes, spike counts and initial voltages
// of Network.Run with the same seed and stream, for batches of every size
// and for a trial at any lane.
func TestBatchMatchesSingle(t *testing.T) {
	for ci, c := range batchCases() {
		t.Run(c.name, func(t *testing.T) {
			if c.N >= 200 && testing.Short() {
				t.Skip("whole trials in -short mode")
			}
			rate := testNet(t, c.task, c.N, uint64(20+ci))
			forceDense = c.dense
			net, err := FromRate(rate, c.s, DefaultParams())
			forceDense = false
			if err != nil {
				t.Fatal(err)
			}
			if !net.canBatch() {
				t.Fatal("the batched kernel does not apply")
			}
			const seed = 77
			ntr := 11
			if c.N >= 200 {
				ntr = 9
			}
			// The single-trial results.
			want := make([]*Result, ntr)
			spikes := 0
			for k := range ntr {
				want[k], err = net.Run(c.inputs(k), RunOptions{Seed: seed, Stream: uint64(k)})
				if err != nil {
					t.Fatal(err)
				}
				spikes += len(want[k].Spikes)
			}
			if spikes < 10*ntr {
				t.Errorf("only %d spikes in %d trials: the case does not exercise the network", spikes, ntr)
			}
			b := net.newBatch()
			check := func(k int, out []float64, r *Result, what string) {
				t.Helper()
				w := want[k]
				if !slices.Equal(out, w.Out) {
					i := 0
					for i < len(out) && i < len(w.Out) && out[i] == w.Out[i] {
						i++
					}
					t.Fatalf("%s: trial %d: output differs from Run's at step %d (of %d/%d)", what, k, i+1, len(out), len(w.Out))
				}
				if r == nil {
					return
				}
				if !slices.Equal(r.Spikes, w.Spikes) {
					t.Fatalf("%s: trial %d: %d spikes, Run %d (%s)", what, k, len(r.Spikes), len(w.Spikes), firstDiff(r.Spikes, w.Spikes))
				}
				if !slices.Equal(r.Counts, w.Counts) || !slices.Equal(r.V0, w.V0) {
					t.Fatalf("%s: trial %d: counts or initial voltages differ", what, k)
				}
			}
			// Batches of every size, trials at different lanes.
			for m := 1; m <= lanes; m++ {
				for first := 0; first+m <= ntr; first += max(1, ntr-m) {
					trials := make([]laneTrial, m)
					res := make([]*Result, m)
					for q := range m {
						trials[q] = laneTrial{u: c.inputs(first + q), seed: seed, stream: uint64(first + q)}
						if q%2 == 0 {
							res[q] = &Result{Counts: make([]int, c.N), V0: make([]float64, c.N)}
						}
					}
					outs, dt, err := b.run(trials, res, true)
					if err != nil {
						t.Fatal(err)
					}
					if dt != want[0].Dt {
						t.Fatalf("dt %v, want %v", dt, want[0].Dt)
					}
					for q := range m {
						check(first+q, outs[q], res[q], "batch")
					}
				}
			}
			// Counts without the spike list.
			trials := []laneTrial{{u: c.inputs(1), seed: seed, stream: 1}, {u: c.inputs(2), seed: seed, stream: 2}}
			res := []*Result{{Counts: make([]int, c.N), V0: make([]float64, c.N)}, nil}
			outs, _, err := b.run(trials, res, false)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res[0].Counts, want[1].Counts) || res[0].Spikes != nil || !slices.Equal(outs[1], want[2].Out) {
				t.Fatal("batch without spike lists: counts or output differ")
			}
		})
	}
}

// TestBatchMixedLengths: a batch whose trials differ in length falls back
// to the single-trial kernel, with the same results.
func TestBatchMixedLengths(t *testing.T) {
	net, err := FromRate(testNet(t, "go-nogo", 40, 3), 10, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	us := []*mat.Dense{shortGoInput(41), shortGoInput(31), shortGoInput(41)}
	trials := make([]laneTrial, len(us))
	for k, u := range us {
		trials[k] = laneTrial{u: u, seed: 1, stream: uint64(k)}
	}
	outs, _, err := net.newBatch().run(trials, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	for k, u := range us {
		r, err := net.Run(u, RunOptions{Seed: 1, Stream: uint64(k)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(outs[k], r.Out) {
			t.Fatalf("trial %d differs", k)
		}
	}
	// A bad input names its trial.
	trials[1].u = mat.NewDense(2, 41, nil)
	if _, _, err := net.newBatch().run(trials, nil, false); err == nil {
		t.Fatal("no error for a bad input")
	} else if le, ok := err.(laneError); !ok || le.lane != 1 {
		t.Fatalf("error %v does not name lane 1", err)
	}
}

// TestEvaluateBatched: Evaluate on the batched kernel returns, for any
// number of workers, exactly the evaluation of one trial at a time (every
// Result, the scores and the mean rates).
func TestEvaluateBatched(t *testing.T) {
	rate := testNet(t, "go-nogo", 50, 4)
	net, err := FromRate(rate, 12, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	task := spikernn.NewGoNoGo()
	eval := func(workers int, batched bool) *Evaluation {
		t.Helper()
		defer setBatch(batched)()
		ev, err := net.Evaluate(context.Background(), EvalOptions{Task: task, Trials: 13, Seed: 9, StreamOffset: 4, Workers: workers, Keep: true})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	ref := eval(1, false)
	for _, w := range []int{1, 2, 3} {
		got := eval(w, true)
		if got.Perf != ref.Perf || !slices.Equal(got.Correct, ref.Correct) || !slices.Equal(got.Labels, ref.Labels) {
			t.Fatalf("workers %d: scores differ", w)
		}
		if got.ExcRate != ref.ExcRate || got.InhRate != ref.InhRate || got.MeanRate != ref.MeanRate {
			t.Fatalf("workers %d: rates %v %v %v, one at a time %v %v %v", w, got.ExcRate, got.InhRate, got.MeanRate, ref.ExcRate, ref.InhRate, ref.MeanRate)
		}
		for i, r := range got.Results {
			q := ref.Results[i]
			if !slices.Equal(r.Out, q.Out) || !slices.Equal(r.Spikes, q.Spikes) || !slices.Equal(r.Counts, q.Counts) ||
				!slices.Equal(r.Rates, q.Rates) || !slices.Equal(r.V0, q.V0) || r.Dt != q.Dt || r.Nt != q.Nt || r.TSec != q.TSec ||
				r.Stride != q.Stride || !sameFloat(r.ExcRate, q.ExcRate) || !sameFloat(r.InhRate, q.InhRate) {
				t.Fatalf("workers %d: trial %d's result differs", w, i)
			}
			if !slices.Equal(got.Outputs[i], r.Out) {
				t.Fatalf("workers %d: Outputs[%d] is not the result's output", w, i)
			}
		}
	}
	// Without Keep.
	defer setBatch(true)()
	noKeep, err := net.Evaluate(context.Background(), EvalOptions{Task: task, Trials: 13, Seed: 9, StreamOffset: 4, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(noKeep.Correct, ref.Correct) || noKeep.MeanRate != ref.MeanRate || noKeep.Results != nil {
		t.Fatal("evaluation without Keep differs")
	}
}

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// TestSearchBatched: the grid search gives the same scores with the batched
// kernel as one trial at a time, for 1 and 2 workers, with a number of
// trials that leaves a partial batch.
func TestSearchBatched(t *testing.T) {
	rate := testNet(t, "go-nogo", 40, 5)
	opt := SearchOptions{Factors: []float64{5, 15, 40}, Trials: 11, Seed: 3}
	search := func(workers int, batched bool) *SearchResult {
		t.Helper()
		defer setBatch(batched)()
		o := opt
		o.Workers = workers
		r, err := GridSearch(context.Background(), rate, o)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	ref := search(1, false)
	for _, w := range []int{1, 2} {
		got := search(w, true)
		if !slices.Equal(got.Perfs, ref.Perfs) || got.Best != ref.Best {
			t.Fatalf("workers %d: perfs %v, one at a time %v", w, got.Perfs, ref.Perfs)
		}
		for k := range got.Correct {
			if !slices.Equal(got.Correct[k], ref.Correct[k]) || !slices.Equal(got.Labels[k], ref.Labels[k]) {
				t.Fatalf("workers %d: factor %v: trials differ", w, opt.Factors[k])
			}
		}
	}
	if slices.Min(ref.Perfs) == slices.Max(ref.Perfs) {
		t.Logf("perfs %v: all equal", ref.Perfs)
	}
}

// TestNormalsLanes: the interleaved generator gives every lane the draws of
// its own FastNoise, also across calls and for odd lengths.
func TestNormalsLanes(t *testing.T) {
	for _, n := range []int{1, 2, 5, 200, 201} {
		var gs [lanes]FastNoise
		var ref [lanes]*FastNoise
		for l := range lanes {
			gs[l].Reset(6, uint64(100+l))
			ref[l] = NewNoise(6, uint64(100+l))
		}
		z := make([][lanes]float64, n)
		want := make([]float64, n)
		for step := range 300 {
			normalsLanes(&gs, z)
			for l := range lanes {
				ref[l].Normals(want)
				for k := range n {
					if z[k][l] != want[k] {
						t.Fatalf("n=%d step %d lane %d draw %d: %v, want %v", n, step, l, k, z[k][l], want[k])
					}
				}
			}
		}
	}
}

// setBatch sets useBatch and returns the function that restores it.
func setBatch(on bool) func() {
	prev := useBatch
	useBatch = on
	return func() { useBatch = prev }
}

// TestBatchedEqualsSingle: with the batched kernel on (as on AVX-512
// builds), a grid search and an evaluation give exactly the results of one
// trial at a time, for several networks (sparse and dense W, N not a
// multiple of 8, two tasks), numbers of trials that leave partial batches
// (every batch size from 1 to 8 occurs) and 1 to 3 workers.
func TestBatchedEqualsSingle(t *testing.T) {
	type netCase struct {
		task string
		N    int
		seed uint64
		opt  SearchOptions
	}
	cases := []netCase{
		{"go-nogo", 37, 2, SearchOptions{Factors: []float64{6, 20}, Trials: 9}},
		{"go-nogo", 64, 7, SearchOptions{Factors: []float64{10, 30, 55}, Trials: 15}},
		{"mante", 24, 3, SearchOptions{Factors: []float64{8}, Trials: 12}},
	}
	for _, c := range cases {
		rate := testNet(t, c.task, c.N, c.seed)
		search := func(workers int, batched bool) *SearchResult {
			t.Helper()
			defer setBatch(batched)()
			o := c.opt
			o.Seed, o.Workers = c.seed+11, workers
			r, err := GridSearch(context.Background(), rate, o)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		ref := search(1, false)
		for _, w := range []int{1, 2, 3} {
			got := search(w, true)
			if !slices.Equal(got.Perfs, ref.Perfs) || got.Best != ref.Best {
				t.Fatalf("%s N=%d workers %d: perfs %v, one at a time %v", c.task, c.N, w, got.Perfs, ref.Perfs)
			}
			for k := range got.Correct {
				if !slices.Equal(got.Correct[k], ref.Correct[k]) || !slices.Equal(got.Labels[k], ref.Labels[k]) {
					t.Fatalf("%s N=%d workers %d: factor %v: trials differ", c.task, c.N, w, c.opt.Factors[k])
				}
			}
		}
		net, err := FromRate(rate, c.opt.Factors[0], DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		eval := func(workers int, batched bool) *Evaluation {
			t.Helper()
			defer setBatch(batched)()
			ev, err := net.Evaluate(context.Background(), EvalOptions{Trials: c.opt.Trials + 2, Seed: c.seed, Workers: workers, Keep: true})
			if err != nil {
				t.Fatal(err)
			}
			return ev
		}
		eref := eval(1, false)
		for _, w := range []int{1, 3} {
			got := eval(w, true)
			if !slices.Equal(got.Correct, eref.Correct) || got.MeanRate != eref.MeanRate {
				t.Fatalf("%s N=%d workers %d: evaluation differs", c.task, c.N, w)
			}
			for i, r := range got.Results {
				q := eref.Results[i]
				if !slices.Equal(r.Out, q.Out) || !slices.Equal(r.Spikes, q.Spikes) || !slices.Equal(r.V0, q.V0) {
					t.Fatalf("%s N=%d workers %d: trial %d differs", c.task, c.N, w, i)
				}
			}
		}
	}
}
