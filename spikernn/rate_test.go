package spikernn

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// naiveRun transcribes spec 1.2 with matrix products, without noise and with
// x_0 = 0.
func naiveRun(net *Network, u *mat.Dense) []float64 {
	phi, _ := ActivationFunc(net.Config.Activation)
	N := net.N()
	relu := mat.DenseCopyOf(net.W)
	if net.Config.ApplyDale {
		relu.Apply(func(_, _ int, v float64) float64 { return max(v, 0) }, relu)
	}
	var weff mat.Dense
	weff.Mul(relu, net.M)
	weff.MulElem(&weff, net.SomM)
	taus := net.TausSteps()
	x := mat.NewVecDense(N, nil)
	r := mat.NewVecDense(N, nil)
	for i := range N {
		r.SetVec(i, phi(0))
	}
	_, T := u.Dims()
	var o []float64
	for t := 1; t < T; t++ {
		var rec, in mat.VecDense
		rec.MulVec(&weff, r)
		in.MulVec(net.WIn, u.ColView(t-1))
		next := mat.NewVecDense(N, nil)
		for i := range N {
			a := 1 / taus[i]
			next.SetVec(i, (1-a)*x.AtVec(i)+a*(rec.AtVec(i)+in.AtVec(i)))
		}
		x = next
		var out float64
		for i := range N {
			r.SetVec(i, phi(x.AtVec(i)))
			out += net.WOut[i] * r.AtVec(i)
		}
		o = append(o, out+net.BOut)
	}
	return o
}

func TestRunMatchesSpec(t *testing.T) {
	for _, act := range Activations() {
		for _, task := range []string{"go-nogo", "mante"} {
			cfg := DefaultConfig(task)
			cfg.N, cfg.Activation, cfg.SomN = 40, act, 2
			net := mustNet(t, cfg, 9)
			net.BOut = 0.3
			// Make the readout large enough that the output is not ~0.
			for i := range net.WOut {
				net.WOut[i] *= 50
			}
			tr := mustTask(t, task).NewTrial(NewRand(1))
			got, err := net.Run(tr.U, RunOptions{Record: true})
			if err != nil {
				t.Fatal(err)
			}
			want := naiveRun(net, tr.U)
			if len(got.O) != len(want) || len(want) != tr.U.RawMatrix().Cols-1 {
				t.Fatalf("%d outputs, want %d", len(got.O), len(want))
			}
			for k := range want {
				if math.Abs(got.O[k]-want[k]) > 1e-9*(1+math.Abs(want[k])) {
					t.Fatalf("%s/%s: o[%d] = %v, want %v", task, act, k, got.O[k], want[k])
				}
			}
			if r, c := got.X.Dims(); r != 40 || c != tr.U.RawMatrix().Cols {
				t.Fatalf("recorded x is %dx%d", r, c)
			}
		}
	}
}

func mustTask(t *testing.T, name string) Task {
	t.Helper()
	task, err := LookupTask(name)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func TestRunNoiseStatistics(t *testing.T) {
	// With no recurrent or input drive, x_t = (1-a) x_{t-1} + N(0,1)/10 is an
	// AR(1) process whose stationary variance is 0.01 / (1 - (1-a)^2).
	cfg := DefaultConfig("go-nogo")
	cfg.N, cfg.Taus = 100, []float64{4}
	net := mustNet(t, cfg, 1)
	net.W.Zero()
	net.WIn.Zero()
	rng := NewRand(5)
	u := mat.NewDense(1, 200, nil)
	var sum, sq float64
	n := 0
	for range 20 {
		res, err := net.Run(u, RunOptions{Rng: rng, Record: true})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 100 {
			for k := 50; k < 200; k += 10 { // every 10th step: nearly independent
				v := res.X.At(i, k)
				sum += v
				sq += v * v
				n++
			}
		}
	}
	a := 0.25
	want := 0.01 / (1 - (1-a)*(1-a))
	mean := sum / float64(n)
	within(t, "noise mean", mean, 0, math.Sqrt(want/float64(n)), 5)
	within(t, "stationary variance", sq/float64(n)-mean*mean, want, want*math.Sqrt(2/float64(n))*1.5, 5)
}

func TestLoss(t *testing.T) {
	o := []float64{1, 2, 3}
	z := []float64{0, 0, 1, 99} // z has T entries, o has T-1
	if got := Loss(o, z, LossL2); math.Abs(got-math.Sqrt(1+4+4)) > 1e-12 {
		t.Errorf("l2 = %v, want 3", got)
	}
	if got := Loss(o, z, LossL1); got != 5 {
		t.Errorf("l1 = %v, want 5", got)
	}
}

func TestEvaluateDeterministicAcrossWorkers(t *testing.T) {
	cfg := DefaultConfig("xor")
	cfg.N = 60
	net := mustNet(t, cfg, 3)
	task := mustTask(t, "xor")
	a, err := net.Evaluate(context.Background(), EvalOptions{Task: task, Trials: 12, Seed: 8, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := net.Evaluate(context.Background(), EvalOptions{Task: task, Trials: 12, Seed: 8, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Losses {
		if a.Losses[i] != b.Losses[i] || a.Outputs[i][100] != b.Outputs[i][100] {
			t.Fatalf("trial %d differs between 1 and 4 workers", i)
		}
	}
	if a.MeanLoss != b.MeanLoss || a.Perf != b.Perf {
		t.Fatal("means differ")
	}
	if conds := a.Conds; len(conds) != 12 || (conds[0] != "same" && conds[0] != "diff") {
		t.Fatalf("conditions %v", conds)
	}
	if r, c := a.OutputMatrix().Dims(); r != 12 || c != 299 {
		t.Fatalf("eval_os is %dx%d", r, c)
	}
}

func TestRunErrors(t *testing.T) {
	cfg := DefaultConfig("mante")
	cfg.N = 10
	net := mustNet(t, cfg, 1)
	if _, err := net.Run(mat.NewDense(1, 10, nil), RunOptions{}); err == nil {
		t.Fatal("wrong input rows must be an error")
	}
	net.W.Set(0, 1, math.NaN())
	tr := NewMante().NewTrial(NewRand(1))
	if _, err := net.Run(tr.U, RunOptions{}); err == nil {
		t.Fatal("divergence must be an error")
	}
}
