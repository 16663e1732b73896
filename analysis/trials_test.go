package analysis

import (
	"context"
	"math"
	"testing"

	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/spikernn"
)

func TestContextTask(t *testing.T) {
	conds, err := ContextGrid([]float64{0.1, 0.5})
	if err != nil || len(conds) != 32 {
		t.Fatalf("ContextGrid: %d conditions, %v; want 32", len(conds), err)
	}
	task, err := ContextTask(conds)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[Condition]bool{}
	for i := range 400 {
		rng := spikernn.SubRand(5, uint64(i))
		tr := task.SpikingTrial(rng)
		c := Condition{int(tr.Info["context"]), tr.Info["offset1"], tr.Info["offset2"]}
		seen[c] = true
		cued := map[int]float64{1: c.Offset1, 2: c.Offset2}[c.Context]
		if tr.Label != math.Copysign(1, cued) {
			t.Fatalf("condition %+v: label %v", c, tr.Label)
		}
		rows, cols := tr.U.Dims()
		if rows != 4 || cols != 501 || tr.U.At(1+c.Context, 500) != 1 || tr.U.At(4-c.Context, 10) != 0 {
			t.Fatalf("spiking input %dx%d, context rows wrong", rows, cols)
		}
		// The stimulus mean is the offset (200 N(0,1) draws: SE 0.07).
		var m float64
		for k := 50; k < 250; k++ {
			m += tr.U.At(0, k) / 200
		}
		if math.Abs(m-c.Offset1) > 0.3 || tr.U.At(0, 49) != 0 || tr.U.At(0, 250) != 0 {
			t.Fatalf("condition %+v: input 1 mean %v over the stimulus", c, m)
		}
	}
	if len(seen) != 32 {
		t.Errorf("400 trials drew %d of the 32 conditions", len(seen))
	}
	for _, bad := range [][]Condition{nil, {{3, 0.1, 0.1}}, {{1, 0, 0.1}}, {{1, 0.1, math.NaN()}}} {
		if _, err := ContextTask(bad); err == nil {
			t.Errorf("ContextTask(%v): no error", bad)
		}
	}
	if _, err := ContextGrid([]float64{-1}); err == nil {
		t.Error("negative magnitude: no error")
	}
}

func TestCollectors(t *testing.T) {
	cfg := spikernn.DefaultConfig("mante")
	cfg.N = 20
	net, err := spikernn.NewNetwork(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	task, _ := ContextTask([]Condition{{2, 0.2, -0.35}})
	ctx := context.Background()
	d, err := RateTrials(ctx, net, task, CollectOptions{Trials: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Rates) != 3 || len(d.Rates[0]) != 20 || len(d.Rates[0][0]) != 50 || len(d.Counts[2]) != 20 {
		t.Fatalf("rate data: %d trials, %d units, %d bins", len(d.Rates), len(d.Rates[0]), len(d.Rates[0][0]))
	}
	if v := d.Vars[0]; v.Context != -1 || v.Offset1 != 0.2 || v.Offset2 != -0.35 || math.Abs(v.Choice) != 1 {
		t.Errorf("vars %+v", v)
	}
	if testing.Short() {
		t.Skip("the spiking trials take a few seconds")
	}
	lif, err := lifsim.FromRate(net, 50, lifsim.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	s, err := SpikingTrials(ctx, lif, task, CollectOptions{Trials: 2, Seed: 1, Bin: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Rates) != 2 || len(s.Rates[1][0]) != 25 {
		t.Fatalf("spiking data: %d trials, %d bins", len(s.Rates), len(s.Rates[1][0]))
	}
	// The binned spikes add up to the spike counts (which skip the first 9 steps).
	ev, _ := lif.Evaluate(ctx, lifsim.EvalOptions{Task: task, Trials: 2, Seed: 1, Keep: true})
	for u := range 20 {
		var sum float64
		for _, r := range s.Rates[1][u] {
			sum += r * 0.1
		}
		if n := float64(len(ev.Results[1].SpikesOf(u))); math.Abs(sum-n) > 1e-6 || s.Counts[1][u] > n {
			t.Errorf("unit %d: %v binned spikes, %v spikes, count %v", u, sum, n, s.Counts[1][u])
		}
	}
	if _, err := RateTrials(ctx, net, task, CollectOptions{Bin: 0.007}); err == nil {
		t.Error("bin 7 ms: no error")
	}
	if _, err := SpikingTrials(ctx, nil, task, CollectOptions{}); err == nil {
		t.Error("nil network: no error")
	}
}
