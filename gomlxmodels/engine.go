package gomlxmodels

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

// specFor describes net's graph for a batch of b trials on backend be.
func specFor(be compute.Backend, net *spikernn.Network, task spikernn.Task, b int) netSpec {
	lo, hi := net.Config.TauRange()
	return netSpec{
		CleanAVX: simdBuild && be.String() == "go",
		N:        net.N(), NIn: net.NIn, T: task.Steps(), B: b,
		Act: net.Config.Activation, LossFn: net.Config.LossFn,
		Dale: net.Config.ApplyDale, TauTrain: net.Config.TauTrainable(),
		TauMin: lo, TauMax: hi, DiagM: isDiagonal(net.M),
	}
}

func isDiagonal(m *mat.Dense) bool {
	r, c := m.Dims()
	if r != c {
		return false
	}
	for i := range r {
		for j, v := range m.RawRowView(i) {
			if i != j && v != 0 {
				return false
			}
		}
	}
	return true
}

// compiled is a compiled graph and its executable.
type compiled struct {
	g   *Graph
	exe compute.Executable
}

func compile(be compute.Backend, name string, build func(g *Graph) ([]*Node, error)) (*compiled, error) {
	g := NewGraph(be, name)
	outs, err := build(g)
	if err != nil {
		g.Finalize()
		return nil, err
	}
	if err := g.Compile(outs...); err != nil {
		g.Finalize()
		return nil, fmt.Errorf("gomlxmodels: compiling %s on backend %s: %w", name, be.Name(), err)
	}
	return &compiled{g: g, exe: g.Executable()}, nil
}

func (c *compiled) run(inputs []compute.Buffer) ([]compute.Buffer, error) {
	var outs []compute.Buffer
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("gomlxmodels: executing %s: %v", c.g.Name(), r)
			}
		}()
		outs, err = c.exe.Execute(inputs, nil, 0)
	}()
	if err != nil {
		return nil, fmt.Errorf("gomlxmodels: executing %s: %w", c.g.Name(), err)
	}
	return outs, nil
}

func (c *compiled) close() {
	if c != nil && c.g != nil {
		c.g.Finalize()
	}
}

// netState is a network's parameters as backend buffers: trained variables
// (w, w_out, b_out[, taus_gaus]) and fixed inputs (w_in^T and masks).
type netState struct {
	vars  []compute.Buffer
	fixed []compute.Buffer
}

func finalizeAll(bufs []compute.Buffer) {
	for _, b := range bufs {
		if b != nil {
			_ = b.Finalize()
		}
	}
}

func (st *netState) close() {
	finalizeAll(st.vars)
	finalizeAll(st.fixed)
}

// toFloat32 converts row-major float64 data.
func toFloat32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func bufferOf(be compute.Backend, data []float32, sh shapes.Shape) (compute.Buffer, error) {
	if len(data) != sh.Size() {
		return nil, fmt.Errorf("gomlxmodels: %d values for shape %s", len(data), sh)
	}
	b, err := be.BufferFromFlatData(0, data, sh)
	if err != nil {
		return nil, fmt.Errorf("gomlxmodels: creating a %s buffer: %w", sh, err)
	}
	return b, nil
}

// newNetState uploads net's parameters. w is uploaded as stored: with
// Dale's principle a saved w is already relu'ed, which trains identically
// (negative entries of the unconstrained variable are dead, like zeros).
func newNetState(be compute.Backend, s netSpec, net *spikernn.Network) (*netState, error) {
	N := s.N
	st := &netState{}
	vs := s.varShapes()
	data := [][]float32{
		toFloat32(denseRows(net.W)),
		toFloat32(net.WOut),
		{float32(net.BOut)},
	}
	if s.TauTrain {
		data = append(data, toFloat32(net.TausGaus))
	}
	for i, d := range data {
		b, err := bufferOf(be, d, vs[i])
		if err != nil {
			st.close()
			return nil, err
		}
		st.vars = append(st.vars, b)
	}
	fs := s.fixedShapes()
	winT := make([]float32, s.NIn*N)
	for i := range N {
		for c := range s.NIn {
			winT[c*N+i] = float32(net.WIn.At(i, c))
		}
	}
	fixed := [][]float32{winT}
	if s.DiagM {
		m2 := make([]float32, N*N)
		for i := range N {
			for j := range N {
				m2[i*N+j] = float32(net.M.At(j, j) * net.SomM.At(i, j))
			}
		}
		fixed = append(fixed, m2)
	} else {
		fixed = append(fixed, toFloat32(denseRows(net.M)), toFloat32(denseRows(net.SomM)))
	}
	for i, d := range fixed {
		b, err := bufferOf(be, d, fs[i])
		if err != nil {
			st.close()
			return nil, err
		}
		st.fixed = append(st.fixed, b)
	}
	return st, nil
}

func denseRows(m *mat.Dense) []float64 {
	r, c := m.Dims()
	out := make([]float64, 0, r*c)
	for i := range r {
		out = append(out, m.RawRowView(i)...)
	}
	return out
}

// readFloats copies a buffer to Go.
func readFloats(b compute.Buffer) ([]float32, error) {
	sh, err := b.Shape()
	if err != nil {
		return nil, fmt.Errorf("gomlxmodels: reading a buffer: %w", err)
	}
	out := make([]float32, sh.Size())
	if err := b.ToFlatData(out); err != nil {
		return nil, fmt.Errorf("gomlxmodels: reading a buffer: %w", err)
	}
	return out, nil
}

func readScalar(b compute.Buffer) (float64, error) {
	v, err := readFloats(b)
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, errors.New("gomlxmodels: expected a scalar")
	}
	return float64(v[0]), nil
}

// writeInto copies the trained variables into net (a clone the caller
// owns): w (relu'ed with Dale, as the reference saves it), w_out, b_out and
// taus_gaus.
func (st *netState) writeInto(s netSpec, net *spikernn.Network) error {
	vars := make([][]float32, len(st.vars))
	for i, b := range st.vars {
		var err error
		if vars[i], err = readFloats(b); err != nil {
			return err
		}
	}
	writeHostVars(s, vars, net)
	return nil
}

// writeHostVars copies trained variables read to the host (w, w_out, b_out
// and, when trained, taus_gaus, in parameter order) into net: W after
// Dale's relu, as the reference saves it.
func writeHostVars(s netSpec, vars [][]float32, net *spikernn.Network) {
	N := s.N
	W := mat.NewDense(N, N, nil)
	for i := range N {
		row := W.RawRowView(i)
		for j := range N {
			v := float64(vars[0][i*N+j])
			if s.Dale && !(v > 0) {
				v = 0
			}
			row[j] = v
		}
	}
	net.W = W
	net.WOut = toFloat64(vars[1])
	net.BOut = float64(vars[2][0])
	if s.TauTrain {
		net.TausGaus = toFloat64(vars[3])
	}
}

func toFloat64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// adamLR returns TensorFlow 1's bias-corrected step size for Adam step t
// (1-based): lr * sqrt(1 - b2^t) / (1 - b1^t).
func adamLR(lr float64, t int) float64 {
	return lr * math.Sqrt(1-math.Pow(adamBeta2, float64(t))) / (1 - math.Pow(adamBeta1, float64(t)))
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
