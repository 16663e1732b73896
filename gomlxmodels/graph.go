package gomlxmodels

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // the graph DSL reads best unqualified
	"github.com/spikernn/spikernn/spikernn"
)

// f32 is the dtype of every tensor of the model, as in the reference
// (TensorFlow float32).
const f32 = dtypes.Float32

// Adam hyper-parameters of the reference (TensorFlow 1 defaults).
const (
	adamBeta1   = 0.9
	adamBeta2   = 0.999
	adamEpsilon = 1e-8
)

// netSpec is the static description a graph is compiled for: sizes, batch
// and the options that change the graph's structure.
type netSpec struct {
	N, NIn int // units, input channels
	T      int // trial length in steps; the graph unrolls T-1 steps
	B      int // batch (trials per execution)

	Act            spikernn.Activation // spikernn.Sigmoid, ClippedReLU or Softplus
	LossFn         spikernn.LossFn     // spikernn.LossL1 or LossL2
	Dale           bool                // relu on w (Dale's principle)
	TauTrain       bool                // decay constants trained through taus_gaus
	TauMin, TauMax float64
	DiagM          bool // the sign mask m is diagonal (always, for spikernn networks)

	// CleanAVX inserts, after matrix products, an operation that ends with
	// VZEROUPPER (see clean), and pads the per-step products' matrices to
	// a multiple of 16 columns (see padCols). For the Go backend built with
	// GOEXPERIMENT=simd.
	CleanAVX bool
}

func (s netSpec) steps() int { return s.T - 1 }

// numVars is the number of trained variables: w, w_out, b_out and, with a
// decay range, taus_gaus.
func (s netSpec) numVars() int {
	if s.TauTrain {
		return 4
	}
	return 3
}

// varShapes returns the shapes of the trained variables, in parameter order.
func (s netSpec) varShapes() []shapes.Shape {
	out := []shapes.Shape{shapes.Make(f32, s.N, s.N), shapes.Make(f32, s.N), shapes.Make(f32)}
	if s.TauTrain {
		out = append(out, shapes.Make(f32, s.N))
	}
	return out
}

// fixedShapes returns the shapes of the fixed (untrained) network inputs:
// w_in transposed (NIn x N) and the masks: the combined mask m2[i][j] =
// m[j][j]*som_m[i][j] when m is diagonal, else m and som_m.
func (s netSpec) fixedShapes() []shapes.Shape {
	out := []shapes.Shape{shapes.Make(f32, s.NIn, s.N)}
	if s.DiagM {
		return append(out, shapes.Make(f32, s.N, s.N))
	}
	return append(out, shapes.Make(f32, s.N, s.N), shapes.Make(f32, s.N, s.N))
}

// batchShapes returns the shapes of one batch of trials: inputs u (T-1 x B x
// NIn, u_0..u_{T-2}), noise (T-1 x B x N, for steps 1..T-1), initial states
// x0 (B x N) and, for training, targets z (T-1 x B, z_0..z_{T-2}).
func (s netSpec) batchShapes(withTarget bool) []shapes.Shape {
	K := s.steps()
	out := []shapes.Shape{shapes.Make(f32, K, s.B, s.NIn), shapes.Make(f32, K, s.B, s.N), shapes.Make(f32, s.B, s.N)}
	if withTarget {
		out = append(out, shapes.Make(f32, K, s.B))
	}
	return out
}

// netNodes are the network's parameters inside a graph.
type netNodes struct {
	w, wout, bout, tg *Node // tg is nil with a fixed decay constant
	winT              *Node // NIn x N
	m2                *Node // combined mask (diagonal m)
	m, som            *Node // general masks
}

// batchNodes are a batch's inputs inside a graph.
type batchNodes struct {
	u, noise, x0, z *Node
}

// fwd holds what the unrolled forward pass produces. States are kept per
// step and concatenated over time only where needed (a big Slice is an
// element-by-element copy in the Go backend; Concatenate is a block copy).
type fwd struct {
	weff   *Node   // effective recurrent weights, [i][j] = from j onto i
	a      *Node   // DeltaT/tau per unit, [N]
	xs, rs []*Node // states and rates of steps 0..T-1, each [1, B, N]
	vs     []*Node // per-step increments v_t = a*(W_eff r_{t-1} + w_in u_{t-1}) + noise_t, t = 1..T-1
	rNext  *Node   // r_1..r_{T-1}, [T-1, B, N]
	O      *Node   // outputs o_1..o_{T-1}, [T-1, B]
}

// xNext returns x_1..x_{T-1} as [T-1, B, N].
func (f *fwd) xNext() *Node { return Concatenate(f.xs[1:], 0) }

// clean returns x unchanged, through an operation whose Go-backend
// implementation ends with the instruction VZEROUPPER when s.CleanAVX is set.
//
// With GOEXPERIMENT=simd the Go backend's AVX-512 matrix kernels return with
// the upper halves of the vector registers dirty (no VZEROUPPER), and every
// scalar SSE instruction the Go compiler emits afterwards (all element-wise
// operations: exp, add, multiply, ...) then runs several times slower on this
// project's CPUs until something clears them. A bit-cast to int32 and back
// copies the data with the runtime's memmove, whose AVX path (more than 256
// bytes) ends with VZEROUPPER. Measured: 199 steps of matrix-vector product
// and exp 2.3 ms, against 0.9 + 0.3 ms apart and 1.2 ms with the bit-casts;
// one Go-NoGo training step (N=200) 6.6-6.9 ms without, 5.5-6.4 ms with.
func (s netSpec) clean(x *Node) *Node {
	if !s.CleanAVX {
		return x
	}
	return Bitcast(Bitcast(x, dtypes.Int32), f32)
}

// simdWidth is the number of float32 lanes of the Go backend's AVX-512
// matrix kernels.
const simdWidth = 16

// padCols returns the [N, N] matrix m with zero columns appended up to a
// multiple of simdWidth when s.CleanAVX is set (m itself otherwise), for
// stepProduct.
//
// The Go backend's small AVX-512 matrix kernel handles the columns past the
// last multiple of 16 with scalar Go code. The Go compiler emits legacy SSE
// for it, right after AVX-512 instructions with the upper register halves
// dirty, which on Intel Xeons costs a transition penalty per instruction:
// measured on an Intel Xeon (AVX-512), one Go-NoGo training step (N = 200,
// 398 products) took 20 ms, against 7.4 ms at N = 208 and 14 ms in the
// default build; AMD EPYCs hardly notice it.
func (s netSpec) padCols(m *Node) *Node {
	pad := (simdWidth - s.N%simdWidth) % simdWidth
	if !s.CleanAVX || pad == 0 {
		return m
	}
	return Concatenate([]*Node{m, Zeros(m.Graph(), shapes.Make(f32, s.N, pad))}, 1)
}

// stepProduct returns v m for the state-shaped v ([1, B, N]) and a matrix
// from padCols: [1, B, N], through clean.
func (s netSpec) stepProduct(v, mPadded *Node) *Node {
	y := DotGeneral(v, []int{2}, nil, mPadded, []int{0}, nil)
	if mPadded.Shape().Dimensions[1] != s.N {
		y = Slice(y, AxisRange(), AxisRange(), AxisRange(0, s.N))
	}
	return s.clean(y)
}

// scalar returns a float32 constant.
func scalar(g *Graph, v float64) *Node { return Const(g, float32(v)) }

// effective returns W_eff = (relu(w) @ m) * som_m with Dale, (w @ m) * som_m
// without. relu is Where(w > 0, w, 0): its gradient is 0 at exactly 0, as
// TensorFlow's, so pruned connections stay pruned.
func (s netSpec) effective(p netNodes, autodiff bool) *Node {
	w := p.w
	if s.Dale {
		if autodiff {
			w = Where(GreaterThan(w, ZerosLike(w)), w, ZerosLike(w))
		} else {
			// Same values; the written-out gradient applies relu' itself.
			w = Max(w, scalar(w.Graph(), 0))
		}
	}
	if s.DiagM {
		// m is diagonal: (w @ m) is a column scaling, folded into m2.
		return Mul(w, p.m2)
	}
	return Mul(DotGeneral(w, []int{1}, nil, p.m, []int{0}, nil), p.som)
}

// alpha returns DeltaT/tau for every unit ([N]): tau = sigmoid(taus_gaus) *
// (max - min) + min, or the fixed value.
func (s netSpec) alpha(g *Graph, p netNodes) *Node {
	if !s.TauTrain {
		return BroadcastToDims(scalar(g, 1/s.TauMin), s.N)
	}
	tau := Add(Mul(sigmoid(p.tg), scalar(g, s.TauMax-s.TauMin)), scalar(g, s.TauMin))
	return Reciprocal(tau)
}

// phi applies the transfer function.
func (s netSpec) phi(x *Node, zeros, twenty *Node) *Node {
	switch s.Act {
	case "clipped_relu":
		return Min(Max(x, zeros), twenty)
	case "softplus":
		return Min(softplus(x, zeros), twenty)
	default:
		return sigmoid(x)
	}
}

// sigmoid is 1/(1 + e^-x), written with Exp rather than GoMLX's Logistic:
// the Go backend's Logistic branches on the sign of x, and with the mixed
// signs of a network's states the mispredictions serialise its float64
// exponentials (about 30 ns per value against 7 here). For x < -88 e^-x
// overflows float32 to +Inf and the result is 0, the correct limit.
func sigmoid(x *Node) *Node {
	return Reciprocal(Add(Exp(Neg(x)), scalar(x.Graph(), 1)))
}

// softplus is log(1 + e^x), computed without overflow.
func softplus(x, zeros *Node) *Node {
	return Add(Max(x, zeros), Log1p(Exp(Neg(Abs(x)))))
}

// phiPrime returns the derivative of phi at the states X with rates R (same
// shape), with TensorFlow's conventions at the kinks: relu passes no gradient
// at 0, clip_by_value passes it on the boundary.
func (s netSpec) phiPrime(X, R *Node) *Node {
	g := X.Graph()
	switch s.Act {
	case "clipped_relu":
		zeros := ZerosLike(X)
		twenty := Add(zeros, scalar(g, 20))
		return ConvertDType(LogicalAnd(GreaterThan(X, zeros), LessOrEqual(X, twenty)), f32)
	case "softplus":
		zeros := ZerosLike(X)
		twenty := Add(zeros, scalar(g, 20))
		return Mul(sigmoid(X), ConvertDType(LessOrEqual(softplus(X, zeros), twenty), f32))
	default:
		return Sub(R, Mul(R, R))
	}
}

// forward unrolls the rate dynamics of spec section 1.2 over T-1 steps for a
// batch:
//
//	x_t = (1 - a) x_{t-1} + a (W_eff r_{t-1} + w_in u_{t-1}) + noise_t,  r_t = phi(x_t)
//	o_t = w_out . r_t + b_out
//
// W_eff is scaled by a once per trial (rows) and transposed once, so that
// every step is one matrix-vector product in the fast layout (contract
// axis 1 of the state with axis 0 of the matrix) plus a few element-wise
// operations. The input drive w_in u and the noise enter through one
// precomputed tensor sliced per step; slices need no gradient because the
// backward pass is written out (see adjoint).
func (s netSpec) forward(g *Graph, p netNodes, b batchNodes, autodiff bool) *fwd {
	N, B, K := s.N, s.B, s.steps()
	keepV := !autodiff && s.TauTrain
	f := &fwd{}
	f.weff = s.effective(p, autodiff)
	f.a = s.alpha(g, p)
	// Row i of W_eff scaled by a_i, then transposed: waT[j][i] = a_i W_eff[i][j].
	waT := Transpose(Mul(f.weff, BroadcastToDims(Reshape(f.a, N, 1), N, N)), 0, 1)
	if !autodiff {
		waT = s.padCols(waT)
	}
	// e_t = a * (w_in u_{t-1}) + noise_t for every step at once: [K, B, N],
	// with a folded into the (small) input weights.
	winTa := Mul(p.winT, BroadcastToDims(Reshape(f.a, 1, N), s.NIn, N))
	e := Add(DotGeneral(b.u, []int{2}, nil, winTa, []int{0}, nil), b.noise)

	aStep := ExpandAndBroadcast(f.a, []int{1, B, N}, []int{0, 1})
	oneMinusA := Add(Neg(aStep), scalar(g, 1))
	var zeros, twenty *Node
	if s.Act != spikernn.Sigmoid {
		zeros = Zeros(g, shapes.Make(f32, 1, B, N))
		twenty = Add(zeros, scalar(g, 20))
	}
	x := Reshape(b.x0, 1, B, N)
	r := s.phi(x, zeros, twenty)
	f.xs = append(make([]*Node, 0, K+1), x)
	f.rs = append(make([]*Node, 0, K+1), r)
	for k := range K {
		var y *Node // [1, B, N]
		if autodiff {
			y = DotGeneral(r, []int{2}, nil, waT, []int{0}, nil)
		} else {
			y = s.stepProduct(r, waT)
		}
		v := Add(y, Slice(e, AxisElem(k)))
		x = Add(Mul(oneMinusA, x), v)
		r = s.phi(x, zeros, twenty)
		f.xs, f.rs = append(f.xs, x), append(f.rs, r)
		if keepV {
			f.vs = append(f.vs, v)
		}
	}
	f.rNext = Concatenate(f.rs[1:], 0)
	f.O = Add(DotGeneral(f.rNext, []int{2}, nil, p.wout, []int{0}, nil), p.bout) // [K, B]
	return f
}

// lossOf returns the per-trial losses ([B]) and dLoss/dO for the batch mean
// of the losses ([K, B]): L2 = sqrt(sum_k (o_{k+1} - z_k)^2), L1 = sum_k
// |o_{k+1} - z_k| (spec 1.3; TensorFlow's gradient of |x| is sign(x)).
func (s netSpec) lossOf(O, z *Node) (perTrial, dO *Node) {
	g := O.Graph()
	diff := Sub(O, z)
	invB := scalar(g, 1/float64(s.B))
	if s.LossFn == spikernn.LossL1 {
		perTrial = ReduceSum(Abs(diff), 0)
		return perTrial, Mul(Sign(diff), invB)
	}
	perTrial = Sqrt(ReduceSum(Mul(diff, diff), 0))
	scale := Mul(Reciprocal(perTrial), invB) // [B]
	return perTrial, Mul(diff, ExpandAndBroadcast(scale, []int{s.steps(), s.B}, []int{0}))
}

// grads holds the gradients of the batch-mean loss.
type grads struct {
	w, wout, bout, tg *Node
}

// adjoint writes out backpropagation through time for the forward pass f
// (spec 1.2), given dLoss/dO. With q_t = a * dL/dx_t:
//
//	q_{T-1} = a * phi'(x_{T-1}) * w_out dL/do_{T-1}
//	q_t     = a * phi'(x_t) * (W_eff^T q_{t+1} + w_out dL/do_t) + (1 - a) q_{t+1}
//	dL/dW_eff = sum_t q_t r_{t-1}^T    (one matrix product over time and batch)
//	dL/dtaus_gaus = -(max - min) sigmoid'(taus_gaus) * sum_t q_t (v_t - noise_t - a x_{t-1})
//
// Every step is one matrix-vector product in the fast layout plus a few
// element-wise operations; everything else is batched over time.
func (s netSpec) adjoint(g *Graph, p netNodes, b batchNodes, f *fwd, dO *Node) grads {
	N, B, K := s.N, s.B, s.steps()
	rNext := f.rNext
	rPrev := Concatenate(f.rs[:K], 0)
	aK := ExpandAndBroadcast(f.a, []int{K, B, N}, []int{0, 1})
	var gr grads
	gr.wout = DotGeneral(dO, []int{0, 1}, nil, rNext, []int{0, 1}, nil) // [N]
	gr.bout = ReduceAllSum(dO)

	var xNext *Node
	if s.Act != spikernn.Sigmoid {
		xNext = f.xNext()
	}
	sa := Mul(s.phiPrime(xNext, rNext), aK) // a * phi'(x_t), [K, B, N]
	direct := Mul(
		ExpandAndBroadcast(dO, []int{K, B, N}, []int{2}),
		ExpandAndBroadcast(p.wout, []int{K, B, N}, []int{0, 1}))
	ka := Mul(direct, sa) // a * phi' * w_out dL/do, [K, B, N]

	aStep := ExpandAndBroadcast(f.a, []int{1, B, N}, []int{0, 1})
	oneMinusA := Add(Neg(aStep), scalar(g, 1))
	qs := make([]*Node, K)
	q := Slice(ka, AxisElem(K-1))
	qs[K-1] = q
	weff := s.padCols(f.weff)
	for k := K - 2; k >= 0; k-- {
		back := s.stepProduct(q, weff) // W_eff^T q, [1, B, N]
		q = Add(Add(Mul(back, Slice(sa, AxisElem(k))), Slice(ka, AxisElem(k))), Mul(oneMinusA, q))
		qs[k] = q
	}
	Q := Concatenate(qs, 0) // [K, B, N]
	// dL/dW_eff[i][j] = sum_{k,b} Q[k,b,i] rPrev[k,b,j], as [N, K*B] x [K*B, N].
	qT := Transpose(Reshape(Q, K*B, N), 0, 1)
	gWeff := s.clean(DotGeneral(qT, []int{1}, nil, Reshape(rPrev, K*B, N), []int{0}, nil))
	if s.DiagM {
		gr.w = Mul(gWeff, p.m2)
	} else {
		gr.w = DotGeneral(Mul(gWeff, p.som), []int{1}, nil, p.m, []int{1}, nil) // (g * som) @ m^T
	}
	if s.Dale {
		// relu'(w): no gradient where w <= 0, so pruned connections stay pruned.
		gr.w = Mul(gr.w, ConvertDType(GreaterThan(p.w, scalar(g, 0)), f32))
	}
	if s.TauTrain {
		xPrev := Concatenate(f.xs[:K], 0)
		// a * (h_t - x_{t-1}) with h_t = W_eff r_{t-1} + w_in u_{t-1}.
		dxda := Sub(Sub(Concatenate(f.vs, 0), b.noise), Mul(aK, xPrev))
		sum := ReduceSum(Mul(Q, dxda), 0, 1) // sum_t q_t (h_t - x_{t-1}) a, [N]
		sig := sigmoid(p.tg)
		dsig := Sub(sig, Mul(sig, sig))
		// d a / d tg = -a^2 (max - min) sigmoid'(tg); the a^2 cancels the 1/a^2 of q and dxda.
		gr.tg = Mul(Mul(sum, dsig), scalar(g, -(s.TauMax-s.TauMin)))
	}
	return gr
}

// adamUpdate applies one TensorFlow-1 Adam step to a variable:
//
//	m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr_t m / (sqrt(v) + eps)
//
// with lr_t = lr sqrt(1-b2^t)/(1-b1^t) computed by the caller. (GoMLX's
// optimizer.Adam puts epsilon after the bias correction of v; TensorFlow 1,
// which the reference uses, before.)
func adamUpdate(p, grad, m, v, lrT *Node) (p2, m2, v2 *Node) {
	g := p.Graph()
	m2 = Add(Mul(m, scalar(g, adamBeta1)), Mul(grad, scalar(g, 1-adamBeta1)))
	v2 = Add(Mul(v, scalar(g, adamBeta2)), Mul(Mul(grad, grad), scalar(g, 1-adamBeta2)))
	step := Div(Mul(m2, lrT), Add(Sqrt(v2), scalar(g, adamEpsilon)))
	return Sub(p, step), m2, v2
}

// params creates the graph parameters in order: the trained variables, the
// fixed inputs and the batch.
func (s netSpec) params(g *Graph, withTarget bool) (netNodes, batchNodes, []*Node) {
	var all []*Node
	add := func(name string, sh shapes.Shape) *Node {
		n := Parameter(g, name, sh)
		all = append(all, n)
		return n
	}
	vs := s.varShapes()
	var p netNodes
	p.w = add("w", vs[0])
	p.wout = add("w_out", vs[1])
	p.bout = add("b_out", vs[2])
	if s.TauTrain {
		p.tg = add("taus_gaus", vs[3])
	}
	fs := s.fixedShapes()
	p.winT = add("w_in_t", fs[0])
	if s.DiagM {
		p.m2 = add("mask", fs[1])
	} else {
		p.m = add("m", fs[1])
		p.som = add("som_m", fs[2])
	}
	var b batchNodes
	bs := s.batchShapes(withTarget)
	b.u = add("u", bs[0])
	b.noise = add("noise", bs[1])
	b.x0 = add("x0", bs[2])
	if withTarget {
		b.z = add("z", bs[3])
	}
	return p, b, all
}

func (p netNodes) vars() []*Node {
	out := []*Node{p.w, p.wout, p.bout}
	if p.tg != nil {
		out = append(out, p.tg)
	}
	return out
}

func (gr grads) list(n int) []*Node {
	return []*Node{gr.w, gr.wout, gr.bout, gr.tg}[:n]
}

// Output positions of the training-step graph after the new variables and
// Adam moments (3 * numVars outputs).
const (
	outLoss    = iota // mean loss of the batch, scalar
	outLosses         // per-trial losses, [B]
	outGradSum        // sum of every gradient entry: non-finite iff a gradient is
	outO              // outputs, [T-1, B]
	outX              // states, [T, B, N]
	outR              // rates, [T, B, N]
	numStepExtras
)

// buildTrainStep builds one optimiser step: forward pass, loss, gradients
// (written-out BPTT, or GoMLX's reverse-mode autodiff with autodiff set) and
// the Adam update. Parameters: variables, Adam first moments, Adam second
// moments, fixed inputs, batch (with targets), lr_t.
func (s netSpec) buildTrainStep(g *Graph, autodiff bool) ([]*Node, error) {
	var outs []*Node
	err := tryGraph(func() {
		nv := s.numVars()
		// Parameters: variables first, then moments, then the rest, so
		// that the executable's inputs line up with the engine's buffers.
		vs := s.varShapes()
		var p netNodes
		vars := make([]*Node, nv)
		names := []string{"w", "w_out", "b_out", "taus_gaus"}
		for i := range nv {
			vars[i] = Parameter(g, names[i], vs[i])
		}
		p.w, p.wout, p.bout = vars[0], vars[1], vars[2]
		if s.TauTrain {
			p.tg = vars[3]
		}
		ms := make([]*Node, nv)
		vv := make([]*Node, nv)
		for i := range nv {
			ms[i] = Parameter(g, names[i]+"_m", vs[i])
		}
		for i := range nv {
			vv[i] = Parameter(g, names[i]+"_v", vs[i])
		}
		fs := s.fixedShapes()
		p.winT = Parameter(g, "w_in_t", fs[0])
		if s.DiagM {
			p.m2 = Parameter(g, "mask", fs[1])
		} else {
			p.m = Parameter(g, "m", fs[1])
			p.som = Parameter(g, "som_m", fs[2])
		}
		bs := s.batchShapes(true)
		b := batchNodes{
			u:     Parameter(g, "u", bs[0]),
			noise: Parameter(g, "noise", bs[1]),
			x0:    Parameter(g, "x0", bs[2]),
			z:     Parameter(g, "z", bs[3]),
		}
		lrT := Parameter(g, "lr_t", shapes.Make(f32))

		f := s.forward(g, p, b, autodiff)
		perTrial, dO := s.lossOf(f.O, b.z)
		loss := Mul(ReduceAllSum(perTrial), scalar(g, 1/float64(s.B)))
		var gl []*Node
		if autodiff {
			gl = Gradient(loss, vars...)
		} else {
			gl = s.adjoint(g, p, b, f, dO).list(nv)
		}
		newVars := make([]*Node, nv)
		newM := make([]*Node, nv)
		newV := make([]*Node, nv)
		var gsum *Node
		for i := range nv {
			newVars[i], newM[i], newV[i] = adamUpdate(vars[i], gl[i], ms[i], vv[i], lrT)
			sum := ReduceAllSum(gl[i])
			if gsum == nil {
				gsum = sum
			} else {
				gsum = Add(gsum, sum)
			}
		}
		outs = append(append(append(outs, newVars...), newM...), newV...)
		outs = append(outs, loss, perTrial, gsum, f.O, f.xNext(), f.rNext)
	})
	return outs, err
}

// buildGradients builds a graph returning the loss and the gradients only
// (no update): used by the gradient tests. Parameters: variables, fixed,
// batch with targets.
func (s netSpec) buildGradients(g *Graph, autodiff bool) ([]*Node, error) {
	var outs []*Node
	err := tryGraph(func() {
		p, b, _ := s.params(g, true)
		f := s.forward(g, p, b, autodiff)
		perTrial, dO := s.lossOf(f.O, b.z)
		loss := Mul(ReduceAllSum(perTrial), scalar(g, 1/float64(s.B)))
		outs = append(outs, loss)
		if autodiff {
			outs = append(outs, Gradient(loss, p.vars()...)...)
		} else {
			outs = append(outs, s.adjoint(g, p, b, f, dO).list(s.numVars())...)
		}
	})
	return outs, err
}

// buildForward builds a forward-only graph returning the outputs O ([T-1,
// B]) and, with states, X and R ([T, B, N]). Parameters: variables, fixed,
// batch without targets.
func (s netSpec) buildForward(g *Graph, states bool) ([]*Node, error) {
	var outs []*Node
	err := tryGraph(func() {
		p, b, _ := s.params(g, false)
		f := s.forward(g, p, b, false)
		outs = []*Node{f.O}
		if states {
			outs = append(outs, Concatenate(f.xs, 0), Concatenate(f.rs, 0))
		}
	})
	return outs, err
}

// tryGraph runs a graph-building function, turning GoMLX's panics into
// errors.
func tryGraph(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = fmt.Errorf("gomlxmodels: building the graph: %w", e)
			} else {
				err = fmt.Errorf("gomlxmodels: building the graph: %v", r)
			}
		}
	}()
	fn()
	return nil
}
