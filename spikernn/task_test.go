package spikernn

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func constant(n int, v float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = v
	}
	return x
}

func TestGoNoGoTrials(t *testing.T) {
	task := NewGoNoGo()
	rng := NewRand(1)
	gos := 0
	const n = 4000
	for range n {
		tr := task.NewTrial(rng)
		if r, c := tr.U.Dims(); r != 1 || c != 200 || len(tr.Target) != 200 {
			t.Fatalf("shapes: u %dx%d, z %d", r, c, len(tr.Target))
		}
		for k := range 200 {
			u, z := tr.U.At(0, k), tr.Target[k]
			wantU, wantZ := 0.0, 0.0
			if tr.Label == 1 {
				if k >= 50 && k < 75 {
					wantU = 1
				}
				if k >= 75 {
					wantZ = 1
				}
			}
			if u != wantU || z != wantZ {
				t.Fatalf("label %v step %d: u=%v z=%v, want %v %v", tr.Label, k, u, z, wantU, wantZ)
			}
		}
		if tr.Label == 1 {
			gos++
		}
	}
	within(t, "Go fraction", float64(gos)/n, 0.5, math.Sqrt(0.25/n), 4)
}

func TestGoNoGoScoring(t *testing.T) {
	task := NewGoNoGo()
	goTr, nogoTr := Trial{Label: 1}, Trial{Label: 0}
	o := make([]float64, 199)
	o[74] = 5 // o[74] is before the window o[75:]
	if task.Correct(o, goTr) {
		t.Error("Go with no response in o[75:] scored correct")
	}
	if !task.Correct(o, nogoTr) {
		t.Error("NoGo silent in o[75:] scored incorrect")
	}
	o[150] = 0.71
	if !task.Correct(o, goTr) || task.Correct(o, nogoTr) {
		t.Error("a 0.71 peak: Go correct, NoGo incorrect")
	}
	o[150] = -0.31 // NoGo uses |o| on the rate side
	if task.Correct(o, nogoTr) {
		t.Error("NoGo with |o| = 0.31 scored correct")
	}
	// Spiking side: out(10000:end) at dt = 0.05 ms, no absolute value for NoGo.
	out := make([]float64, 20000)
	out[9997] = 1 // before the window (MATLAB index 9998)
	out[12000] = -0.9
	if task.SpikingCorrect(out, SpikingDt, goTr) || !task.SpikingCorrect(out, SpikingDt, nogoTr) {
		t.Error("spiking window must start at MATLAB index 10000 and NoGo ignores negative values")
	}
	out[9999] = 0.8 // MATLAB index 10000
	if !task.SpikingCorrect(out, SpikingDt, goTr) {
		t.Error("spiking Go peak at MATLAB index 10000 missed")
	}
	st := task.SpikingTrial(NewRand(3))
	if _, c := st.U.Dims(); c != 201 {
		t.Fatalf("spiking input has %d columns, want 201", c)
	}
	if c := task.Criterion(); c.Met(1500, 1, 1) || !c.Met(1501, 6.9, 0.96) || c.Met(2001, 7, 1) {
		t.Error("Go-NoGo stopping rule: loss < 7, perf > 0.95, tr > 1500")
	}
}

func TestManteTrials(t *testing.T) {
	task := NewMante()
	rng := NewRand(2)
	var sum1, sum2 float64
	ctx1 := 0
	const n = 400
	for range n {
		tr := task.NewTrial(rng)
		if r, c := tr.U.Dims(); r != 4 || c != 500 {
			t.Fatalf("mante u is %dx%d", r, c)
		}
		ctx := int(tr.Info["context"])
		if ctx == 1 {
			ctx1++
		}
		for k := range 500 {
			if tr.U.At(1+ctx, k) != 1 || tr.U.At(4-ctx, k) != 0 {
				t.Fatalf("context rows wrong at step %d (context %d)", k, ctx)
			}
			if (k < 50 || k >= 250) && (tr.U.At(0, k) != 0 || tr.U.At(1, k) != 0) {
				t.Fatalf("sensory input outside [50, 250) at %d", k)
			}
			wantZ := 0.0
			if k >= 250 {
				wantZ = tr.Label
			}
			if tr.Target[k] != wantZ {
				t.Fatalf("target[%d] = %v, want %v", k, tr.Target[k], wantZ)
			}
		}
		cued := tr.Info["offset1"]
		if ctx == 2 {
			cued = tr.Info["offset2"]
		}
		if math.Copysign(1, cued) != tr.Label {
			t.Fatalf("label %v is not the sign of the cued offset %v", tr.Label, cued)
		}
		// Input minus its offset should be standard normal noise.
		for k := 50; k < 250; k++ {
			sum1 += tr.U.At(0, k) - tr.Info["offset1"]
			sum2 += (tr.U.At(0, k) - tr.Info["offset1"]) * (tr.U.At(0, k) - tr.Info["offset1"])
		}
	}
	m := float64(n * 200)
	within(t, "noise mean", sum1/m, 0, 1/math.Sqrt(m), 4)
	within(t, "noise variance", sum2/m, 1, math.Sqrt(2/m), 4)
	within(t, "context 1 fraction", float64(ctx1)/n, 0.5, math.Sqrt(0.25/n), 4)

	plus, minus := Trial{Label: 1}, Trial{Label: -1}
	o := make([]float64, 499)
	o[298] = 0.8 // index 298 is before o[-200:] = o[299:]
	if task.Correct(o, plus) {
		t.Error("mante: response before the last 200 outputs counted")
	}
	o[299] = 0.8
	o[400] = -0.75
	if !task.Correct(o, plus) || !task.Correct(o, minus) {
		t.Error("mante: +1 needs max > 0.7, -1 needs min < -0.7 over o[-200:]")
	}
	out := make([]float64, 50000)
	out[25998] = -1
	if task.SpikingCorrect(out, SpikingDt, minus) {
		t.Error("mante spiking window starts at MATLAB index 26000")
	}
	out[25999] = -1
	if !task.SpikingCorrect(out, SpikingDt, minus) {
		t.Error("mante spiking -1 at MATLAB index 26000 missed")
	}
}

func TestXORTrials(t *testing.T) {
	task := NewXOR()
	rng := NewRand(4)
	counts := map[string]int{}
	for range 2000 {
		tr := task.NewTrial(rng)
		counts[tr.Cond]++
		s1, s2 := tr.Info["s1"], tr.Info["s2"]
		if tr.Label != s1*s2 {
			t.Fatal("label is not s1*s2")
		}
		for k := range 300 {
			w0, w1, wz := 0.0, 0.0, 0.0
			if k >= 50 && k < 100 {
				w0 = s1
			}
			if k >= 110 && k < 160 {
				w1 = s2
			}
			if k >= 170 && k < 270 {
				wz = tr.Label
			}
			if tr.U.At(0, k) != w0 || tr.U.At(1, k) != w1 || tr.Target[k] != wz {
				t.Fatalf("xor step %d wrong", k)
			}
		}
	}
	within(t, "same fraction", float64(counts["same"])/2000, 0.5, math.Sqrt(0.25/2000), 4)
	o := make([]float64, 299)
	o[199] = 0.9
	if task.Correct(o, Trial{Label: 1}) {
		t.Error("xor window starts at o[200]")
	}
	o[200] = 0.9
	if !task.Correct(o, Trial{Label: 1}) || task.Correct(o, Trial{Label: -1}) {
		t.Error("xor scoring")
	}
	out := make([]float64, 30000)
	out[19999] = 0.9
	if !task.SpikingCorrect(out, SpikingDt, Trial{Label: 1}) {
		t.Error("xor spiking window starts at MATLAB index 20000")
	}
}

func TestRegistry(t *testing.T) {
	names := strings.Join(TaskNames(), ",")
	for _, n := range []string{"go-nogo", "mante", "xor"} {
		if !strings.Contains(names, n) {
			t.Fatalf("task %s not registered: %s", n, names)
		}
	}
	if _, err := LookupTask("Go-NoGo"); err != nil {
		t.Fatal("lookup must be case-insensitive")
	}
	if _, err := LookupTask("nope"); err == nil || !strings.Contains(err.Error(), "go-nogo") {
		t.Fatalf("unknown task error should list the tasks: %v", err)
	}
	if err := RegisterTask(NewXOR()); err == nil {
		t.Fatal("registering a duplicate name must fail")
	}
	custom := &CustomTask{
		TaskName: "test-sustain", Inputs: 1, T: 60,
		Generate: func(rng *rand.Rand) Trial {
			u := mat.NewDense(1, 60, nil)
			u.Set(0, 10, 1)
			z := make([]float64, 60)
			for k := 20; k < 60; k++ {
				z[k] = 1
			}
			return Trial{U: u, Target: z, Label: 1}
		},
		Score: func(o []float64, tr Trial) bool { return maxOf(o[30:]) > 0.5 },
	}
	if err := RegisterTask(custom); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig("test-sustain")
	cfg.N = 20
	net := mustNet(t, cfg, 1)
	if net.NIn != 1 {
		t.Fatal("custom task inputs")
	}
	// Default spiking scoring resamples the output every 5 ms.
	out := make([]float64, 6000) // 0.3 s at 0.05 ms
	out[35*100-1] = 1            // time 175 ms = rate step 35 -> o[34]
	if !custom.SpikingCorrect(out, SpikingDt, Trial{Label: 1}) {
		t.Error("custom spiking default scoring")
	}
	if _, c := custom.SpikingTrial(NewRand(1)).U.Dims(); c != 61 {
		t.Error("custom spiking input should have T+1 columns")
	}
}
