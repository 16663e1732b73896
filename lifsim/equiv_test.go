package lifsim

import (
	"fmt"
	"math"
	"testing"

	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

// testNet builds an untrained rate network of a task.
func testNet(t testing.TB, task string, N int, seed uint64) *spikernn.Network {
	t.Helper()
	cfg := spikernn.DefaultConfig(task)
	cfg.N = N
	net, err := spikernn.NewNetwork(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// shortGoInput is a Go trial shortened to cols columns (stimulus at columns
// 5..9), so the literal transcription stays quick.
func shortGoInput(cols int) *mat.Dense {
	u := mat.NewDense(1, cols, nil)
	for c := 5; c < 10 && c < cols; c++ {
		u.Set(0, c, 1)
	}
	return u
}

type equivCase struct {
	name     string
	task     string
	N        int
	s        float64
	p        Params
	u        *mat.Dense
	pert     *Perturbation
	randSrc  bool      // feed both from a math/rand stream instead of FastNoise
	dense    bool      // store W densely (it is sparse otherwise)
	taus     []float64 // decay constants of the rate network (default 4..20 steps)
	minSpike int       // the case must produce at least this many spikes
}

func equivCases(t *testing.T) []equivCase {
	lif := DefaultParams()
	qif := QIFParams()
	single := DefaultParams()
	single.Tr = 0
	qifSingle := QIFParams()
	qifSingle.Tr = 0
	down := DefaultParams()
	down.Downsample = 3
	initial := DefaultParams()
	initial.InitialWeights = true
	odd := DefaultParams()
	odd.Tref, odd.Tm, odd.VReset, odd.VPeak, odd.Bias, odd.Tr = 0, 0.02, -70, -45, -44, 0.004
	odd.NoiseSD = 0.3
	trIsTd := DefaultParams()
	trIsTd.Tr = 0.02 // equal to td of a network with a fixed decay of 4 steps
	mante := spikernn.NewMante().SpikingTrial(spikernn.NewRand(5)).U
	goTrial := spikernn.NewGoNoGo().SpikingTrial(spikernn.NewRand(2)).U
	return []equivCase{
		{name: "lif-double", task: "go-nogo", N: 60, s: 10, p: lif, u: shortGoInput(41), minSpike: 100},
		{name: "lif-double-full-trial", task: "go-nogo", N: 40, s: 10, p: lif, u: goTrial, minSpike: 100},
		{name: "lif-double-dense-W", task: "go-nogo", N: 60, s: 10, p: lif, u: shortGoInput(41), dense: true, minSpike: 100},
		{name: "qif-dense-W", task: "go-nogo", N: 60, s: 10, p: qif, u: shortGoInput(41), dense: true, minSpike: 100},
		{name: "lif-single", task: "go-nogo", N: 60, s: 10, p: single, u: shortGoInput(41), minSpike: 100},
		{name: "qif-double", task: "go-nogo", N: 60, s: 10, p: qif, u: shortGoInput(41), minSpike: 100},
		{name: "qif-single", task: "go-nogo", N: 60, s: 10, p: qifSingle, u: shortGoInput(41), minSpike: 100},
		{name: "downsample-3", task: "go-nogo", N: 60, s: 10, p: down, u: shortGoInput(62), minSpike: 100},
		{name: "initial-weights", task: "go-nogo", N: 60, s: 10, p: initial, u: shortGoInput(41), minSpike: 100},
		{name: "other-constants", task: "go-nogo", N: 60, s: 10, p: odd, u: shortGoInput(41), minSpike: 100},
		{name: "mante-4-inputs", task: "mante", N: 50, s: 10, p: lif, u: mante.Slice(0, 4, 0, 61).(*mat.Dense), minSpike: 100},
		{name: "perturb-exc", task: "go-nogo", N: 60, s: 10, p: lif, u: shortGoInput(41),
			pert: &Perturbation{Mode: PerturbExc, Start: 500, Stop: 2500, Units: []int{0, 3, 3, 7, 20, 59}}, minSpike: 100},
		{name: "perturb-inh-qif", task: "go-nogo", N: 60, s: 10, p: qif, u: shortGoInput(41),
			pert: &Perturbation{Mode: PerturbInh, Start: 1, Stop: 4001, Units: []int{1, 2, 5, 8, 13, 21, 34, 55}}, minSpike: 100},
		{name: "tr-equals-td", task: "go-nogo", N: 60, s: 10, p: trIsTd, u: shortGoInput(41), taus: []float64{4}, minSpike: 100},
		{name: "math-rand-stream", task: "go-nogo", N: 60, s: 10, p: lif, u: shortGoInput(41), randSrc: true,
			pert: &Perturbation{Mode: PerturbExc, Start: 100, Stop: 200, Units: []int{4}}, minSpike: 100},
	}
}

// TestEquivalence checks the fast simulator against the literal
// transcription of spec 4 on the same random stream: identical spikes (unit
// and step), identical spike counts, and output, voltage, filtered-rate and
// current traces equal to float rounding (the fast path multiplies by
// precomputed reciprocals where the spec divides).
func TestEquivalence(t *testing.T) {
	for ci, c := range equivCases(t) {
		t.Run(c.name, func(t *testing.T) {
			rate := testNet(t, c.task, c.N, uint64(10+ci))
			if c.taus != nil {
				cfg := rate.Config
				cfg.Taus = c.taus
				var err error
				if rate, err = spikernn.NewNetwork(cfg, uint64(10+ci)); err != nil {
					t.Fatal(err)
				}
			}
			forceDense = c.dense
			net, err := FromRate(rate, c.s, c.p)
			forceDense = false
			if err != nil {
				t.Fatal(err)
			}
			if net.Sparse() == c.dense {
				t.Fatalf("sparse storage %v", net.Sparse())
			}
			if c.name == "tr-equals-td" && net.consts.fast {
				t.Fatal("the fused kernel's readout would divide by exp(-dt/td) - exp(-dt/tr) = 0")
			}
			var nFast, nLit Noise = NewNoise(99, uint64(ci)), NewNoise(99, uint64(ci))
			if c.randSrc {
				nFast, nLit = RandNoise{spikernn.SubRand(4, 4)}, RandNoise{spikernn.SubRand(4, 4)}
			}
			fast, err := net.Run(c.u, RunOptions{Noise: nFast, Perturb: c.pert,
				Record: Recording{Voltage: true, Rates: true, Current: true}})
			if err != nil {
				t.Fatal(err)
			}
			mode, start, stop := "none", 0, 0
			var units []int
			if c.pert != nil {
				mode, start, stop = string(c.pert.Mode), c.pert.Start, c.pert.Stop
				units = dedupe(c.pert.Units)
			}
			taus := rate.TausSteps()
			wUsed := rate.EffectiveWeights()
			if c.p.InitialWeights {
				wUsed = rate.EffectiveWeights0()
			}
			lit := literalLIF(wUsed, rate.WIn, rate.WOut, taus, c.s, c.u, c.p, nLit, mode, start, stop, units)
			compareRuns(t, fast, lit, c.N)
			// Without recordings the fused kernel runs (for LIF with the
			// double filter): same spikes, same output to rounding.
			nFast2 := Noise(NewNoise(99, uint64(ci)))
			if c.randSrc {
				nFast2 = RandNoise{spikernn.SubRand(4, 4)}
			}
			fast2, err := net.Run(c.u, RunOptions{Noise: nFast2, Perturb: c.pert})
			if err != nil {
				t.Fatal(err)
			}
			compareSpikesOut(t, fast2, lit, c.N)
			if len(lit.spikes) < c.minSpike {
				t.Errorf("only %d spikes: the case does not exercise the network", len(lit.spikes))
			}
			t.Logf("%d steps, %d spikes, mean rate %.1f Hz", lit.nt, len(lit.spikes), fast.MeanRate)
		})
	}
}

func dedupe(x []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, v := range x {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func compareRuns(t *testing.T, fast *Result, lit literalResult, N int) {
	t.Helper()
	compareSpikesOut(t, fast, lit, N)
	near := func(what string, i int, got, want, tol float64) {
		t.Helper()
		if d := math.Abs(got - want); !(d <= tol*(1+math.Abs(want))) {
			t.Fatalf("%s at step %d: fast %.17g, literal %.17g (diff %.3g)", what, i, got, want, d)
		}
	}
	const tol = 1e-9
	for i := range lit.nt {
		for j := range N {
			near(fmt.Sprintf("v[%d]", j), i+1, fast.V.At(j, i), lit.V[i][j], tol)
			near(fmt.Sprintf("r[%d]", j), i+1, fast.R.At(j, i), lit.R[i][j], tol)
			near(fmt.Sprintf("IPSC[%d]", j), i+1, fast.IPSC.At(j, i), lit.IP[i][j], tol)
		}
	}
}

// compareSpikesOut checks spikes (exactly), counts, rates and the output
// trace (to 1e-9) against the literal transcription.
func compareSpikesOut(t *testing.T, fast *Result, lit literalResult, N int) {
	t.Helper()
	if fast.Dt != lit.dt || fast.TSec != lit.tsec || fast.Nt != lit.nt {
		t.Fatalf("dt/T/nt: fast %v %v %d, literal %v %v %d", fast.Dt, fast.TSec, fast.Nt, lit.dt, lit.tsec, lit.nt)
	}
	if len(fast.Spikes) != len(lit.spikes) {
		t.Fatalf("fast has %d spikes, literal %d (first difference: %s)", len(fast.Spikes), len(lit.spikes), firstDiff(fast.Spikes, lit.spikes))
	}
	for k := range fast.Spikes {
		if fast.Spikes[k] != lit.spikes[k] {
			t.Fatalf("spike %d: fast %+v, literal %+v", k, fast.Spikes[k], lit.spikes[k])
		}
	}
	for j := range N {
		if fast.Counts[j] != lit.counts[j] {
			t.Fatalf("unit %d: fast counts %d spikes from step 10, literal %d", j, fast.Counts[j], lit.counts[j])
		}
		if want := float64(lit.counts[j]) / lit.tsec; fast.Rates[j] != want {
			t.Fatalf("unit %d: rate %v Hz, want %v", j, fast.Rates[j], want)
		}
	}
	near := func(what string, i int, got, want, tol float64) {
		t.Helper()
		if d := math.Abs(got - want); !(d <= tol*(1+math.Abs(want))) {
			t.Fatalf("%s at step %d: fast %.17g, literal %.17g (diff %.3g)", what, i, got, want, d)
		}
	}
	const tol = 1e-9
	for i := range lit.nt {
		near("out", i+1, fast.Out[i], lit.out[i], tol)
	}
	if len(fast.V0) != N {
		t.Fatalf("V0 has %d entries", len(fast.V0))
	}
}

func firstDiff(a, b []spikernn.Spike) string {
	for k := range min(len(a), len(b)) {
		if a[k] != b[k] {
			return fmt.Sprintf("index %d: %+v vs %+v", k, a[k], b[k])
		}
	}
	return "at the end"
}
