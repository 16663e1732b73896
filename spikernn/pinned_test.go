package spikernn

import (
	"context"
	"fmt"
	"math"
	"testing"
)

// TestPinnedNumbers pins a few numbers that a seed determines, so that a
// change that alters results for the same seed (a reordered draw, a
// different stream split) fails here instead of passing unnoticed: the
// construction of a network, a task's trial and the rate network's output
// and evaluation. Change them only on purpose, and say so in the change.
func TestPinnedNumbers(t *testing.T) {
	cfg := DefaultConfig("go-nogo")
	cfg.N = 50
	net := mustNet(t, cfg, 7)
	got := fmt.Sprintf("w[0][1]=%.12g w[3][7]=%.12g w_in[5]=%.12g w_out[2]=%.12g taus_gaus[4]=%.12g inh=%d",
		net.W.At(0, 1), net.W.At(3, 7), net.WIn.At(5, 0), net.WOut[2], net.TausGaus[4], len(net.InhIndices()))
	pinEqual(t, "network (go-nogo N=50 seed 7)", got, pinnedNetwork)

	task, err := LookupTask("mante")
	if err != nil {
		t.Fatal(err)
	}
	tr := task.NewTrial(SubRand(11, 3))
	got = fmt.Sprintf("cond=%s label=%g u[0][60]=%.12g u[1][100]=%.12g", tr.Cond, tr.Label, tr.U.At(0, 60), tr.U.At(1, 100))
	pinEqual(t, "mante trial (SubRand(11, 3))", got, pinnedTrial)

	gn, _ := LookupTask("go-nogo")
	rng := SubRand(5, 0)
	res, err := net.Run(gn.NewTrial(rng).U, RunOptions{Rng: rng})
	if err != nil {
		t.Fatal(err)
	}
	pinClose(t, "rate output o[150]", res.O[150], pinnedOutput)
	ev, err := net.Evaluate(context.Background(), EvalOptions{Trials: 20, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	pinClose(t, "rate evaluation mean loss", ev.MeanLoss, pinnedEvalLoss)
}

const (
	pinnedNetwork  = "w[0][1]=0.612227022648 w[3][7]=0.565655350685 w_in[5]=1.75153136253 w_out[2]=0.00316703156568 taus_gaus[4]=0.134208843112 inh=11"
	pinnedTrial    = "cond=ctx2 + label=1 u[0][60]=-1.75178179229 u[1][100]=0.820076990364"
	pinnedOutput   = 0.0541247027475372
	pinnedEvalLoss = 6.62690073672096
)

func pinEqual(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got  %s\n want %s", what, got, want)
	}
}

// pinClose allows rounding differences of sums (different builds may add
// in another order), nothing more.
func pinClose(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.15g, want %.15g", what, got, want)
	}
}
