package gomlxmodels

import (
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // the graph DSL reads best unqualified
	"github.com/spikernn/spikernn/spikernn"
)

// multiSpec is the training step of M independent networks in one graph:
// every tensor of netSpec's step gains a leading network axis (w [M, N, N],
// states [M, B, N], ...), and every product is a DotGeneral with that axis
// as its batch axis, so that each of the step's ~2700 operations is issued
// once for the M networks. Nothing mixes the networks: each network's
// values are computed by the same kernels, in the same order, whatever M
// (see dotM), so a network trains to the same bits in any group.
//
// The decay constants' range is a per-network input (tau_a, tau_b), not a
// graph constant: networks with different ranges share a graph.
type multiSpec struct {
	netSpec     // the per-network description (TauMin/TauMax unused)
	M       int // networks
	// GoThreshold is the Go backend's flop count from which a matrix
	// product switches from its small kernel to its large (packed) one
	// (see dotM); 0 for other backends.
	GoThreshold int
}

// goSmallMatMulThreshold is the Go backend's switch between its small and
// large matrix kernels (github.com/gomlx/compute v0.1.2,
// internal/gobackend/dot/matmul: noSIMDSmallMatMulSizeThreshold, used by
// the SIMD and portable routers alike), in multiply-adds of a whole
// DotGeneral, batch included.
const goSmallMatMulThreshold = 4 * 1024 * 1024

// multiVarShapes returns the shapes of the trained variables of M networks.
func (s multiSpec) varShapes() []shapes.Shape {
	out := []shapes.Shape{shapes.Make(f32, s.M, s.N, s.N), shapes.Make(f32, s.M, s.N), shapes.Make(f32, s.M)}
	if s.TauTrain {
		out = append(out, shapes.Make(f32, s.M, s.N))
	}
	return out
}

// fixedShapes: w_in^T [M, NIn, N], the masks [M, N, N] (m2, or m and som_m)
// and the decay constants' inputs tau_a, tau_b [M] (see alpha).
func (s multiSpec) fixedShapes() []shapes.Shape {
	out := []shapes.Shape{shapes.Make(f32, s.M, s.NIn, s.N), shapes.Make(f32, s.M, s.N, s.N)}
	if !s.DiagM {
		out = append(out, shapes.Make(f32, s.M, s.N, s.N))
	}
	return append(out, shapes.Make(f32, s.M), shapes.Make(f32, s.M))
}

// batchShapes: u [M, T-1, B, NIn], noise [M, T-1, B, N], x0 [M, B, N], z
// [M, T-1, B]: each network's batch in netSpec's layout, one after the
// other.
func (s multiSpec) batchShapes() []shapes.Shape {
	K := s.steps()
	return []shapes.Shape{shapes.Make(f32, s.M, K, s.B, s.NIn), shapes.Make(f32, s.M, K, s.B, s.N),
		shapes.Make(f32, s.M, s.B, s.N), shapes.Make(f32, s.M, K, s.B)}
}

// multiNodes are the M networks' parameters inside a graph.
type multiNodes struct {
	w, wout, bout, tg *Node
	winT              *Node
	m2, m, som        *Node
	tauA, tauB        *Node // [M]: 1/tau (fixed) or tau_min and tau_max - tau_min
}

// dotM returns the DotGeneral of lhs and rhs with axis 0 (the network axis)
// as batch axis of both. On the Go backend, a product whose per-network
// work is under the small-kernel threshold but whose M-network total is not
// is split into groups of networks that stay under it: the small and large
// kernels round differently, and a network's result must not depend on M.
func (s multiSpec) dotM(lhs *Node, lc []int, rhs *Node, rc []int) *Node {
	M := s.M
	per := lhs.Shape().Size() / M // batch and contracted and lhs cross
	rcross := rhs.Shape().Size() / M
	for _, a := range rc {
		rcross /= rhs.Shape().Dimensions[a]
	}
	flops := per * rcross
	dot := func(l, r *Node) *Node { return DotGeneral(l, lc, []int{0}, r, rc, []int{0}) }
	if s.GoThreshold == 0 || flops >= s.GoThreshold || M*flops < s.GoThreshold {
		return dot(lhs, rhs)
	}
	chunk := max(1, (s.GoThreshold-1)/flops)
	var parts []*Node
	for lo := 0; lo < M; lo += chunk {
		hi := min(M, lo+chunk)
		parts = append(parts, dot(Slice(lhs, AxisRange(lo, hi)), Slice(rhs, AxisRange(lo, hi))))
	}
	return Concatenate(parts, 0)
}

// bcastM broadcasts a per-network tensor x ([M] or [M, N]) to dims, x's
// axes being dims' first and last (for [M, N]) axes.
func bcastM(x *Node, dims ...int) *Node {
	var expanded []int
	if x.Rank() == 1 {
		for a := 1; a < len(dims); a++ {
			expanded = append(expanded, a)
		}
	} else {
		for a := 1; a < len(dims)-1; a++ {
			expanded = append(expanded, a)
		}
	}
	if len(expanded) == 0 {
		return x
	}
	return ExpandAndBroadcast(x, dims, expanded)
}

// padColsM pads the last axis of [M, N, N] to a multiple of simdWidth (see
// netSpec.padCols).
func (s multiSpec) padColsM(m *Node) *Node {
	pad := (simdWidth - s.N%simdWidth) % simdWidth
	if !s.CleanAVX || pad == 0 {
		return m
	}
	return Concatenate([]*Node{m, Zeros(m.Graph(), shapes.Make(f32, s.M, s.N, pad))}, 2)
}

// stepProductM returns, for every network, v m ([M, B, N]) for the
// state-shaped v ([M, B, N]) and a matrix from padColsM.
func (s multiSpec) stepProductM(v, mPadded *Node) *Node {
	y := s.dotM(v, []int{2}, mPadded, []int{1})
	if mPadded.Shape().Dimensions[2] != s.N {
		y = Slice(y, AxisRange(), AxisRange(), AxisRange(0, s.N))
	}
	return s.clean(y)
}

// effectiveM is netSpec.effective for M networks (written-out gradient).
func (s multiSpec) effectiveM(p multiNodes) *Node {
	w := p.w
	if s.Dale {
		w = Max(w, scalar(w.Graph(), 0))
	}
	if s.DiagM {
		return Mul(w, p.m2)
	}
	return Mul(s.dotM(w, []int{2}, p.m, []int{1}), p.som)
}

// alphaM returns DeltaT/tau, [M, N]: tau_a (= 1/tau) with a fixed decay
// constant, else 1/(sigmoid(taus_gaus) tau_b + tau_a).
func (s multiSpec) alphaM(p multiNodes) *Node {
	if !s.TauTrain {
		return bcastM(Reshape(p.tauA, s.M, 1), s.M, s.N)
	}
	tau := Add(Mul(sigmoid(p.tg), bcastM(Reshape(p.tauB, s.M, 1), s.M, s.N)), bcastM(Reshape(p.tauA, s.M, 1), s.M, s.N))
	return Reciprocal(tau)
}

// stackM stacks per-step tensors [M, B, N] into [M, len, B, N].
func stackM(xs []*Node) *Node {
	parts := make([]*Node, len(xs))
	for i, x := range xs {
		d := x.Shape().Dimensions
		parts[i] = Reshape(x, d[0], 1, d[1], d[2])
	}
	return Concatenate(parts, 1)
}

// sliceStep returns step k of a [M, K, B, N] tensor as [M, B, N].
func sliceStep(x *Node, k int) *Node {
	d := x.Shape().Dimensions
	return Reshape(Slice(x, AxisRange(), AxisElem(k)), d[0], d[2], d[3])
}

// multiFwd is fwd for M networks: states [M, B, N] per step, O [M, T-1, B].
type multiFwd struct {
	weff, a *Node
	xs, rs  []*Node
	vs      []*Node
	rNext   *Node // [M, K, B, N]
	O       *Node // [M, K, B]
}

// forward is netSpec.forward for M networks.
func (s multiSpec) forward(g *Graph, p multiNodes, b batchNodes) *multiFwd {
	M, N, B, K := s.M, s.N, s.B, s.steps()
	f := &multiFwd{}
	f.weff = s.effectiveM(p)
	f.a = s.alphaM(p)
	// waT[m][j][i] = a_i W_eff[m][i][j].
	waT := Transpose(Mul(f.weff, ExpandAndBroadcast(f.a, []int{M, N, N}, []int{2})), 1, 2)
	waT = s.padColsM(waT)
	winTa := Mul(p.winT, ExpandAndBroadcast(f.a, []int{M, s.NIn, N}, []int{1}))
	e := Add(s.dotM(b.u, []int{3}, winTa, []int{1}), b.noise) // [M, K, B, N]

	aStep := ExpandAndBroadcast(f.a, []int{M, B, N}, []int{1})
	oneMinusA := Add(Neg(aStep), scalar(g, 1))
	var zeros, twenty *Node
	if s.Act != spikernn.Sigmoid {
		zeros = Zeros(g, shapes.Make(f32, M, B, N))
		twenty = Add(zeros, scalar(g, 20))
	}
	x := b.x0
	r := s.phi(x, zeros, twenty)
	f.xs = append(make([]*Node, 0, K+1), x)
	f.rs = append(make([]*Node, 0, K+1), r)
	for k := range K {
		y := s.stepProductM(r, waT)
		v := Add(y, sliceStep(e, k))
		x = Add(Mul(oneMinusA, x), v)
		r = s.phi(x, zeros, twenty)
		f.xs, f.rs = append(f.xs, x), append(f.rs, r)
		if s.TauTrain {
			f.vs = append(f.vs, v)
		}
	}
	f.rNext = stackM(f.rs[1:])
	f.O = Add(s.dotM(f.rNext, []int{3}, p.wout, []int{1}), bcastM(p.bout, M, K, B)) // [M, K, B]
	return f
}

// lossOf returns the per-trial losses [M, B], the per-network mean losses
// [M] and dLoss/dO [M, K, B] (see netSpec.lossOf).
func (s multiSpec) lossOf(O, z *Node) (perTrial, loss, dO *Node) {
	g := O.Graph()
	diff := Sub(O, z)
	invB := scalar(g, 1/float64(s.B))
	if s.LossFn == spikernn.LossL1 {
		perTrial = ReduceSum(Abs(diff), 1)
		dO = Mul(Sign(diff), invB)
	} else {
		perTrial = Sqrt(ReduceSum(Mul(diff, diff), 1))
		scale := Mul(Reciprocal(perTrial), invB) // [M, B]
		dO = Mul(diff, ExpandAndBroadcast(scale, []int{s.M, s.steps(), s.B}, []int{1}))
	}
	loss = Mul(ReduceSum(perTrial, 1), invB)
	return perTrial, loss, dO
}

// adjoint is netSpec.adjoint for M networks.
func (s multiSpec) adjoint(g *Graph, p multiNodes, b batchNodes, f *multiFwd, dO *Node) grads {
	M, N, B, K := s.M, s.N, s.B, s.steps()
	rNext := f.rNext
	rPrev := stackM(f.rs[:K])
	aK := ExpandAndBroadcast(f.a, []int{M, K, B, N}, []int{1, 2})
	var gr grads
	gr.wout = s.dotM(dO, []int{1, 2}, rNext, []int{1, 2}) // [M, N]
	gr.bout = ReduceSum(dO, 1, 2)

	var xNext *Node
	if s.Act != spikernn.Sigmoid {
		xNext = stackM(f.xs[1:])
	}
	sa := Mul(s.phiPrime(xNext, rNext), aK)
	direct := Mul(
		ExpandAndBroadcast(dO, []int{M, K, B, N}, []int{3}),
		ExpandAndBroadcast(p.wout, []int{M, K, B, N}, []int{1, 2}))
	ka := Mul(direct, sa)

	aStep := ExpandAndBroadcast(f.a, []int{M, B, N}, []int{1})
	oneMinusA := Add(Neg(aStep), scalar(g, 1))
	qs := make([]*Node, K)
	q := sliceStep(ka, K-1)
	qs[K-1] = q
	weff := s.padColsM(f.weff)
	for k := K - 2; k >= 0; k-- {
		back := s.stepProductM(q, weff)
		q = Add(Add(Mul(back, sliceStep(sa, k)), sliceStep(ka, k)), Mul(oneMinusA, q))
		qs[k] = q
	}
	Q := stackM(qs) // [M, K, B, N]
	qT := Transpose(Reshape(Q, M, K*B, N), 1, 2)
	gWeff := s.clean(s.dotM(qT, []int{2}, Reshape(rPrev, M, K*B, N), []int{1}))
	if s.DiagM {
		gr.w = Mul(gWeff, p.m2)
	} else {
		gr.w = s.dotM(Mul(gWeff, p.som), []int{2}, p.m, []int{2})
	}
	if s.Dale {
		gr.w = Mul(gr.w, ConvertDType(GreaterThan(p.w, scalar(g, 0)), f32))
	}
	if s.TauTrain {
		xPrev := stackM(f.xs[:K])
		dxda := Sub(Sub(stackM(f.vs), b.noise), Mul(aK, xPrev))
		sum := ReduceSum(Mul(Q, dxda), 1, 2) // [M, N]
		sig := sigmoid(p.tg)
		dsig := Sub(sig, Mul(sig, sig))
		negSpan := bcastM(Reshape(Neg(p.tauB), M, 1), M, N)
		gr.tg = Mul(Mul(sum, dsig), negSpan)
	}
	return gr
}

// Output positions of the multi training step after the new variables and
// Adam moments (3 * numVars outputs).
const (
	mOutLoss    = iota // per-network mean loss, [M]
	mOutGradSum        // per-network sum of every gradient entry, [M]
	mOutO              // [M, T-1, B]
	mOutX              // [M, T-1, B, N]
	mOutR              // [M, T-1, B, N]
	mNumExtras
)

// buildTrainStep builds one Adam step of M networks. Parameters: variables,
// first moments, second moments (each [M, ...]), fixed inputs, batch, lr_t
// [M] and active [M] (1: train, 0: keep). A network's variables and moments
// change only where it is active and its loss and gradients are finite;
// otherwise they pass through unchanged.
func (s multiSpec) buildTrainStep(g *Graph) ([]*Node, error) {
	var outs []*Node
	err := tryGraph(func() {
		nv := s.numVars()
		vs := s.varShapes()
		names := []string{"w", "w_out", "b_out", "taus_gaus"}
		vars := make([]*Node, nv)
		ms := make([]*Node, nv)
		vv := make([]*Node, nv)
		for i := range nv {
			vars[i] = Parameter(g, names[i], vs[i])
		}
		for i := range nv {
			ms[i] = Parameter(g, names[i]+"_m", vs[i])
		}
		for i := range nv {
			vv[i] = Parameter(g, names[i]+"_v", vs[i])
		}
		var p multiNodes
		p.w, p.wout, p.bout = vars[0], vars[1], vars[2]
		if s.TauTrain {
			p.tg = vars[3]
		}
		fs := s.fixedShapes()
		p.winT = Parameter(g, "w_in_t", fs[0])
		i := 1
		if s.DiagM {
			p.m2 = Parameter(g, "mask", fs[1])
			i = 2
		} else {
			p.m = Parameter(g, "m", fs[1])
			p.som = Parameter(g, "som_m", fs[2])
			i = 3
		}
		p.tauA = Parameter(g, "tau_a", fs[i])
		p.tauB = Parameter(g, "tau_b", fs[i+1])
		bs := s.batchShapes()
		b := batchNodes{
			u:     Parameter(g, "u", bs[0]),
			noise: Parameter(g, "noise", bs[1]),
			x0:    Parameter(g, "x0", bs[2]),
			z:     Parameter(g, "z", bs[3]),
		}
		lrT := Parameter(g, "lr_t", shapes.Make(f32, s.M))
		active := Parameter(g, "active", shapes.Make(f32, s.M))

		f := s.forward(g, p, b)
		_, loss, dO := s.lossOf(f.O, b.z)
		gl := s.adjoint(g, p, b, f, dO).list(nv)
		var gsum *Node
		for i := range nv {
			sum := gl[i]
			if sum.Rank() > 1 {
				axes := make([]int, sum.Rank()-1)
				for a := range axes {
					axes[a] = a + 1
				}
				sum = ReduceSum(sum, axes...)
			}
			if gsum == nil {
				gsum = sum
			} else {
				gsum = Add(gsum, sum)
			}
		}
		ok := LogicalAnd(GreaterThan(active, scalar(g, 0)), LogicalAnd(IsFinite(loss), IsFinite(gsum)))
		newVars := make([]*Node, nv)
		newM := make([]*Node, nv)
		newV := make([]*Node, nv)
		for i := range nv {
			lr := bcastM(lrT, vs[i].Dimensions...)
			pv, mv, vv2 := adamUpdate(vars[i], gl[i], ms[i], vv[i], lr)
			newVars[i] = Where(ok, pv, vars[i])
			newM[i] = Where(ok, mv, ms[i])
			newV[i] = Where(ok, vv2, vv[i])
		}
		outs = append(append(append(outs, newVars...), newM...), newV...)
		outs = append(outs, loss, gsum, f.O, stackM(f.xs[1:]), f.rNext)
	})
	return outs, err
}
