package gomlxmodels

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/compute"
	"github.com/spikernn/spikernn/spikernn"
)

// refModel is an independent float64 implementation of the rate network's
// loss and its gradient by plain backpropagation through time, written step
// by step from spec 1.2-1.3 without any of the graph's rearrangements.
type refModel struct {
	N, NIn, K      int
	act            spikernn.Activation
	lossFn         spikernn.LossFn
	dale, tauTrain bool
	tauMin, tauMax float64
	w, m, som, win [][]float64 // w, m, som_m: N x N; win: N x NIn
	wout, tg       []float64
	bout           float64
	u, noise       [][][]float64 // per trial: [K][NIn], [K][N]
	x0             [][]float64   // per trial: [N]
	z              [][]float64   // per trial: [K]
}

func newRefModel(net *spikernn.Network, s netSpec, bt *batch) *refModel {
	N, B, K := s.N, s.B, s.steps()
	rm := &refModel{N: N, NIn: s.NIn, K: K, act: s.Act, lossFn: s.LossFn, dale: s.Dale, tauTrain: s.TauTrain,
		tauMin: s.TauMin, tauMax: s.TauMax, bout: net.BOut,
		wout: append([]float64(nil), net.WOut...), tg: append([]float64(nil), net.TausGaus...)}
	mat2 := func(get func(i, j int) float64, r, c int) [][]float64 {
		out := make([][]float64, r)
		for i := range out {
			out[i] = make([]float64, c)
			for j := range out[i] {
				out[i][j] = get(i, j)
			}
		}
		return out
	}
	rm.w = mat2(net.W.At, N, N)
	rm.m = mat2(net.M.At, N, N)
	rm.som = mat2(net.SomM.At, N, N)
	rm.win = mat2(net.WIn.At, N, s.NIn)
	for b := range B {
		u := make([][]float64, K)
		n := make([][]float64, K)
		z := make([]float64, K)
		for k := range K {
			u[k] = make([]float64, s.NIn)
			for c := range s.NIn {
				u[k][c] = float64(bt.u[(k*B+b)*s.NIn+c])
			}
			n[k] = make([]float64, N)
			for i := range N {
				n[k][i] = float64(bt.noise[(k*B+b)*N+i])
			}
			z[k] = float64(bt.z[k*B+b])
		}
		x0 := make([]float64, N)
		for i := range N {
			x0[i] = float64(bt.x0[b*N+i])
		}
		rm.u, rm.noise, rm.z, rm.x0 = append(rm.u, u), append(rm.noise, n), append(rm.z, z), append(rm.x0, x0)
	}
	return rm
}

func (rm *refModel) phi(x float64) float64 {
	switch rm.act {
	case spikernn.ClippedReLU:
		return math.Min(math.Max(x, 0), 20)
	case spikernn.Softplus:
		return math.Min(math.Log1p(math.Exp(-math.Abs(x)))+math.Max(x, 0), 20)
	}
	return 1 / (1 + math.Exp(-x))
}

func (rm *refModel) dphi(x float64) float64 {
	switch rm.act {
	case spikernn.ClippedReLU:
		if x > 0 && x <= 20 {
			return 1
		}
		return 0
	case spikernn.Softplus:
		if math.Log1p(math.Exp(-math.Abs(x)))+math.Max(x, 0) <= 20 {
			return 1 / (1 + math.Exp(-x))
		}
		return 0
	}
	s := 1 / (1 + math.Exp(-x))
	return s * (1 - s)
}

func (rm *refModel) weff() [][]float64 {
	N := rm.N
	out := make([][]float64, N)
	for i := range N {
		out[i] = make([]float64, N)
		for j := range N {
			var s float64
			for k := range N {
				w := rm.w[i][k]
				if rm.dale {
					w = math.Max(w, 0)
				}
				s += w * rm.m[k][j]
			}
			out[i][j] = s * rm.som[i][j]
		}
	}
	return out
}

func (rm *refModel) alpha() []float64 {
	a := make([]float64, rm.N)
	for i := range a {
		tau := rm.tauMin
		if rm.tauTrain {
			tau = 1/(1+math.Exp(-rm.tg[i]))*(rm.tauMax-rm.tauMin) + rm.tauMin
		}
		a[i] = 1 / tau
	}
	return a
}

// lossAndGrads returns the batch-mean loss and its gradients with respect
// to w, w_out, b_out and taus_gaus.
func (rm *refModel) lossAndGrads() (loss float64, gw [][]float64, gwout []float64, gbout float64, gtg []float64) {
	N, K, B := rm.N, rm.K, len(rm.x0)
	W := rm.weff()
	a := rm.alpha()
	gW := make([][]float64, N)
	for i := range gW {
		gW[i] = make([]float64, N)
	}
	gwout = make([]float64, N)
	ga := make([]float64, N)
	for b := range B {
		xs := make([][]float64, K+1)
		rs := make([][]float64, K+1)
		hs := make([][]float64, K+1)
		xs[0] = append([]float64(nil), rm.x0[b]...)
		rs[0] = make([]float64, N)
		for i := range N {
			rs[0][i] = rm.phi(xs[0][i])
		}
		o := make([]float64, K+1)
		for t := 1; t <= K; t++ {
			xs[t], rs[t], hs[t] = make([]float64, N), make([]float64, N), make([]float64, N)
			for i := range N {
				h := 0.0
				for j := range N {
					h += W[i][j] * rs[t-1][j]
				}
				for c := range rm.NIn {
					h += rm.win[i][c] * rm.u[b][t-1][c]
				}
				hs[t][i] = h
				xs[t][i] = (1-a[i])*xs[t-1][i] + a[i]*h + rm.noise[b][t-1][i]
				rs[t][i] = rm.phi(xs[t][i])
			}
			o[t] = rm.bout
			for i := range N {
				o[t] += rm.wout[i] * rs[t][i]
			}
		}
		var l float64
		for t := 1; t <= K; t++ {
			d := o[t] - rm.z[b][t-1]
			if rm.lossFn == spikernn.LossL1 {
				l += math.Abs(d)
			} else {
				l += d * d
			}
		}
		if rm.lossFn != spikernn.LossL1 {
			l = math.Sqrt(l)
		}
		loss += l / float64(B)
		delta := make([]float64, N) // dL/dx_{t+1}
		for t := K; t >= 1; t-- {
			d := o[t] - rm.z[b][t-1]
			var do float64
			if rm.lossFn == spikernn.LossL1 {
				do = math.Copysign(1, d)
				if d == 0 {
					do = 0
				}
			} else {
				do = d / l
			}
			do /= float64(B)
			gbout += do
			for i := range N {
				gwout[i] += do * rs[t][i]
			}
			next := make([]float64, N)
			for j := range N {
				dr := do * rm.wout[j]
				for i := range N {
					dr += W[i][j] * a[i] * delta[i]
				}
				next[j] = dr*rm.dphi(xs[t][j]) + (1-a[j])*delta[j]
			}
			delta = next
			for i := range N {
				for j := range N {
					gW[i][j] += a[i] * delta[i] * rs[t-1][j]
				}
				ga[i] += delta[i] * (hs[t][i] - xs[t-1][i])
			}
		}
	}
	// W_eff = (relu(w) @ m) * som: dL/dw = ((gW * som) @ m^T) * relu'(w).
	gw = make([][]float64, N)
	for i := range N {
		gw[i] = make([]float64, N)
		for k := range N {
			var s float64
			for j := range N {
				s += gW[i][j] * rm.som[i][j] * rm.m[k][j]
			}
			if rm.dale && !(rm.w[i][k] > 0) {
				s = 0
			}
			gw[i][k] = s
		}
	}
	if rm.tauTrain {
		gtg = make([]float64, N)
		for i := range N {
			sig := 1 / (1 + math.Exp(-rm.tg[i]))
			tau := sig*(rm.tauMax-rm.tauMin) + rm.tauMin
			gtg[i] = ga[i] * (-1 / (tau * tau)) * (rm.tauMax - rm.tauMin) * sig * (1 - sig)
		}
	}
	return
}

func (rm *refModel) loss() float64 {
	l, _, _, _, _ := rm.lossAndGrads()
	return l
}

// compareGrad checks got (float32, from the graph) against want with a
// tolerance relative to the largest entry of want.
func compareGrad(t *testing.T, name string, got []float32, want []float64, rel float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	scale := 0.0
	for _, v := range want {
		scale = math.Max(scale, math.Abs(v))
	}
	if scale == 0 {
		scale = 1
	}
	worst, at := 0.0, 0
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); d > worst {
			worst, at = d, i
		}
	}
	if worst > rel*scale {
		t.Errorf("%s: entry %d = %g, want %g (max |diff| %.3g > %.1g x max |grad| %.3g)", name, at, got[at], want[at], worst, rel, scale)
	}
}

func flatten(m [][]float64) []float64 {
	var out []float64
	for _, r := range m {
		out = append(out, r...)
	}
	return out
}

type gradCase struct {
	name string
	cfg  func(*spikernn.Config)
}

var gradCases = []gradCase{
	{"sigmoid-l2-dale-taus", func(c *spikernn.Config) {}},
	{"sigmoid-l1-dale-taus", func(c *spikernn.Config) { c.LossFn = spikernn.LossL1 }},
	{"clipped_relu-l2-dale-fixedtau", func(c *spikernn.Config) { c.Activation = spikernn.ClippedReLU; c.Taus = []float64{5} }},
	{"softplus-l2-nodale-taus", func(c *spikernn.Config) { c.Activation = spikernn.Softplus; c.ApplyDale = false; c.Gain = 1 }},
	{"sigmoid-l2-som-taus", func(c *spikernn.Config) { c.SomN = 2; c.PInh = 0.4 }},
	{"sigmoid-l2-xor-taus", func(c *spikernn.Config) { c.Task = "xor" }},
	{"sigmoid-l2-mante-taus", func(c *spikernn.Config) { c.Task = "mante"; c.Taus = []float64{4, 10} }},
}

// smallNet builds a small network with a few Go trials in a batch.
func smallNet(t *testing.T, gc gradCase, N, B int) (*spikernn.Network, spikernn.Task, netSpec, *batch) {
	t.Helper()
	cfg := spikernn.DefaultConfig("go-nogo")
	cfg.N = N
	cfg.PRec = 0.5
	gc.cfg(&cfg)
	net, err := spikernn.NewNetwork(cfg, 7)
	if err != nil {
		t.Fatal(err)
	}
	// A non-zero readout bias and larger readout weights make every
	// gradient visible.
	net.BOut = 0.1
	for i := range net.WOut {
		net.WOut[i] *= 30
	}
	task, _ := spikernn.LookupTask(cfg.Task)
	s := specFor(testBackend(t), net, task, B)
	return net, task, s, makeBatch(task, s, trainStream(3, 0, B), true, 1)
}

// TestGradientsMatchReference compares the graph's gradients (written-out
// BPTT and GoMLX's autodiff) with the independent float64 BPTT for every
// trained variable, with the noise fixed (fed as input).
func TestGradientsMatchReference(t *testing.T) {
	be, err := Backend("")
	if err != nil {
		t.Fatal(err)
	}
	for _, gc := range gradCases {
		t.Run(gc.name, func(t *testing.T) {
			net, task, s, bt := smallNet(t, gc, 12, 2)
			rm := newRefModel(net, s, bt)
			wantLoss, gw, gwout, gbout, gtg := rm.lossAndGrads()
			for _, autodiff := range []bool{false, true} {
				t.Run(fmt.Sprintf("autodiff=%v", autodiff), func(t *testing.T) {
					loss, gs, err := gradients(be, net, task, bt, autodiff)
					if autodiff && compute.IsNotImplemented(err) {
						t.Skipf("GoMLX's autodiff needs an operation this backend lacks: %v", err)
					}
					if err != nil {
						t.Fatal(err)
					}
					if math.Abs(loss-wantLoss) > 1e-4*math.Max(1, math.Abs(wantLoss)) {
						t.Errorf("loss = %v, want %v", loss, wantLoss)
					}
					if len(gs) != s.numVars() {
						t.Fatalf("%d gradients, want %d", len(gs), s.numVars())
					}
					compareGrad(t, "w", gs[0], flatten(gw), 2e-3)
					compareGrad(t, "w_out", gs[1], gwout, 2e-3)
					compareGrad(t, "b_out", gs[2], []float64{gbout}, 2e-3)
					if s.TauTrain {
						compareGrad(t, "taus_gaus", gs[3], gtg, 2e-3)
					}
				})
			}
		})
	}
}

// TestReferenceGradientsFiniteDifferences checks the float64 reference BPTT
// itself against central finite differences of its loss.
func TestReferenceGradientsFiniteDifferences(t *testing.T) {
	for _, gc := range gradCases {
		if gc.name == "clipped_relu-l2-dale-fixedtau" {
			continue // kinks: finite differences are unreliable
		}
		t.Run(gc.name, func(t *testing.T) {
			net, _, s, bt := smallNet(t, gc, 8, 1)
			rm := newRefModel(net, s, bt)
			_, gw, gwout, gbout, gtg := rm.lossAndGrads()
			const h = 1e-6
			check := func(name string, p *float64, want float64) {
				t.Helper()
				old := *p
				*p = old + h
				lp := rm.loss()
				*p = old - h
				lm := rm.loss()
				*p = old
				fd := (lp - lm) / (2 * h)
				if math.Abs(fd-want) > 1e-5*math.Max(1, math.Abs(fd)) {
					t.Errorf("%s: BPTT %g, finite differences %g", name, want, fd)
				}
			}
			for i := range s.N {
				for j := range s.N {
					if rm.dale && rm.w[i][j] == 0 {
						continue // relu's kink: one-sided
					}
					check(fmt.Sprintf("w[%d][%d]", i, j), &rm.w[i][j], gw[i][j])
				}
				check(fmt.Sprintf("w_out[%d]", i), &rm.wout[i], gwout[i])
				if rm.tauTrain {
					check(fmt.Sprintf("taus_gaus[%d]", i), &rm.tg[i], gtg[i])
				}
			}
			check("b_out", &rm.bout, gbout)
		})
	}
}
