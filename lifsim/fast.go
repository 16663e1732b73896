package lifsim

import "math"

// runFast is the simulator's fused kernel for the common case (LIF units,
// double-exponential synapses, no recordings). It computes the trajectory
// of spec 4 with changes of evaluation order that alter results by float
// rounding only:
//
//   - one pass over the units per step: the synaptic filter update of step
//     i-1 (spec 4 step 6) and the membrane update of step i (steps 1-2)
//     share a loop;
//   - h is kept premultiplied by dt (H = h*dt), the bias is added to the
//     external drive once per input column, and dt/tm multiplies instead of
//     tm dividing;
//   - the readout uses the closed form of the double-exponential filter: a
//     spike's contribution to r decays as (ed^n - er^n)/(ed - er), so
//     w_out . r = sum_j A_j - B, where A_j = w_out_j*r_j's slow part decays
//     with the unit's own exp(-dt/td) and B, common to all units, with
//     exp(-dt/tr). That replaces two state variables per unit (r, hr) and a
//     product by one state variable.
//
// Refractoriness multiplies the membrane step by a per-unit gate (dt/tm or
// 0) instead of branching, which keeps the loop free of mispredicted
// branches (and vectorisable: stepUnits); the gates are switched back on
// from a ring of release lists.
func (n *Network) runFast(st *state, in *input, noise Noise, pert *pertPlan, out []float64, res *Result) {
	N := n.N
	p := n.Params
	c := st.consts
	dt, dtm, er := c.dt, c.dtm, c.er
	sd, bias, vpeak, vreset := p.NoiseSD, p.Bias, p.VPeak, p.VReset
	st.reset()
	v, ipsc, H, A, z, jd := st.v[:N], st.ipsc[:N], st.h[:N], st.r[:N], st.z[:N], st.jd[:N]
	ref := st.ref[:N]
	ed, chdt, wk := c.ed[:N], c.chdt[:N], c.wk[:N]

	// Refractoriness: gate[j] is dt/tm while unit j integrates and 0 from
	// its spike until step ref[j]. Units due back at step i are listed in
	// ring[i%len(ring)].
	gate := st.gate[:N]
	ring := st.ringFor(dt, p.Tref)
	ref0 := refUntil(0, dt, p.Tref)
	span := p.VInit - vreset
	r0 := &ring[int(ref0)%len(ring)]
	for j := range v {
		v[j] = vreset + noise.Uniform()*span
		ref[j] = ref0
		gate[j] = 0
		*r0 = append(*r0, int32(j))
	}
	// The external drive plus the bias, per input column.
	st.extb = append(st.extb[:0], in.ext...)
	for k := range st.extb {
		st.extb[k] += bias
	}
	if res != nil {
		copy(res.V0, v)
	}
	cur, prev := st.spk[:N], st.spk2[:N]
	ncur, nprev := 0, 0
	prevFired := false
	var B float64 // the fast part of the readout, common to all units
	fa := fusedArgs{v: v, ipsc: ipsc, H: H, A: A, z: z, jd: jd, ed: ed, chdt: chdt, gate: gate, cur: cur,
		er: er, sd: sd, vpeak: vpeak}
	nt := in.nt
	for i := 1; i <= nt; i++ {
		col := colIndex(i)
		extb := st.extb[col*N : (col+1)*N]
		extb = extb[:N]
		if back := &ring[i%len(ring)]; len(*back) > 0 {
			for _, u := range *back {
				if ref[u] == int32(i) {
					gate[u] = dtm
				}
			}
			*back = (*back)[:0]
		}
		noise.Normals(z)
		fa.extb = extb
		o, nc := stepUnits(&fa, prevFired)
		ncur = nc
		if i > 1 {
			out[i-2] = o - B*er
		}
		B *= er
		for _, s := range prev[:nprev] {
			A[s] += wk[s]
			B += wk[s]
		}
		// Step 3: perturbation.
		if pert != nil && i >= pert.start && i < pert.stop {
			if noise.Uniform() < pert.prob {
				for _, u := range pert.units {
					v[u] += pert.delta
				}
				ncur = 0
				for j, vj := range v {
					if vj >= vpeak {
						cur[ncur] = int32(j)
						ncur++
					}
				}
			}
		}
		// Steps 4-5 and the reset of step 7.
		spk := cur[:ncur]
		fired := ncur > 0
		if fired {
			n.sumColumns(jd, spk)
			rs := refUntil(i, dt, p.Tref)
			back := &ring[int(rs)%len(ring)]
			for _, s := range spk {
				ref[s] = rs
				gate[s] = 0
				v[s] = vreset
				*back = append(*back, s)
			}
			if res != nil {
				res.addSpikes(spk, i, dt)
			}
		}
		cur, prev = prev, cur
		fa.cur = cur
		nprev = ncur
		prevFired = fired
	}
	// Readout of the last step.
	var o float64
	for j := range A {
		o += A[j] * ed[j]
	}
	if nt > 0 {
		out[nt-1] = o - B*er
	}
}

// fastApplies reports whether runFast's closed-form readout is accurate for
// these decay constants: exp(-dt/td) must stay clear of exp(-dt/tr).
func (c *unitConsts) fastApplies() bool {
	for _, e := range c.ed {
		if math.Abs(e-c.er) < 1e-3 {
			return false
		}
	}
	return true
}

// sumColumns sets jd to the sum of the columns of W of the spiking units,
// adding them in increasing unit order as the spec's sum does.
func (n *Network) sumColumns(jd []float64, spk []int32) {
	if n.wcol == nil {
		clear(jd)
		for _, s := range spk {
			lo, hi := n.sptr[s], n.sptr[s+1]
			idx, val := n.sidx[lo:hi], n.sval[lo:hi]
			val = val[:len(idx)]
			for q, r := range idx {
				jd[r] += val[q]
			}
		}
		return
	}
	N := n.N
	copy(jd, n.wcol[int(spk[0])*N:int(spk[0]+1)*N])
	rest := spk[1:]
	// Up to four columns per pass: ((jd + a) + b) + c is the sequential
	// sum's order.
	for len(rest) >= 4 {
		a := n.wcol[int(rest[0])*N : int(rest[0]+1)*N]
		b := n.wcol[int(rest[1])*N : int(rest[1]+1)*N]
		c := n.wcol[int(rest[2])*N : int(rest[2]+1)*N]
		d := n.wcol[int(rest[3])*N : int(rest[3]+1)*N]
		a, b, c, d = a[:len(jd)], b[:len(jd)], c[:len(jd)], d[:len(jd)]
		for k := range jd {
			jd[k] = jd[k] + a[k] + b[k] + c[k] + d[k]
		}
		rest = rest[4:]
	}
	for len(rest) >= 2 {
		a := n.wcol[int(rest[0])*N : int(rest[0]+1)*N]
		b := n.wcol[int(rest[1])*N : int(rest[1]+1)*N]
		a, b = a[:len(jd)], b[:len(jd)]
		for k := range jd {
			jd[k] = jd[k] + a[k] + b[k]
		}
		rest = rest[2:]
	}
	if len(rest) == 1 {
		w := n.wcol[int(rest[0])*N : int(rest[0]+1)*N]
		w = w[:len(jd)]
		for k, x := range w {
			jd[k] += x
		}
	}
}

// addSpikes records the spikes of step i.
func (res *Result) addSpikes(spk []int32, i int, dt float64) {
	t := dt * float64(i)
	for _, s := range spk {
		res.Spikes = append(res.Spikes, spikeAt(int(s), t))
		if i >= 10 {
			res.Counts[s]++
		}
	}
}

// ringFor returns the refractory release ring, emptied, with room for every
// release step within reach of a spike: refUntil(k) - k <= tref/dt + 2.
func (st *state) ringFor(dt, tref float64) [][]int32 {
	size := int(tref/dt) + 3
	if cap(st.ring) < size {
		st.ring = make([][]int32, size)
	}
	st.ring = st.ring[:size]
	for k := range st.ring {
		st.ring[k] = st.ring[k][:0]
	}
	return st.ring
}

// fusedArgs are the operands of one step of the fused loop over the units.
type fusedArgs struct {
	v, ipsc, H, A, z, jd, ed, chdt, extb, gate []float64
	cur                                        []int32
	er, sd, vpeak                              float64
}

// stepUnits runs the fused loop of one step (see runFast) and returns the
// readout sum of the previous step and the number of spiking units listed
// in cur. It is stepScalar, or a vectorised version when the build and the
// CPU support one.
var stepUnits = stepScalar

// stepScalar is the portable stepUnits.
func stepScalar(fa *fusedArgs, prevFired bool) (float64, int) {
	N := len(fa.v)
	v, ipsc, H, A, z, jd := fa.v, fa.ipsc[:N], fa.H[:N], fa.A[:N], fa.z[:N], fa.jd[:N]
	ed, chdt, extb, gate, cur := fa.ed[:N], fa.chdt[:N], fa.extb[:N], fa.gate[:N], fa.cur[:N]
	er, sd, vpeak := fa.er, fa.sd, fa.vpeak
	ncur := 0
	var o0, o1 float64
	// Filters of step i-1 and membrane of step i, two units at a time
	// (two readout accumulators break the sum's dependency chain).
	j := 0
	if prevFired {
		for ; j+1 < N; j += 2 {
			ip := ipsc[j]*ed[j] + H[j]
			H[j] = H[j]*er + jd[j]*chdt[j]
			ipsc[j] = ip
			a := A[j] * ed[j]
			A[j] = a
			o0 += a
			vj := v[j]
			vj += (ip + extb[j] - vj) * gate[j]
			vj += z[j] * sd
			v[j] = vj
			if vj >= vpeak {
				cur[ncur] = int32(j)
				ncur++
			}
			k := j + 1
			ip = ipsc[k]*ed[k] + H[k]
			H[k] = H[k]*er + jd[k]*chdt[k]
			ipsc[k] = ip
			a = A[k] * ed[k]
			A[k] = a
			o1 += a
			vj = v[k]
			vj += (ip + extb[k] - vj) * gate[k]
			vj += z[k] * sd
			v[k] = vj
			if vj >= vpeak {
				cur[ncur] = int32(k)
				ncur++
			}
		}
		for ; j < N; j++ {
			ip := ipsc[j]*ed[j] + H[j]
			H[j] = H[j]*er + jd[j]*chdt[j]
			ipsc[j] = ip
			a := A[j] * ed[j]
			A[j] = a
			o0 += a
			vj := v[j]
			vj += (ip + extb[j] - vj) * gate[j]
			vj += z[j] * sd
			v[j] = vj
			if vj >= vpeak {
				cur[ncur] = int32(j)
				ncur++
			}
		}
	} else {
		for ; j+1 < N; j += 2 {
			ip := ipsc[j]*ed[j] + H[j]
			H[j] *= er
			ipsc[j] = ip
			a := A[j] * ed[j]
			A[j] = a
			o0 += a
			vj := v[j]
			vj += (ip + extb[j] - vj) * gate[j]
			vj += z[j] * sd
			v[j] = vj
			if vj >= vpeak {
				cur[ncur] = int32(j)
				ncur++
			}
			k := j + 1
			ip = ipsc[k]*ed[k] + H[k]
			H[k] *= er
			ipsc[k] = ip
			a = A[k] * ed[k]
			A[k] = a
			o1 += a
			vj = v[k]
			vj += (ip + extb[k] - vj) * gate[k]
			vj += z[k] * sd
			v[k] = vj
			if vj >= vpeak {
				cur[ncur] = int32(k)
				ncur++
			}
		}
		for ; j < N; j++ {
			ip := ipsc[j]*ed[j] + H[j]
			H[j] *= er
			ipsc[j] = ip
			a := A[j] * ed[j]
			A[j] = a
			o0 += a
			vj := v[j]
			vj += (ip + extb[j] - vj) * gate[j]
			vj += z[j] * sd
			v[j] = vj
			if vj >= vpeak {
				cur[ncur] = int32(j)
				ncur++
			}
		}
	}
	return o0 + o1, ncur
}
