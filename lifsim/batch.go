package lifsim

import (
	"context"
	"math/bits"

	"gonum.org/v1/gonum/mat"
)

// lanes is the number of trials the batched kernel simulates together, one
// per vector lane: eight float64 lanes fill one AVX-512 register.
const lanes = 8

// readoutParts is the number of partial sums stepUnits splits the readout
// sum into (2 for stepScalar, 4 for stepAVX2, 8 for stepAVX512; the units
// past the last full group of parts are then added one by one). The batched
// kernel sums in the same order, so that its output traces are bit-identical
// to the single-trial kernel's on the same build and machine.
var readoutParts = 2

// Batching: a grid search or an evaluation simulates many independent
// trials of one network. The batched kernel (runLanes) runs eight of them at
// once with the state laid out [unit][lane], so that one vector instruction
// advances one unit in eight trials, and the constants of a unit (decay
// factors, weights) are loaded once for eight trials. Each trial keeps its
// own noise stream (FastNoise seeded by its seed and stream, drawn in the
// order the single-trial kernel draws), and every arithmetic operation of a
// lane is the single-trial kernel's (runFast) operation on the same operands
// in the same order: spikes, counts and output traces are identical to
// Network.Run's, whatever the batching and the number of workers.

// laneTrial is one trial of a batch.
type laneTrial struct {
	u            *mat.Dense
	seed, stream uint64
}

// batch is one worker's scratch for the batched kernel, reusable across
// networks of the same size.
type batch struct {
	net                        *Network
	N                          int
	v, ipsc, H, A, z, jd, gate []float64 // [unit][lane]
	edL, chdtL                 []float64 // [unit][lane]: the unit constants repeated per lane
	ref                        []int32   // [unit][lane]
	extb                       []float64 // [col][unit][lane]: external drive plus bias
	cur, prev                  [lanes][]int32
	ring                       [][]int32 // refractory release lists of flat indices unit*lanes+lane
	rej                        []uint64
	noise                      [lanes]FastNoise
	in                         [lanes]input
	out                        [lanes][]float64
	st                         *state          // single-trial fallback
	ctx                        context.Context // checked every 1024 steps (nil: never)
}

// canBatch reports whether the batched kernel applies to the network: the
// cases runFast handles (LIF units, double-exponential synapses).
func (n *Network) canBatch() bool {
	p := n.Params
	return p.Model == LIF && p.Tr > 0 && n.consts.fast && !forceGeneral
}

// newBatch returns batch scratch for the network.
func (n *Network) newBatch() *batch {
	b := &batch{}
	b.bind(n)
	return b
}

// bind makes b simulate network n.
func (b *batch) bind(n *Network) {
	if b.net == n {
		return
	}
	b.net = n
	N := n.N
	if b.N != N {
		b.N = N
		buf := make([]float64, 9*N*lanes)
		k := N * lanes
		b.v, b.ipsc, b.H, b.A = buf[0:k:k], buf[k:2*k:2*k], buf[2*k:3*k:3*k], buf[3*k:4*k:4*k]
		b.z, b.jd, b.gate = buf[4*k:5*k:5*k], buf[5*k:6*k:6*k], buf[6*k:7*k:7*k]
		b.edL, b.chdtL = buf[7*k:8*k:8*k], buf[8*k:9*k:9*k]
		b.ref = make([]int32, k)
		b.rej = make([]uint64, k)
		for l := range lanes {
			b.cur[l] = make([]int32, N)
			b.prev[l] = make([]int32, N)
		}
		b.st = nil
	}
	c := n.consts
	for j := range N {
		for l := range lanes {
			b.edL[j*lanes+l] = c.ed[j]
			b.chdtL[j*lanes+l] = c.chdt[j]
		}
	}
	if b.st != nil {
		b.st.consts = n.consts
	}
}

// run simulates the trials (at most lanes of them) of network b.net and
// returns each one's output trace (valid until the next run) and the step.
// With res non-nil, res[l] (non-nil entries) receives trial l's V0, Counts
// and, with spikes set, its spike list; Out is left to the caller. Trials
// whose inputs differ in length, and networks the batched kernel does not
// cover, run one at a time on the single-trial kernels (same results).
func (b *batch) run(trials []laneTrial, res []*Result, spikes bool) ([][]float64, float64, error) {
	n := b.net
	m := len(trials)
	if m == 0 || m > lanes {
		panic("lifsim: batch of invalid size")
	}
	for l, t := range trials {
		if err := n.prepareInput(t.u, &b.in[l]); err != nil {
			return nil, 0, laneError{l, err}
		}
	}
	same := true
	for l := 1; l < m; l++ {
		if b.in[l].nt != b.in[0].nt || b.in[l].cols != b.in[0].cols {
			same = false
		}
	}
	nt := b.in[0].nt
	outs := make([][]float64, m)
	for l := range m {
		if cap(b.out[l]) < b.in[l].nt {
			b.out[l] = make([]float64, b.in[l].nt)
		}
		b.out[l] = b.out[l][:b.in[l].nt]
		outs[l] = b.out[l]
	}
	var rl [lanes]*Result
	if res != nil {
		copy(rl[:], res)
	}
	if !same || !n.canBatch() || m == 1 {
		if b.st == nil {
			b.st = n.newState()
		}
		for l, t := range trials {
			b.noise[0].Reset(t.seed, t.stream)
			r := rl[l]
			if r != nil && !spikes {
				// Counts without the spike list.
				tmp := &Result{Counts: r.Counts, V0: r.V0}
				n.simulate(b.st, &b.in[l], &b.noise[0], nil, nil, outs[l], tmp)
				continue
			}
			n.simulate(b.st, &b.in[l], &b.noise[0], nil, nil, outs[l], r)
		}
		return outs, b.in[0].dt, nil
	}
	for l := range lanes {
		t := trials[min(l, m-1)]
		b.noise[l].Reset(t.seed, t.stream)
		if l >= m {
			b.in[l].ext = append(b.in[l].ext[:0], b.in[m-1].ext...)
			b.in[l].cols, b.in[l].nt, b.in[l].dt, b.in[l].tsec = b.in[m-1].cols, nt, b.in[m-1].dt, b.in[m-1].tsec
			if cap(b.out[l]) < nt {
				b.out[l] = make([]float64, nt)
			}
			b.out[l] = b.out[l][:nt]
		}
	}
	if err := b.runLanes(nt, rl, spikes); err != nil {
		return nil, 0, err
	}
	return outs, b.in[0].dt, nil
}

// laneError is the error of one trial of a batch.
type laneError struct {
	lane int
	err  error
}

func (e laneError) Error() string { return e.err.Error() }
func (e laneError) Unwrap() error { return e.err }

// runLanes is runFast for lanes trials at once (see runFast for the
// algorithm): inputs b.in, noise b.noise, outputs b.out. It stops early,
// returning ctx.Err(), when b.ctx is done.
func (b *batch) runLanes(nt int, res [lanes]*Result, spikes bool) error {
	n := b.net
	N := n.N
	p := n.Params
	c := n.consts
	dt, dtm, er := c.dt, c.dtm, c.er
	vreset := p.VReset
	clear(b.ipsc)
	clear(b.H)
	clear(b.A)
	clear(b.jd)
	v, ref, gate := b.v, b.ref, b.gate
	ring := b.ringFor(dt, p.Tref)
	ref0 := refUntil(0, dt, p.Tref)
	span := p.VInit - vreset
	r0 := &ring[int(ref0)%len(ring)]
	for l := range lanes {
		g := &b.noise[l]
		for j := range N {
			k := j*lanes + l
			v[k] = vreset + g.Uniform()*span
			ref[k] = ref0
			gate[k] = 0
		}
		if r := res[l]; r != nil {
			for j := range N {
				r.V0[j] = v[j*lanes+l]
			}
		}
	}
	for k := range N * lanes {
		*r0 = append(*r0, int32(k))
	}
	cols := b.in[0].cols
	if cap(b.extb) < cols*N*lanes {
		b.extb = make([]float64, cols*N*lanes)
	}
	b.extb = b.extb[:cols*N*lanes]
	for l := range lanes {
		ext := b.in[l].ext
		for q, x := range ext[:cols*N] {
			b.extb[q*lanes+l] = x + p.Bias
		}
	}
	var (
		ncur, nprev       [lanes]int
		o, B              [lanes]float64
		firedL, prevLanes [lanes]bool
		prevFired         bool
	)
	cur, prev := b.cur, b.prev
	wk := c.wk[:N]
	la := laneArgs{v: v, ipsc: b.ipsc, H: b.H, A: b.A, z: b.z, jd: b.jd, gate: gate,
		ed: c.ed[:N], chdt: c.chdt[:N], edL: b.edL, chdtL: b.chdtL,
		er: er, sd: p.NoiseSD, vpeak: p.VPeak, parts: readoutParts}
	for i := 1; i <= nt; i++ {
		if i&1023 == 0 && b.ctx != nil {
			if err := b.ctx.Err(); err != nil {
				return err
			}
		}
		col := colIndex(i)
		la.extb = b.extb[col*N*lanes : (col+1)*N*lanes]
		if back := &ring[i%len(ring)]; len(*back) > 0 {
			for _, k := range *back {
				if ref[k] == int32(i) {
					gate[k] = dtm
				}
			}
			*back = (*back)[:0]
		}
		normalsLanes(&b.noise, b.z, N, b.rej)
		la.cur = &cur
		stepLanes(&la, prevFired, &o, &ncur)
		for l := range lanes {
			if i > 1 {
				b.out[l][i-2] = o[l] - B[l]*er
			}
			B[l] *= er
			for _, s := range prev[l][:nprev[l]] {
				b.A[int(s)*lanes+l] += wk[s]
				B[l] += wk[s]
			}
		}
		// Steps 4-5 and the reset of step 7.
		anyFired := false
		var rs int32
		for l := range lanes {
			spk := cur[l][:ncur[l]]
			fired := len(spk) > 0
			firedL[l] = fired
			if !fired {
				if prevLanes[l] {
					for j := range N {
						b.jd[j*lanes+l] = 0
					}
				}
				continue
			}
			if !anyFired {
				anyFired = true
				rs = refUntil(i, dt, p.Tref)
			}
			n.sumColumnsLane(b.jd, l, spk)
			back := &ring[int(rs)%len(ring)]
			for _, s := range spk {
				k := int(s)*lanes + l
				ref[k] = rs
				gate[k] = 0
				v[k] = vreset
				*back = append(*back, int32(k))
			}
			if r := res[l]; r != nil {
				if spikes {
					r.addSpikes(spk, i, dt)
				} else if i >= 10 {
					for _, s := range spk {
						r.Counts[s]++
					}
				}
			}
		}
		cur, prev = prev, cur
		nprev = ncur
		prevLanes = firedL
		prevFired = anyFired
	}
	b.cur, b.prev = cur, prev
	// Readout of the last step.
	if nt > 0 {
		ed := c.ed[:N]
		for l := range lanes {
			var s float64
			for j := range N {
				s += b.A[j*lanes+l] * ed[j]
			}
			b.out[l][nt-1] = s - B[l]*er
		}
	}
	return nil
}

// ringFor is state.ringFor for the batch.
func (b *batch) ringFor(dt, tref float64) [][]int32 {
	size := int(tref/dt) + 3
	if cap(b.ring) < size {
		b.ring = make([][]int32, size)
	}
	b.ring = b.ring[:size]
	for k := range b.ring {
		b.ring[k] = b.ring[k][:0]
	}
	return b.ring
}

// sumColumnsLane is sumColumns for lane l of jd ([unit][lane]): the same
// sums in the same order.
func (n *Network) sumColumnsLane(jd []float64, l int, spk []int32) {
	N := n.N
	jd = jd[:N*lanes]
	if n.wcol == nil {
		for j := range N {
			jd[j*lanes+l] = 0
		}
		for _, s := range spk {
			lo, hi := n.sptr[s], n.sptr[s+1]
			idx, val := n.sidx[lo:hi], n.sval[lo:hi]
			val = val[:len(idx)]
			for q, r := range idx {
				jd[int(r)*lanes+l] += val[q]
			}
		}
		return
	}
	w := n.wcol[int(spk[0])*N : int(spk[0]+1)*N]
	for j, x := range w {
		jd[j*lanes+l] = x
	}
	for _, s := range spk[1:] {
		w := n.wcol[int(s)*N : int(s+1)*N]
		for j, x := range w {
			jd[j*lanes+l] += x
		}
	}
}

// laneArgs are the operands of one step of the batched fused loop.
type laneArgs struct {
	v, ipsc, H, A, z, jd, gate, extb []float64 // [unit][lane]
	ed, chdt                         []float64 // [unit]
	edL, chdtL                       []float64 // [unit][lane]
	cur                              *[lanes][]int32
	er, sd, vpeak                    float64
	parts                            int // readoutParts
}

// stepLanes runs one step of the batched fused loop: stepUnits for every
// lane. It writes each lane's readout sum to o and its number of spiking
// units (listed in cur[lane]) to nc. It is stepLanesScalar, or a vectorised
// version when the build and the CPU support one.
var stepLanes = stepLanesScalar

// stepLanesScalar is the portable stepLanes.
func stepLanesScalar(a *laneArgs, prevFired bool, o *[lanes]float64, nc *[lanes]int) {
	N := len(a.ed)
	K := a.parts
	nmain := N
	if K > 2 {
		nmain = N - N%K
	}
	var acc [8][lanes]float64
	var tail [8][lanes]float64
	*nc = [lanes]int{}
	er, sd, vpeak := a.er, a.sd, a.vpeak
	ed, chdt := a.ed[:N], a.chdt[:N]
	cur := a.cur
	for j := range N {
		e, ch := ed[j], chdt[j]
		q := j * lanes
		v := (*[lanes]float64)(a.v[q:])
		ipsc := (*[lanes]float64)(a.ipsc[q:])
		H := (*[lanes]float64)(a.H[q:])
		A := (*[lanes]float64)(a.A[q:])
		z := (*[lanes]float64)(a.z[q:])
		jd := (*[lanes]float64)(a.jd[q:])
		gate := (*[lanes]float64)(a.gate[q:])
		extb := (*[lanes]float64)(a.extb[q:])
		var s *[lanes]float64
		if j < nmain {
			s = &acc[j&(K-1)]
		} else {
			s = &tail[j-nmain]
		}
		var spiked uint32
		for l := range lanes {
			ip := ipsc[l]*e + H[l]
			if prevFired {
				H[l] = H[l]*er + jd[l]*ch
			} else {
				H[l] *= er
			}
			ipsc[l] = ip
			x := A[l] * e
			A[l] = x
			s[l] += x
			vj := v[l]
			vj += (ip + extb[l] - vj) * gate[l]
			vj += z[l] * sd
			v[l] = vj
			if vj >= vpeak {
				spiked |= 1 << l
			}
		}
		for spiked != 0 {
			l := bits.TrailingZeros32(spiked)
			cur[l][nc[l]] = int32(j)
			nc[l]++
			spiked &= spiked - 1
		}
	}
	for l := range lanes {
		var r float64
		switch K {
		case 2:
			r = acc[0][l] + acc[1][l]
		case 4:
			r = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l])
		default:
			r = ((acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l])) + ((acc[4][l] + acc[5][l]) + (acc[6][l] + acc[7][l]))
		}
		for t := range N - nmain {
			r += tail[t][l]
		}
		o[l] = r
	}
}
