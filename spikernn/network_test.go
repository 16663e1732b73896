package spikernn

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

func mustNet(t *testing.T, cfg Config, seed uint64) *Network {
	t.Helper()
	net, err := NewNetwork(cfg, seed)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// within fails the test when got is more than k standard errors from want.
func within(t *testing.T, what string, got, want, se, k float64) {
	t.Helper()
	if math.Abs(got-want) > k*se {
		t.Errorf("%s = %.5g, want %.5g +- %.3g (%g SE)", what, got, want, k*se, k)
	}
}

func TestConstructionStatistics(t *testing.T) {
	cfg := DefaultConfig("go-nogo")
	cfg.N = 1000
	var inhFrac, density []float64
	for seed := uint64(1); seed <= 5; seed++ {
		net := mustNet(t, cfg, seed)
		inhFrac = append(inhFrac, float64(len(net.InhIndices()))/float64(cfg.N))
		density = append(density, net.ConnectionDensity())
	}
	// Each unit is inhibitory independently with probability P_inh.
	n := float64(5 * cfg.N)
	within(t, "inhibitory fraction", stat.Mean(inhFrac, nil), cfg.PInh, math.Sqrt(cfg.PInh*(1-cfg.PInh)/n), 4)
	within(t, "connection density", stat.Mean(density, nil), cfg.PRec, math.Sqrt(cfg.PRec*(1-cfg.PRec)/(n*float64(cfg.N))), 4)
}

func TestGaussianWeightScale(t *testing.T) {
	for _, dale := range []bool{false, true} {
		cfg := DefaultConfig("go-nogo")
		cfg.N, cfg.Gain, cfg.ApplyDale = 800, 1.5, dale
		net := mustNet(t, cfg, 7)
		w := nonzeroValues(net.W)
		want := cfg.Gain / math.Sqrt(float64(cfg.N)*cfg.PRec)
		// Root mean square of present entries: g/sqrt(N P_rec), with or
		// without the absolute value Dale takes. SE of the mean square of
		// normal samples: sqrt(2/n) sigma^2.
		var ms float64
		for _, v := range w {
			ms += v * v
		}
		ms /= float64(len(w))
		within(t, "mean square weight", ms, want*want, math.Sqrt(2/float64(len(w)))*want*want, 5)
		if dale {
			if mat.Min(net.W) < 0 {
				t.Error("Dale: w has negative entries")
			}
		} else {
			within(t, "mean weight (no Dale)", stat.Mean(w, nil), 0, want/math.Sqrt(float64(len(w))), 5)
			if len(net.InhIndices()) != 0 {
				t.Error("no Dale: found inhibitory units")
			}
		}
	}
}

func TestGammaWeights(t *testing.T) {
	cfg := DefaultConfig("go-nogo")
	cfg.N, cfg.WeightDist = 600, GammaDis
	w := nonzeroValues(mustNet(t, cfg, 3).W)
	// Gamma(shape 2, scale 0.003): mean 0.006, variance 2*0.003^2.
	sd := math.Sqrt(2) * 0.003
	within(t, "gamma mean", stat.Mean(w, nil), 0.006, sd/math.Sqrt(float64(len(w))), 5)
	within(t, "gamma SD", stat.StdDev(w, nil), sd, sd/math.Sqrt(2*float64(len(w)))*2, 5)
}

func TestMasks(t *testing.T) {
	cfg := DefaultConfig("mante")
	cfg.N, cfg.SomN = 120, 5
	net := mustNet(t, cfg, 11)
	inh := net.InhIndices()
	som := net.SOMIndices()
	if len(som) != 5 || som[0] != inh[0] || som[4] != inh[4] {
		t.Fatalf("SOM units %v should be the first 5 inhibitory units of %v", som, inh)
	}
	isSom := map[int]bool{}
	for _, i := range som {
		isSom[i] = true
	}
	for i := range cfg.N {
		for j := range cfg.N {
			wantM := 0.0
			if i == j {
				wantM = 1
				if net.Inh[i] {
					wantM = -1
				}
			}
			if net.M.At(i, j) != wantM {
				t.Fatalf("m[%d][%d] = %v, want %v", i, j, net.M.At(i, j), wantM)
			}
			wantS := 1.0
			if isSom[i] && net.Inh[j] {
				wantS = 0
			}
			if net.SomM.At(i, j) != wantS {
				t.Fatalf("som_m[%d][%d] = %v, want %v", i, j, net.SomM.At(i, j), wantS)
			}
		}
		if net.Exc[i] == net.Inh[i] {
			t.Fatalf("unit %d: exc and inh must be complements", i)
		}
	}
	// Effective weights: the full product (relu(w) @ m) * som_m.
	relu := mat.DenseCopyOf(net.W)
	relu.Apply(func(_, _ int, v float64) float64 { return max(v, 0) }, relu)
	var want mat.Dense
	want.Mul(relu, net.M)
	want.MulElem(&want, net.SomM)
	if !mat.EqualApprox(&want, net.EffectiveWeights(), 1e-15) {
		t.Fatal("EffectiveWeights differs from (relu(w) @ m) * som_m")
	}
	weff := net.EffectiveWeights()
	for i := range cfg.N {
		for j := range cfg.N {
			v := weff.At(i, j)
			if net.Inh[j] && v > 0 || net.Exc[j] && v < 0 {
				t.Fatalf("W_eff[%d][%d] = %v has the wrong sign for presynaptic unit %d", i, j, v, j)
			}
			if isSom[i] && net.Inh[j] && v != 0 {
				t.Fatalf("SOM unit %d receives inhibitory input from %d", i, j)
			}
		}
	}
}

func TestSeedReproducible(t *testing.T) {
	cfg := DefaultConfig("xor")
	cfg.N = 50
	a, b, c := mustNet(t, cfg, 5), mustNet(t, cfg, 5), mustNet(t, cfg, 6)
	if !mat.Equal(a.W, b.W) || !mat.Equal(a.WIn, b.WIn) || a.TausGaus[3] != b.TausGaus[3] {
		t.Fatal("same seed gave different networks")
	}
	if mat.Equal(a.W, c.W) {
		t.Fatal("different seeds gave the same weights")
	}
	if r, c := a.WIn.Dims(); r != 50 || c != 2 {
		t.Fatalf("xor w_in is %dx%d, want 50x2", r, c)
	}
}

func TestTaus(t *testing.T) {
	cfg := DefaultConfig("go-nogo")
	cfg.N, cfg.Taus = 300, []float64{4, 10}
	net := mustNet(t, cfg, 2)
	for i, tau := range net.TausSteps() {
		want := 1/(1+math.Exp(-net.TausGaus[i]))*6 + 4
		if math.Abs(tau-want) > 1e-12 || tau < 4 || tau > 10 {
			t.Fatalf("tau[%d] = %v, want %v in [4, 10]", i, tau, want)
		}
		if math.Abs(net.TausMs()[i]-5*tau) > 1e-12 || math.Abs(net.TausSeconds()[i]-0.005*tau) > 1e-15 {
			t.Fatal("ms / seconds conversion")
		}
	}
	cfg.Taus = []float64{7}
	for _, tau := range mustNet(t, cfg, 2).TausSteps() {
		if tau != 7 {
			t.Fatalf("fixed tau = %v, want 7", tau)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	cases := []struct {
		field string
		edit  func(*Config)
	}{
		{"N", func(c *Config) { c.N = 0 }},
		{"P_inh", func(c *Config) { c.PInh = 1.5 }},
		{"P_rec", func(c *Config) { c.PRec = -0.1 }},
		{"P_rec", func(c *Config) { c.PRec = math.NaN() }},
		{"som_N", func(c *Config) { c.SomN = 500 }},
		{"som_N", func(c *Config) { c.SomN = 3; c.ApplyDale = false }},
		{"decay_taus", func(c *Config) { c.Taus = []float64{20, 4} }},
		{"decay_taus", func(c *Config) { c.Taus = nil }},
		{"decay_taus", func(c *Config) { c.Taus = []float64{0.5, 4} }},
		{"task", func(c *Config) { c.Task = "sine" }},
		{"act", func(c *Config) { c.Activation = "tanh" }},
		{"loss_fn", func(c *Config) { c.LossFn = "l3" }},
		{"w_dist", func(c *Config) { c.WeightDist = "uniform" }},
	}
	for _, tc := range cases {
		cfg := DefaultConfig("go-nogo")
		tc.edit(&cfg)
		err := cfg.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%s: got %v, want a ConfigError naming %s", tc.field, err, tc.field)
			continue
		}
		if !strings.Contains(err.Error(), tc.field) {
			t.Errorf("message %q does not name %s", err, tc.field)
		}
	}
	if err := DefaultConfig("mante").Validate(); err != nil {
		t.Fatal(err)
	}
	// som_N beyond the inhibitory units actually drawn.
	cfg := DefaultConfig("go-nogo")
	cfg.N, cfg.SomN = 10, 9
	if _, err := NewNetwork(cfg, 1); err == nil || !strings.Contains(err.Error(), "som_N") {
		t.Fatalf("som_N above the drawn inhibitory count: got %v", err)
	}
}
