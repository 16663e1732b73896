package lifsim

import (
	"errors"
	"fmt"
	"math"

	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

// Network is a spiking network built from a rate network by the one-to-one
// mapping of spec 4, ready to simulate. It is immutable once built and safe
// for concurrent Runs.
type Network struct {
	Params Params  // neuron and synapse parameters
	Scale  float64 // the scaling factor s (lambda = 1/s)
	Task   string  // the rate network's task (Evaluate's default)
	N      int     // number of units
	NIn    int     // number of input channels
	Inh    []bool  // Inh[i]: unit i is inhibitory
	Exc    []bool  // Exc[i] = !Inh[i]
	// Td holds each unit's synaptic decay time constant in seconds, from the
	// rate network's (trained) decay constants.
	Td []float64
	// WOut is the readout w_out / s (length N).
	WOut []float64
	// WIn holds the input weights (N x NIn, row-major: WIn[i*NIn+k]).
	WIn []float64

	// W = w_used / s by presynaptic unit, so that a spike of unit j adds
	// column j: dense, wcol[j*N : (j+1)*N] is column j; sparse (at most
	// half of the entries nonzero), column j's nonzero entries are
	// sval[sptr[j]:sptr[j+1]] in rows sidx[sptr[j]:sptr[j+1]], ascending.
	wcol   []float64
	sptr   []int
	sidx   []int32
	sval   []float64
	consts *unitConsts
}

// FromRate maps a rate network onto a spiking network with scaling factor s
// (spec 4): W = (effective recurrent weights) / s (the initial ones with
// p.InitialWeights), readout w_out / s, synaptic decay constants td from the
// rate network's decay constants (steps * 5 / 1000 s). The readout bias
// b_out is not used, as in the reference.
func FromRate(rate *spikernn.Network, s float64, p Params) (*Network, error) {
	if rate == nil {
		return nil, errors.New("lifsim: FromRate: nil rate network")
	}
	if math.IsNaN(s) || math.IsInf(s, 0) || s <= 0 {
		return nil, fmt.Errorf("lifsim: invalid scaling factor s = %v: must be a finite number > 0", s)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	N := rate.N()
	if N == 0 {
		return nil, errors.New("lifsim: FromRate: the rate network has no units")
	}
	if err := checkRate(rate); err != nil {
		return nil, err
	}
	var w *mat.Dense
	if p.InitialWeights {
		w = rate.EffectiveWeights0()
	} else {
		w = rate.EffectiveWeights()
	}
	var steps []float64
	if p.InitialTaus {
		steps = rate.TausSteps0()
	} else {
		steps = rate.TausSteps()
	}
	n := &Network{
		Params: p, Scale: s, N: N, NIn: rate.NIn, Task: rate.Config.Task,
		Inh:  append([]bool(nil), rate.Inh...),
		Exc:  append([]bool(nil), rate.Exc...),
		Td:   make([]float64, N),
		WOut: make([]float64, N),
		WIn:  make([]float64, N*rate.NIn),
	}
	for i, t := range steps {
		n.Td[i] = t * 5 / 1000
		if !(n.Td[i] > 0) || math.IsInf(n.Td[i], 0) {
			return nil, fmt.Errorf("lifsim: unit %d has synaptic decay constant %v s: must be a finite number > 0", i, n.Td[i])
		}
	}
	for i, v := range rate.WOut {
		n.WOut[i] = v / s
	}
	for i := range N {
		for k := range rate.NIn {
			n.WIn[i*rate.NIn+k] = rate.WIn.At(i, k)
		}
	}
	for _, x := range [][]float64{n.WOut, n.WIn} {
		for _, v := range x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errors.New("lifsim: the rate network's weights hold NaN or infinite values")
			}
		}
	}
	nnz := 0
	for i := range N {
		for _, v := range w.RawRowView(i) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errors.New("lifsim: the rate network's weights hold NaN or infinite values")
			}
			if v != 0 {
				nnz++
			}
		}
	}
	if 2*nnz <= N*N && !forceDense {
		// Sparse columns: skipping zeros leaves every sum unchanged.
		n.sptr = make([]int, N+1)
		n.sidx = make([]int32, 0, nnz)
		n.sval = make([]float64, 0, nnz)
		for j := range N {
			for i := range N {
				if v := w.At(i, j); v != 0 {
					n.sidx = append(n.sidx, int32(i))
					n.sval = append(n.sval, v/s)
				}
			}
			n.sptr[j+1] = len(n.sidx)
		}
	} else {
		n.wcol = make([]float64, N*N)
		for i := range N {
			for j, v := range w.RawRowView(i) {
				n.wcol[j*N+i] = v / s
			}
		}
	}
	n.consts = n.newConsts()
	return n, nil
}

// checkRate checks the shapes FromRate relies on.
func checkRate(rate *spikernn.Network) error {
	N := rate.N()
	sq := func(name string, m *mat.Dense) error {
		if m == nil {
			return fmt.Errorf("lifsim: the rate network has no %s", name)
		}
		if r, c := m.Dims(); r != N || c != N {
			return fmt.Errorf("lifsim: the rate network's %s is %dx%d, want %dx%d", name, r, c, N, N)
		}
		return nil
	}
	for _, x := range []struct {
		name string
		m    *mat.Dense
	}{{"W", rate.W}, {"W0", rate.W0}, {"M", rate.M}, {"SomM", rate.SomM}} {
		if err := sq(x.name, x.m); err != nil {
			return err
		}
	}
	if rate.WIn == nil {
		return errors.New("lifsim: the rate network has no WIn")
	}
	if r, c := rate.WIn.Dims(); r != N || c != rate.NIn {
		return fmt.Errorf("lifsim: the rate network's WIn is %dx%d, want %dx%d", r, c, N, rate.NIn)
	}
	if len(rate.WOut) != N || len(rate.Exc) != N || len(rate.TausGaus) != N || len(rate.TausGaus0) != N {
		return fmt.Errorf("lifsim: the rate network's WOut, Exc, TausGaus and TausGaus0 need %d entries (have %d, %d, %d, %d)",
			N, len(rate.WOut), len(rate.Exc), len(rate.TausGaus), len(rate.TausGaus0))
	}
	return nil
}

// W returns the scaled recurrent weights W = w_used / s as an N x N matrix
// (entry (i, j) is the weight from unit j onto unit i). It is a copy.
func (n *Network) W() *mat.Dense {
	w := mat.NewDense(n.N, n.N, nil)
	for j := range n.N {
		for i, v := range n.Column(j) {
			w.Set(i, j, v)
		}
	}
	return w
}

// Column returns a copy of the weights out of unit j (column j of W).
func (n *Network) Column(j int) []float64 {
	c := make([]float64, n.N)
	if n.wcol != nil {
		copy(c, n.wcol[j*n.N:(j+1)*n.N])
		return c
	}
	for q := n.sptr[j]; q < n.sptr[j+1]; q++ {
		c[n.sidx[q]] = n.sval[q]
	}
	return c
}

// Sparse reports whether W is stored as sparse columns (at most half of its
// entries nonzero), which makes a spike cost its number of synapses
// instead of N.
func (n *Network) Sparse() bool { return n.wcol == nil }

// forceDense makes FromRate store W densely whatever its density (tests).
var forceDense = false
