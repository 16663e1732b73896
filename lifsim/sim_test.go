package lifsim

import (
	"math"
	"strings"
	"testing"

	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

// zeroNoise draws no membrane noise and uniforms of 0.5.
type zeroNoise struct{}

func (zeroNoise) Normals(dst []float64) { clear(dst) }
func (zeroNoise) Uniform() float64      { return 0.5 }

func goTrial(seed uint64) spikernn.Trial {
	return spikernn.NewGoNoGo().SpikingTrial(spikernn.NewRand(seed))
}

// TestFromRate checks the mapping of spec 4: W = w_eff/s stored by
// presynaptic unit, w_out/s, td from the decay constants.
func TestFromRate(t *testing.T) {
	rate := testNet(t, "go-nogo", 30, 3)
	const s = 25.0
	net, err := FromRate(rate, s, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	weff := rate.EffectiveWeights()
	W := net.W()
	for i := range 30 {
		for j := range 30 {
			if W.At(i, j) != weff.At(i, j)/s || net.Column(j)[i] != weff.At(i, j)/s {
				t.Fatalf("W[%d][%d] = %v, want %v", i, j, W.At(i, j), weff.At(i, j)/s)
			}
		}
		if net.WOut[i] != rate.WOut[i]/s {
			t.Fatalf("WOut[%d] = %v, want %v", i, net.WOut[i], rate.WOut[i]/s)
		}
		if want := rate.TausSteps()[i] * 5 / 1000; net.Td[i] != want || want < 0.02 || want > 0.1 {
			t.Fatalf("Td[%d] = %v, want %v in [0.02, 0.1]", i, net.Td[i], want)
		}
	}
	// Inhibitory presynaptic units have non-positive columns.
	for j, inh := range net.Inh {
		for _, w := range net.Column(j) {
			if inh && w > 0 || !inh && w < 0 {
				t.Fatalf("unit %d (inh %v) has an outgoing weight %v", j, inh, w)
			}
		}
	}
	p := DefaultParams()
	p.InitialWeights = true
	net0, err := FromRate(rate, s, p)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := net0.W().At(3, 4), rate.EffectiveWeights0().At(3, 4)/s; got != want {
		t.Errorf("initial weights: %v, want %v", got, want)
	}
}

// TestBadInput: invalid arguments are errors, never panics.
func TestBadInput(t *testing.T) {
	rate := testNet(t, "go-nogo", 20, 1)
	for _, s := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := FromRate(rate, s, DefaultParams()); err == nil || !strings.Contains(err.Error(), "scaling factor") {
			t.Errorf("s = %v: err = %v", s, err)
		}
	}
	if _, err := FromRate(nil, 25, DefaultParams()); err == nil {
		t.Error("nil network accepted")
	}
	bad := []func(p *Params){
		func(p *Params) { *p = Params{} },
		func(p *Params) { p.Tm = math.NaN() },
		func(p *Params) { p.Tref = -1 },
		func(p *Params) { p.Tr = -0.001 },
		func(p *Params) { p.VPeak = p.VReset },
		func(p *Params) { p.Downsample = 0 },
		func(p *Params) { p.NoiseSD = -1 },
		func(p *Params) { p.Model = "hh" },
		func(p *Params) { p.Bias = math.Inf(-1) },
	}
	for k, f := range bad {
		p := DefaultParams()
		f(&p)
		if _, err := FromRate(rate, 25, p); err == nil {
			t.Errorf("bad params %d accepted: %+v", k, p)
		}
	}
	net, err := FromRate(rate, 25, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	nan := mat.NewDense(1, 201, nil)
	nan.Set(0, 7, math.NaN())
	inputs := []*mat.Dense{nil, mat.NewDense(2, 201, nil), mat.NewDense(1, 1, nil), nan}
	for k, u := range inputs {
		if _, err := net.Run(u, RunOptions{}); err == nil {
			t.Errorf("bad input %d accepted", k)
		}
	}
	u := goTrial(1).U
	perts := []*Perturbation{
		{Mode: "zap", Units: []int{1}},
		{Mode: PerturbExc, Units: []int{20}},
		{Mode: PerturbInh, Units: []int{-1}},
		{Mode: PerturbExc, Units: []int{1}, Prob: 1.5},
		{Mode: PerturbExc, Units: []int{1}, Amplitude: math.NaN()},
	}
	for k, p := range perts {
		if _, err := net.Run(u, RunOptions{Perturb: p}); err == nil {
			t.Errorf("bad perturbation %d accepted", k)
		}
	}
	if _, err := net.Run(u, RunOptions{Record: Recording{Voltage: true, Stride: -2}}); err == nil {
		t.Error("negative stride accepted")
	}
	if _, err := net.Run(u, RunOptions{Record: Recording{Rates: true, Stride: 20001}}); err == nil {
		t.Error("stride beyond the trial accepted")
	}
	if _, err := ParseModel("izhikevich"); err == nil {
		t.Error("unknown model accepted")
	}
}

// TestUntrainedRates: a random (untrained) Go-NoGo network fires at
// plausible rates, the population means agree with the per-unit rates, and
// rates count spikes from step 10 on over T_sec.
func TestUntrainedRates(t *testing.T) {
	rate := testNet(t, "go-nogo", 200, 1)
	for _, s := range []float64{25, 50} {
		net, err := FromRate(rate, s, DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		res, err := net.Run(goTrial(2).U, RunOptions{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		if res.Nt != 20000 || res.TSec != 1 || len(res.Out) != 20000 {
			t.Fatalf("nt %d, T %v, %d outputs", res.Nt, res.TSec, len(res.Out))
		}
		if !(res.MeanRate > 1 && res.MeanRate < 200) || !(res.ExcRate > 0.5) || !(res.InhRate > 0.5) {
			t.Errorf("s = %v: rates exc %.1f inh %.1f all %.1f Hz", s, res.ExcRate, res.InhRate, res.MeanRate)
		}
		counts := make([]int, net.N)
		for _, sp := range res.Spikes {
			if sp.Time >= 10*res.Dt-1e-12 {
				counts[sp.Unit]++
			}
		}
		var se, si float64
		for j, c := range counts {
			if c != res.Counts[j] || res.Rates[j] != float64(c)/res.TSec {
				t.Fatalf("unit %d: %d spikes from step 10, Counts %d, rate %v", j, c, res.Counts[j], res.Rates[j])
			}
			if net.Inh[j] {
				si += res.Rates[j]
			} else {
				se += res.Rates[j]
			}
		}
		nInh := len(rate.InhIndices())
		if math.Abs(se/float64(net.N-nInh)-res.ExcRate) > 1e-9 || math.Abs(si/float64(nInh)-res.InhRate) > 1e-9 {
			t.Errorf("population means %v %v, want %v %v", res.ExcRate, res.InhRate, se/float64(net.N-nInh), si/float64(nInh))
		}
		for k := 1; k < len(res.Spikes); k++ {
			a, b := res.Spikes[k-1], res.Spikes[k]
			if b.Time < a.Time || b.Time == a.Time && b.Unit <= a.Unit {
				t.Fatalf("spikes out of order at %d: %+v %+v", k, a, b)
			}
		}
		t.Logf("s = %v: %d spikes, exc %.1f Hz, inh %.1f Hz", s, len(res.Spikes), res.ExcRate, res.InhRate)
	}
}

// TestHyperpolarisingBias: with a bias far below threshold, no unit fires
// once the initial transient (the first spikes of units that start above
// threshold) has died out, for both kernels and both unit models.
func TestHyperpolarisingBias(t *testing.T) {
	rate := testNet(t, "go-nogo", 100, 4)
	for _, model := range []Model{LIF, QIF} {
		for _, rec := range []bool{false, true} {
			p, _ := ParamsFor(model)
			p.Bias = -2000 // QIF: v^2 - 2000 has its stable point at -sqrt(2000) = -45 mV
			if model == LIF {
				p.Bias = -100
			}
			net, err := FromRate(rate, 25, p)
			if err != nil {
				t.Fatal(err)
			}
			res, err := net.Run(goTrial(1).U, RunOptions{Seed: 3, Record: Recording{Voltage: rec, Stride: 100}})
			if err != nil {
				t.Fatal(err)
			}
			late := 0
			for _, s := range res.Spikes {
				if s.Time > 0.02 {
					late++
				}
			}
			if late > 0 || res.MeanRate > 5 {
				t.Errorf("%s (recording %v): %d spikes after 20 ms, mean rate %.2f Hz", model, rec, late, res.MeanRate)
			}
		}
	}
}

// TestRefractory: no unit spikes twice within tref, and a refractory unit's
// voltage stays at the reset value (without noise) until the step where
// dt*i > tlast + tref.
func TestRefractory(t *testing.T) {
	rate := testNet(t, "go-nogo", 100, 5)
	for _, tref := range []float64{0.002, 0.01} {
		p := DefaultParams()
		p.Tref = tref
		net, err := FromRate(rate, 10, p)
		if err != nil {
			t.Fatal(err)
		}
		res, err := net.Run(goTrial(3).U, RunOptions{Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		last := map[int]float64{}
		minISI := math.Inf(1)
		for _, s := range res.Spikes {
			if tl, ok := last[s.Unit]; ok {
				minISI = min(minISI, s.Time-tl)
			}
			last[s.Unit] = s.Time
		}
		if len(res.Spikes) < 100 || !(minISI > tref) {
			t.Errorf("tref %v: %d spikes, shortest interval %v s", tref, len(res.Spikes), minISI)
		}
		// Without noise, the voltage record of a unit after a spike holds
		// vreset for exactly the refractory steps.
		rec, err := net.Run(goTrial(3).U, RunOptions{Noise: zeroNoise{}, Record: Recording{Voltage: true}})
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, s := range rec.Spikes {
			k := int(math.Round(s.Time / rec.Dt)) // step of the spike
			if rec.V.At(s.Unit, k-1) != p.VSpike {
				t.Fatalf("unit %d at step %d: recorded %v, want VSpike", s.Unit, k, rec.V.At(s.Unit, k-1))
			}
			back := int(refUntil(k, rec.Dt, tref))
			if back > rec.Nt {
				continue
			}
			for i := k + 1; i < back; i++ {
				if v := rec.V.At(s.Unit, i-1); v != p.VReset {
					t.Fatalf("unit %d refractory at step %d (spike at %d, back at %d): v = %v", s.Unit, i, k, back, v)
				}
			}
			if v := rec.V.At(s.Unit, back-1); v == p.VReset {
				t.Fatalf("unit %d still at reset at step %d", s.Unit, back)
			}
			checked++
		}
		if checked < 10 {
			t.Errorf("only %d spikes checked", checked)
		}
		// The refractory period in steps: 40 at 2 ms.
		if tref == 0.002 {
			if d := refUntil(1000, spikernn.SpikingDt, tref) - 1000; d < 40 || d > 41 {
				t.Errorf("refractory steps %d", d)
			}
		}
	}
}

// TestOutputScaling: without recurrent weights the dynamics do not depend
// on s, so the spikes are the same and the output scales as 1/s.
func TestOutputScaling(t *testing.T) {
	rate := testNet(t, "go-nogo", 80, 6)
	rate.W.Zero()
	u := goTrial(1).U
	var ref *Result
	for _, s := range []float64{1, 20, 75} {
		net, err := FromRate(rate, s, DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		res, err := net.Run(u, RunOptions{Seed: 8})
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = res
			if len(res.Spikes) < 100 {
				t.Fatalf("only %d spikes", len(res.Spikes))
			}
			continue
		}
		if len(res.Spikes) != len(ref.Spikes) {
			t.Fatalf("s = %v: %d spikes, want %d", s, len(res.Spikes), len(ref.Spikes))
		}
		for k, o := range res.Out {
			if math.Abs(o*s-ref.Out[k]) > 1e-9*(1+math.Abs(ref.Out[k])) {
				t.Fatalf("s = %v, step %d: out*s = %v, want %v", s, k+1, o*s, ref.Out[k])
			}
		}
	}
}

// TestStride: strided recordings are every Stride-th column of the full ones.
func TestStride(t *testing.T) {
	rate := testNet(t, "go-nogo", 40, 7)
	net, err := FromRate(rate, 20, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	u := shortGoInput(21)
	all := Recording{Voltage: true, Rates: true, Current: true}
	full, err := net.Run(u, RunOptions{Seed: 1, Record: all})
	if err != nil {
		t.Fatal(err)
	}
	all.Stride = 7
	part, err := net.Run(u, RunOptions{Seed: 1, Record: all})
	if err != nil {
		t.Fatal(err)
	}
	_, cols := part.V.Dims()
	if cols != full.Nt/7 || len(part.Times()) != cols || part.Times()[0] != 7*part.Dt {
		t.Fatalf("%d columns, times %v", cols, part.Times()[:2])
	}
	for c := range cols {
		for j := range net.N {
			i := (c+1)*7 - 1
			if part.V.At(j, c) != full.V.At(j, i) || part.R.At(j, c) != full.R.At(j, i) || part.IPSC.At(j, c) != full.IPSC.At(j, i) {
				t.Fatalf("column %d unit %d differs", c, j)
			}
		}
	}
	for k := range full.Out {
		if part.Out[k] != full.Out[k] {
			t.Fatal("output depends on the stride")
		}
	}
}

// TestKernelsAgree: the fused kernel and the general one give the same
// spikes and outputs to rounding, with and without a perturbation.
func TestKernelsAgree(t *testing.T) {
	rate := testNet(t, "go-nogo", 200, 8)
	net, err := FromRate(rate, 25, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	u := goTrial(4).U
	for _, pert := range []*Perturbation{nil, {Mode: PerturbInh, Start: 5000, Stop: 9000, Units: rate.ExcIndices()[:50]}} {
		fast, err := net.Run(u, RunOptions{Seed: 11, Perturb: pert})
		if err != nil {
			t.Fatal(err)
		}
		forceGeneral = true
		gen, err := net.Run(u, RunOptions{Seed: 11, Perturb: pert})
		forceGeneral = false
		if err != nil {
			t.Fatal(err)
		}
		if len(fast.Spikes) != len(gen.Spikes) {
			t.Fatalf("fast %d spikes, general %d", len(fast.Spikes), len(gen.Spikes))
		}
		for k := range fast.Spikes {
			if fast.Spikes[k] != gen.Spikes[k] {
				t.Fatalf("spike %d: %+v vs %+v", k, fast.Spikes[k], gen.Spikes[k])
			}
		}
		for k := range fast.Out {
			if math.Abs(fast.Out[k]-gen.Out[k]) > 1e-9*(1+math.Abs(gen.Out[k])) {
				t.Fatalf("out[%d]: %v vs %v", k, fast.Out[k], gen.Out[k])
			}
		}
	}
}

// TestPerturbation: hyperpolarising the excitatory units lowers their
// firing, depolarising them raises it.
func TestPerturbation(t *testing.T) {
	rate := testNet(t, "go-nogo", 200, 9)
	net, err := FromRate(rate, 25, DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	u := goTrial(5).U
	base, _ := net.Run(u, RunOptions{Seed: 1})
	exc := rate.ExcIndices()
	inh, _ := net.Run(u, RunOptions{Seed: 1, Perturb: &Perturbation{Mode: PerturbInh, Start: 1, Stop: 20001, Units: exc}})
	dep, _ := net.Run(u, RunOptions{Seed: 1, Perturb: &Perturbation{Mode: PerturbExc, Start: 1, Stop: 20001, Units: exc, Amplitude: 0.2}})
	if !(inh.ExcRate < 0.5*base.ExcRate) || !(dep.ExcRate > base.ExcRate) {
		t.Errorf("excitatory rates: baseline %.1f, hyperpolarised %.1f, depolarised %.1f Hz", base.ExcRate, inh.ExcRate, dep.ExcRate)
	}
}

func TestRange(t *testing.T) {
	f := PaperFactors()
	if len(f) != 12 || f[0] != 20 || f[11] != 75 || f[1] != 25 {
		t.Errorf("PaperFactors = %v", f)
	}
	if r := Range(4, 2, 26); len(r) != 12 || r[11] != 26 {
		t.Errorf("4:2:26 = %v", r)
	}
	if r := Range(0, 0.1, 0.3); len(r) != 4 {
		t.Errorf("0:0.1:0.3 = %v", r)
	}
	for _, r := range [][]float64{Range(5, -1, 10), Range(1, 0, 2), Range(math.NaN(), 1, 2)} {
		if len(r) != 0 {
			t.Errorf("empty range gave %v", r)
		}
	}
	good := map[string]int{"20:5:75": 12, "20:75": 56, "20,25, 40": 3, "30": 1}
	for s, n := range good {
		if f, err := ParseFactors(s); err != nil || len(f) != n {
			t.Errorf("ParseFactors(%q) = %v, %v", s, f, err)
		}
	}
	for _, s := range []string{"", "a:b", "20:-5:75", "1:2:3:4", "0,5", "-5", "x", "nan"} {
		if _, err := ParseFactors(s); err == nil {
			t.Errorf("ParseFactors(%q) accepted", s)
		}
	}
}
