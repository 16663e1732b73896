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

// laneUnit is the state of one unit in every lane of a batch.
type laneUnit struct {
	v, ipsc, H, A [lanes]float64
	// gate is dt/tm while the unit integrates and 0 from its spike until
	// its refractory period ends (see runFast).
	gate [lanes]float64
}

// batch is one worker's scratch for the batched kernel, reusable across
// networks of the same size.
type batch struct {
	net       *Network
	N         int
	u         []laneUnit       // per unit
	z, jd     [][lanes]float64 // per unit: membrane noise, recurrent input of the spikes
	extb      [][lanes]float64 // [col*N + unit]: external drive plus bias
	ref       []int32          // [unit*lanes + lane]
	cur, prev [lanes][]int32
	ring      [][]int32 // refractory release lists of flat indices unit*lanes+lane
	noise     [lanes]FastNoise
	in        [lanes]input
	out       [lanes][]float64
	st        *state          // single-trial fallback
	ctx       context.Context // checked every 1024 steps (nil: never)
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
		b.u = make([]laneUnit, N)
		b.z = make([][lanes]float64, N)
		b.jd = make([][lanes]float64, N)
		b.ref = make([]int32, N*lanes)
		for l := range lanes {
			b.cur[l] = make([]int32, N)
			b.prev[l] = make([]int32, N)
		}
		b.st = nil
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
	us, ref := b.u[:N], b.ref[:N*lanes]
	clear(us)
	clear(b.jd)
	ring := b.ringFor(dt, p.Tref)
	ref0 := refUntil(0, dt, p.Tref)
	span := p.VInit - vreset
	r0 := &ring[int(ref0)%len(ring)]
	for l := range lanes {
		g := &b.noise[l]
		for j := range us {
			us[j].v[l] = vreset + g.Uniform()*span
		}
		if r := res[l]; r != nil {
			for j := range N {
				r.V0[j] = us[j].v[l]
			}
		}
	}
	for k := range N * lanes {
		ref[k] = ref0
		*r0 = append(*r0, int32(k))
	}
	cols := b.in[0].cols
	if cap(b.extb) < cols*N {
		b.extb = make([][lanes]float64, cols*N)
	}
	b.extb = b.extb[:cols*N]
	for l := range lanes {
		ext := b.in[l].ext
		for q, x := range ext[:cols*N] {
			b.extb[q][l] = x + p.Bias
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
	la := laneArgs{u: us, z: b.z[:N], jd: b.jd[:N], ed: c.ed[:N], chdt: c.chdt[:N],
		er: er, sd: p.NoiseSD, vpeak: p.VPeak, parts: readoutParts}
	for i := 1; i <= nt; i++ {
		if i&1023 == 0 && b.ctx != nil {
			if err := b.ctx.Err(); err != nil {
				return err
			}
		}
		col := colIndex(i)
		la.extb = b.extb[col*N : (col+1)*N]
		if back := &ring[i%len(ring)]; len(*back) > 0 {
			for _, k := range *back {
				if ref[k] == int32(i) {
					us[k/lanes].gate[k%lanes] = dtm
				}
			}
			*back = (*back)[:0]
		}
		if !benchSkipNoise {
			normalsLanes(&b.noise, b.z[:N])
		}
		la.cur = &cur
		stepLanes(&la, prevFired, &o, &ncur)
		for l := range lanes {
			if i > 1 {
				b.out[l][i-2] = o[l] - B[l]*er
			}
			B[l] *= er
			for _, s := range prev[l][:nprev[l]] {
				us[s].A[l] += wk[s]
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
					for j := range b.jd[:N] {
						b.jd[j][l] = 0
					}
				}
				continue
			}
			if !anyFired {
				anyFired = true
				rs = refUntil(i, dt, p.Tref)
			}
			n.sumColumnsLane(b.jd[:N], l, spk)
			back := &ring[int(rs)%len(ring)]
			for _, s := range spk {
				ref[int(s)*lanes+l] = rs
				us[s].gate[l] = 0
				us[s].v[l] = vreset
				*back = append(*back, s*lanes+int32(l))
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
				s += us[j].A[l] * ed[j]
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

// sumColumnsLane is sumColumns for lane l of jd: the same sums in the
// same order.
func (n *Network) sumColumnsLane(jd [][lanes]float64, l int, spk []int32) {
	N := n.N
	jd = jd[:N]
	l &= lanes - 1
	if n.wcol == nil {
		for j := range jd {
			jd[j][l] = 0
		}
		for _, s := range spk {
			lo, hi := n.sptr[s], n.sptr[s+1]
			idx, val := n.sidx[lo:hi], n.sval[lo:hi]
			val = val[:len(idx)]
			for q, r := range idx {
				jd[r][l] += val[q]
			}
		}
		return
	}
	w := n.wcol[int(spk[0])*N : int(spk[0]+1)*N]
	w = w[:len(jd)]
	for j, x := range w {
		jd[j][l] = x
	}
	for _, s := range spk[1:] {
		w := n.wcol[int(s)*N : int(s+1)*N]
		w = w[:len(jd)]
		for j, x := range w {
			jd[j][l] += x
		}
	}
}

// laneArgs are the operands of one step of the batched fused loop.
type laneArgs struct {
	u             []laneUnit
	z, jd, extb   [][lanes]float64
	ed, chdt      []float64 // per unit
	cur           *[lanes][]int32
	er, sd, vpeak float64
	parts         int // readoutParts
}

// stepLanes runs one step of the batched fused loop: stepUnits for every
// lane. It writes each lane's readout sum to o and its number of spiking
// units (listed in cur[lane]) to nc. It is stepLanesScalar, or a vectorised
// version when the build and the CPU support one.
var stepLanes = stepLanesScalar

// stepLanesScalar is the portable stepLanes.
func stepLanesScalar(a *laneArgs, prevFired bool, o *[lanes]float64, nc *[lanes]int) {
	N := len(a.u)
	K := a.parts
	nmain := N
	if K > 2 {
		nmain = N - N%K
	}
	var acc [8][lanes]float64
	var tail [8][lanes]float64
	*nc = [lanes]int{}
	er, sd, vpeak := a.er, a.sd, a.vpeak
	us, zs, jds, exs := a.u, a.z[:N], a.jd[:N], a.extb[:N]
	ed, chdt := a.ed[:N], a.chdt[:N]
	cur := a.cur
	for j := range us {
		e, ch := ed[j], chdt[j]
		st, z, jd, extb := &us[j], &zs[j], &jds[j], &exs[j]
		var s *[lanes]float64
		if j < nmain {
			s = &acc[j&(K-1)]
		} else {
			s = &tail[j-nmain]
		}
		var spiked uint32
		for l := range lanes {
			ip := st.ipsc[l]*e + st.H[l]
			if prevFired {
				st.H[l] = st.H[l]*er + jd[l]*ch
			} else {
				st.H[l] *= er
			}
			st.ipsc[l] = ip
			x := st.A[l] * e
			st.A[l] = x
			s[l] += x
			vj := st.v[l]
			vj += (ip + extb[l] - vj) * st.gate[l]
			vj += z[l] * sd
			st.v[l] = vj
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

var benchSkipNoise = false
