package lifsim

import (
	"math"
	"testing"

	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

// The constants below are written out as literal numbers, copied from the
// paper's SI Table S1 and from the reference code
// (github.com/rkim35/spikeRNN, spiking/LIF_network_fnc.m), and never from
// this package's own constants: a wrong default in params.go (or a kernel
// that ignores it) fails here even though the literal-transcription test,
// which shares Params with the simulator, would still pass.
//
//	LIF_network_fnc.m            SI Table S1 (LIF)       here
//	dt = 0.00005                 0.05 ms                 spikernn.SpikingDt, Params.Dt
//	tref = 0.002                 2 ms                    Tref
//	tm = 0.010                   10 ms                   Tm
//	vreset = -65                 -65 mV                  VReset
//	vpeak = -40 (LIF)            threshold -40 mV        VPeak
//	BIAS = vpeak                 bias -40                Bias
//	tr = 0.002                   rise 2 ms               Tr
//	v = vreset + rand*(30-vreset)                        VInit = 30
//	v + (30 - v) at a spike (REC)                        VSpike = 30
//	randn(N,1)/10                                        NoiseSD = 0.1
//	v(units) +/- 0.5 if rand < 0.50                      DefaultPerturbAmplitude, DefaultPerturbProb
//	%vpeak = 30, %BIAS = 0 (QIF) threshold 30 mV, bias 0 QIFParams
//	lambda_grid_search.m: scaling_factors = [20:5:75]   PaperFactors
func TestConstantsPinned(t *testing.T) {
	if spikernn.SpikingDt != 0.00005 {
		t.Errorf("spikernn.SpikingDt = %v, want 0.00005 s (dt = 0.00005 in LIF_network_fnc.m)", spikernn.SpikingDt)
	}
	lif := Params{
		Model: "lif", Tref: 0.002, Tm: 0.010, VReset: -65, VPeak: -40, Bias: -40, Tr: 0.002,
		VInit: 30, VSpike: 30, NoiseSD: 0.1, Downsample: 1,
	}
	qif := Params{
		Model: "qif", Tref: 0.002, Tm: 0.010, VReset: -65, VPeak: 30, Bias: 0, Tr: 0.002,
		VInit: 30, VSpike: 30, NoiseSD: 0.1, Downsample: 1,
	}
	if got := DefaultParams(); got != lif {
		t.Errorf("DefaultParams() = %+v\nwant (reference, SI Table S1) %+v", got, lif)
	}
	if got := QIFParams(); got != qif {
		t.Errorf("QIFParams() = %+v\nwant (SI Table S1 QIF) %+v", got, qif)
	}
	for _, c := range []struct {
		m    Model
		want Params
	}{{"lif", lif}, {"qif", qif}} {
		got, err := ParamsFor(c.m)
		if err != nil || got != c.want {
			t.Errorf("ParamsFor(%q) = %+v, %v; want %+v", c.m, got, err, c.want)
		}
	}
	if got := DefaultParams().Dt(); got != 0.00005 {
		t.Errorf("DefaultParams().Dt() = %v, want 0.00005", got)
	}
	p := DefaultParams()
	p.Downsample = 4
	if got := p.Dt(); math.Abs(got-0.0002) > 1e-18 {
		t.Errorf("Dt() with Downsample 4 = %v, want 0.00005*4 = 0.0002", got)
	}
	if DefaultPerturbAmplitude != 0.5 || DefaultPerturbProb != 0.5 {
		t.Errorf("perturbation = %v mV with probability %v, want 0.5 mV with probability 0.5", DefaultPerturbAmplitude, DefaultPerturbProb)
	}
	want := []float64{20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75}
	got := PaperFactors()
	if len(got) != len(want) {
		t.Fatalf("PaperFactors() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("PaperFactors() = %v, want %v", got, want)
		}
	}
}

// constNoise is a Noise that returns one uniform value and zero normals.
type constNoise struct{ u float64 }

func (c constNoise) Normals(dst []float64) { clear(dst) }
func (c constNoise) Uniform() float64      { return c.u }

// TestConstantsInDynamics pins the constants where they act: a network with
// no recurrent weights, no input and no noise, every unit started at the
// same voltage above threshold, is integrated by hand with the literal
// reference numbers (dt 0.05 ms, tm 10 ms, tref 2 ms, reset -65 mV, bias
// -40, spike voltage 30 mV) and compared with the simulator's voltage record.
func TestConstantsInDynamics(t *testing.T) {
	for _, model := range []Model{LIF, QIF} {
		t.Run(string(model), func(t *testing.T) {
			cfg := spikernn.DefaultConfig("go-nogo")
			cfg.N = 10
			rate, err := spikernn.NewNetwork(cfg, 1)
			if err != nil {
				t.Fatal(err)
			}
			rate.W = mat.NewDense(10, 10, nil) // no recurrent input
			p, err := ParamsFor(model)
			if err != nil {
				t.Fatal(err)
			}
			u := mat.NewDense(1, 201, nil) // no input: 1 s, 20000 steps
			// LIF: uniform 0.75 starts every unit at v0 = -65 + 0.75*95 =
			// 6.25 mV, above threshold: a spike at step 1, the reset, 2 ms
			// of refractoriness, then the leak towards the bias.
			// QIF: uniform 0.999 starts at 29.905 mV, just under the 30 mV
			// threshold; the first 40 steps are refractory (tlast = 0), then
			// v^2 drives repeated spikes.
			uni := 0.75
			if model == QIF {
				uni = 0.999
			}
			res, err := Simulate(rate, 25, u, p, RunOptions{Noise: constNoise{uni}, Record: Recording{Voltage: true}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Dt != 0.00005 || res.Nt != 20000 || res.TSec != 1 {
				t.Fatalf("dt %v, nt %d, T %v: want 0.00005 s, 20000 steps, 1 s", res.Dt, res.Nt, res.TSec)
			}
			// Hand integration with the literal numbers of LIF_network_fnc.m.
			const (
				dt, tm, tref, vreset, vspike = 0.00005, 0.010, 0.002, -65.0, 30.0
			)
			vpeak, bias := -40.0, -40.0
			if model == QIF {
				vpeak, bias = 30.0, 0.0
			}
			v := -65 + uni*(30 - -65)
			tlast := 0.0
			var spikeSteps []int
			for i := 1; i <= 2000; i++ {
				if dt*float64(i) > tlast+tref {
					var dv float64
					if model == LIF {
						dv = (-v + bias) / tm
					} else {
						dv = (v*v + bias) / tm
					}
					v += dt * dv
				}
				rec := v
				if v >= vpeak {
					spikeSteps = append(spikeSteps, i)
					tlast = dt * float64(i)
					rec = vspike
					v = vreset
				}
				for unit := range 10 {
					if got := res.V.At(unit, i-1); math.Abs(got-rec) > 1e-9*math.Max(1, math.Abs(rec)) {
						t.Fatalf("unit %d, step %d: simulator v = %v, hand-integrated with the reference constants %v", unit, i, got, rec)
					}
				}
			}
			if len(spikeSteps) == 0 {
				t.Fatalf("no spike in the hand integration: the test does not exercise reset and refractoriness")
			}
			t.Logf("%s: spikes at steps %v of the first 2000", model, spikeSteps)
		})
	}
}
