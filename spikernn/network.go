package spikernn

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// StepMs is the duration of one rate-network time step (DeltaT) in milliseconds.
const StepMs = 5.0

// Network is a continuous-variable rate RNN with biological constraints
// (as the reference's rate/model.py builds it): Dale's principle through a diagonal sign mask, an
// optional SOM subgroup, per-unit decay constants, a fixed input layer and a
// trained linear readout. It holds everything the reference model file holds.
//
// Matrices use the reference's orientation: W[i][j] is the weight from unit j
// onto unit i, WIn is N x NIn, WOut is the 1 x N readout as a slice.
type Network struct {
	Config Config // the configuration the network was built with (or, for a loaded file, what the file tells)
	Seed   uint64 // the construction seed (0 when unknown, e.g. for files from the reference tools)
	NIn    int    // number of input channels

	Inh []bool // Inh[i]: unit i is inhibitory
	Exc []bool // Exc[i] = !Inh[i]

	W    *mat.Dense // recurrent weights (N x N); non-negative (after relu) with Dale
	W0   *mat.Dense // recurrent weights before training (N x N)
	WIn  *mat.Dense // input weights (N x NIn), fixed
	WOut []float64  // readout weights (length N)
	BOut float64    // readout bias
	M    *mat.Dense // sign mask (N x N): identity with -1 on inhibitory units' diagonal entries
	SomM *mat.Dense // SOM mask (N x N): zero where a SOM unit would receive input from an inhibitory unit

	TausGaus  []float64 // unconstrained decay parameters (length N), sigmoid-mapped into the decay range
	TausGaus0 []float64 // TausGaus before training

	// Training is the training record; nil for an untrained network.
	Training *TrainingRecord
	// Scaling holds the LIF scaling-factor grid search results; nil when not searched.
	Scaling *ScalingSearch

	// Inferred lists the configuration fields (by reference flag name) that a
	// loaded file did not state and were inferred or defaulted.
	Inferred []string
}

// Trained reports whether the network has been through training, successful,
// failed or interrupted.
func (n *Network) Trained() bool { return n.Training != nil && n.Training.Status != StatusUntrained }

// N returns the number of units.
func (n *Network) N() int { return len(n.Inh) }

// NewNetwork builds an untrained rate network exactly as the reference's rate/model.py,
// drawing every random number from seed. It returns a *ConfigError for an
// invalid configuration.
func NewNetwork(cfg Config, seed uint64) (*Network, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	task, _ := LookupTask(cfg.Task)
	cfg.Taus = append([]float64(nil), cfg.Taus...)
	N := cfg.N
	rng := NewRand(seed)
	net := &Network{Config: cfg, Seed: seed, NIn: task.NumInputs()}

	// 1. Cell types.
	net.Inh = make([]bool, N)
	net.Exc = make([]bool, N)
	nInh := 0
	for i := range N {
		p := rng.Float64()
		net.Inh[i] = cfg.ApplyDale && p < cfg.PInh
		net.Exc[i] = !net.Inh[i]
		if net.Inh[i] {
			nInh++
		}
	}
	// 2. SOM units.
	if cfg.SomN > nInh {
		return nil, &ConfigError{"som_N", cfg.SomN, fmt.Sprintf("exceeds the %d inhibitory units drawn with seed %d (N = %d, P_inh = %v)", nInh, seed, N, cfg.PInh)}
	}
	// 3. Recurrent weights.
	w := mat.NewDense(N, N, nil)
	scale := cfg.Gain / math.Sqrt(float64(N)*cfg.PRec)
	for i := range N {
		for j := range N {
			if rng.Float64() >= cfg.PRec {
				continue
			}
			var v float64
			if cfg.WeightDist == GammaDis {
				// Gamma(shape 2, scale 0.003): the sum of two exponentials.
				v = (rng.ExpFloat64() + rng.ExpFloat64()) * 0.003
			} else {
				v = rng.NormFloat64() * scale
			}
			if cfg.ApplyDale {
				v = math.Abs(v)
			}
			w.Set(i, j, float64(float32(v)))
		}
	}
	net.W = w
	net.W0 = mat.DenseCopyOf(w)
	// 4-5. Masks.
	net.M = mat.NewDense(N, N, nil)
	net.SomM = mat.NewDense(N, N, nil)
	for i := range N {
		if net.Inh[i] {
			net.M.Set(i, i, -1)
		} else {
			net.M.Set(i, i, 1)
		}
		for j := range N {
			net.SomM.Set(i, j, 1)
		}
	}
	for _, i := range net.SOMIndices() {
		for j := range N {
			if net.Inh[j] {
				net.SomM.Set(i, j, 0)
			}
		}
	}
	// 6-8. Input, readout, decay parameters.
	net.WIn = mat.NewDense(N, net.NIn, nil)
	for i := range N {
		for k := range net.NIn {
			net.WIn.Set(i, k, float64(float32(rng.NormFloat64())))
		}
	}
	net.WOut = make([]float64, N)
	for i := range net.WOut {
		net.WOut[i] = float64(float32(rng.NormFloat64() / 100))
	}
	net.TausGaus = make([]float64, N)
	for i := range net.TausGaus {
		net.TausGaus[i] = float64(float32(rng.NormFloat64()))
	}
	net.TausGaus0 = append([]float64(nil), net.TausGaus...)
	return net, nil
}

// Clone returns a copy of the network whose weights, masks and decay
// parameters can be changed without touching the original. The training and
// scaling records are copied shallowly (their slices are shared).
func (n *Network) Clone() *Network {
	c := *n
	c.Config.Taus = append([]float64(nil), n.Config.Taus...)
	c.Inh = append([]bool(nil), n.Inh...)
	c.Exc = append([]bool(nil), n.Exc...)
	c.W = mat.DenseCopyOf(n.W)
	c.W0 = mat.DenseCopyOf(n.W0)
	c.WIn = mat.DenseCopyOf(n.WIn)
	c.WOut = append([]float64(nil), n.WOut...)
	c.M = mat.DenseCopyOf(n.M)
	c.SomM = mat.DenseCopyOf(n.SomM)
	c.TausGaus = append([]float64(nil), n.TausGaus...)
	c.TausGaus0 = append([]float64(nil), n.TausGaus0...)
	if n.Training != nil {
		t := *n.Training
		c.Training = &t
	}
	if n.Scaling != nil {
		s := *n.Scaling
		c.Scaling = &s
	}
	return &c
}

// ExcIndices returns the indices of the excitatory units, in order.
func (n *Network) ExcIndices() []int { return indicesOf(n.Exc) }

// InhIndices returns the indices of the inhibitory units, in order.
func (n *Network) InhIndices() []int { return indicesOf(n.Inh) }

// SOMIndices returns the indices of the SOM units: the first som_N
// inhibitory units in index order.
func (n *Network) SOMIndices() []int {
	inh := n.InhIndices()
	k := min(n.Config.SomN, len(inh))
	return inh[:k]
}

func indicesOf(b []bool) []int {
	var idx []int
	for i, v := range b {
		if v {
			idx = append(idx, i)
		}
	}
	return idx
}

// EffectiveWeights returns the signed recurrent weights the dynamics use:
// (relu(W) @ M) * SomM with Dale's principle, (W @ M) * SomM without.
// Entry (i, j) is the weight from unit j onto unit i.
func (n *Network) EffectiveWeights() *mat.Dense {
	return n.effective(n.W)
}

// EffectiveWeights0 returns the effective weights before training (from W0).
func (n *Network) EffectiveWeights0() *mat.Dense {
	return n.effective(n.W0)
}

func (n *Network) effective(w *mat.Dense) *mat.Dense {
	N := n.N()
	src := mat.DenseCopyOf(w)
	if n.Config.ApplyDale {
		src.Apply(func(_, _ int, v float64) float64 { return max(v, 0) }, src)
	}
	out := mat.NewDense(N, N, nil)
	if diag, ok := diagonal(n.M); ok {
		// The sign mask is diagonal: a column scaling, N^2 work instead of N^3.
		out.Apply(func(i, j int, _ float64) float64 { return src.At(i, j) * diag[j] }, src)
	} else {
		out.Mul(src, n.M)
	}
	out.MulElem(out, n.SomM)
	return out
}

func diagonal(m *mat.Dense) ([]float64, bool) {
	r, c := m.Dims()
	if r != c {
		return nil, false
	}
	d := make([]float64, r)
	for i := range r {
		row := m.RawRowView(i)
		for j, v := range row {
			if i == j {
				d[i] = v
			} else if v != 0 {
				return nil, false
			}
		}
	}
	return d, true
}

// TausSteps returns each unit's decay constant in 5 ms steps:
// sigmoid(TausGaus)*(max-min)+min for a range, or the fixed value.
func (n *Network) TausSteps() []float64 { return tausFrom(n.Config, n.TausGaus) }

// TausSteps0 returns the decay constants before training, in steps.
func (n *Network) TausSteps0() []float64 { return tausFrom(n.Config, n.TausGaus0) }

// TausMs returns each unit's decay constant in milliseconds.
func (n *Network) TausMs() []float64 { return scaled(n.TausSteps(), StepMs) }

// TausSeconds returns each unit's decay constant in seconds, as the LIF
// network uses them.
func (n *Network) TausSeconds() []float64 { return scaled(n.TausSteps(), StepMs/1000) }

func tausFrom(cfg Config, gaus []float64) []float64 {
	lo, hi := cfg.TauRange()
	out := make([]float64, len(gaus))
	for i, g := range gaus {
		if cfg.TauTrainable() {
			out[i] = sigmoid(g)*(hi-lo) + lo
		} else {
			out[i] = lo
		}
	}
	return out
}

func scaled(x []float64, f float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = v * f
	}
	return out
}

// ConnectionDensity returns the fraction of nonzero entries of W.
func (n *Network) ConnectionDensity() float64 {
	N := n.N()
	if N == 0 {
		return 0
	}
	nz := 0
	for i := range N {
		for _, v := range n.W.RawRowView(i) {
			if v != 0 {
				nz++
			}
		}
	}
	return float64(nz) / float64(N*N)
}
