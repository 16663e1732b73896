//go:build goexperiment.simd && amd64

package lifsim

import (
	"math/bits"
	"simd/archsimd"
)

// With GOEXPERIMENT=simd on amd64, the fused loop runs eight units per
// instruction with AVX-512, four with AVX2.
func init() {
	switch {
	case archsimd.X86.AVX512():
		stepUnits, readoutParts = stepAVX512, 8
		stepLanes = stepLanesAVX512
	case archsimd.X86.AVX2():
		stepUnits, readoutParts = stepAVX2, 4
	}
}

// stepLanesAVX512 is stepLanesScalar with one unit of the eight lanes per
// instruction: the same operations per lane, in the same order, so the
// state, the spikes and (with readoutParts 8, which this kernel assumes)
// the readout sums are exactly stepLanesScalar's.
func stepLanesAVX512(a *laneArgs, prevFired bool, o *[lanes]float64, nc *[lanes]int) {
	N := len(a.u)
	nmain := N - N%8
	us, zs, jds, exs := a.u, a.z[:N], a.jd[:N], a.extb[:N]
	ed, chdt := a.ed[:N], a.chdt[:N]
	erv := archsimd.BroadcastFloat64x8(a.er)
	sdv := archsimd.BroadcastFloat64x8(a.sd)
	peak := archsimd.BroadcastFloat64x8(a.vpeak)
	var acc [8]archsimd.Float64x8
	var tail [8]archsimd.Float64x8
	*nc = [lanes]int{}
	cur := a.cur
	for j := range us {
		st := &us[j]
		e := archsimd.BroadcastFloat64x8(ed[j])
		h := archsimd.LoadFloat64x8(&st.H)
		ip := archsimd.LoadFloat64x8(&st.ipsc).Mul(e).Add(h)
		if prevFired {
			h = h.Mul(erv).Add(archsimd.LoadFloat64x8(&jds[j]).Mul(archsimd.BroadcastFloat64x8(chdt[j])))
		} else {
			h = h.Mul(erv)
		}
		h.Store(&st.H)
		ip.Store(&st.ipsc)
		x := archsimd.LoadFloat64x8(&st.A).Mul(e)
		x.Store(&st.A)
		if j < nmain {
			acc[j&7] = acc[j&7].Add(x)
		} else {
			tail[j-nmain] = x
		}
		vv := archsimd.LoadFloat64x8(&st.v)
		vv = vv.Add(ip.Add(archsimd.LoadFloat64x8(&exs[j])).Sub(vv).Mul(archsimd.LoadFloat64x8(&st.gate)))
		vv = vv.Add(archsimd.LoadFloat64x8(&zs[j]).Mul(sdv))
		vv.Store(&st.v)
		if m := vv.GreaterEqual(peak).ToBits(); m != 0 {
			for m != 0 {
				l := bits.TrailingZeros8(m)
				cur[l][nc[l]] = int32(j)
				nc[l]++
				m &= m - 1
			}
		}
	}
	r := acc[0].Add(acc[1]).Add(acc[2].Add(acc[3])).Add(acc[4].Add(acc[5]).Add(acc[6].Add(acc[7])))
	for t := range N - nmain {
		r = r.Add(tail[t])
	}
	r.Store(o)
	archsimd.ClearAVXUpperBits()
}

// stepAVX2 is stepScalar on 4-wide vectors: the same products and sums per
// unit, in the same order, so the state matches stepScalar's exactly; only
// the readout sum is accumulated in four lanes (rounding differs).
func stepAVX2(fa *fusedArgs, prevFired bool) (float64, int) {
	N := len(fa.v)
	v, ipsc, H, A, z, jd := fa.v, fa.ipsc[:N], fa.H[:N], fa.A[:N], fa.z[:N], fa.jd[:N]
	ed, chdt, extb, gate, cur := fa.ed[:N], fa.chdt[:N], fa.extb[:N], fa.gate[:N], fa.cur[:N]
	erv := archsimd.BroadcastFloat64x4(fa.er)
	sdv := archsimd.BroadcastFloat64x4(fa.sd)
	peak := archsimd.BroadcastFloat64x4(fa.vpeak)
	var acc archsimd.Float64x4
	ncur := 0
	j := 0
	for ; j+4 <= N; j += 4 {
		e := archsimd.LoadFloat64x4Slice(ed[j:])
		h := archsimd.LoadFloat64x4Slice(H[j:])
		ip := archsimd.LoadFloat64x4Slice(ipsc[j:]).Mul(e).Add(h)
		if prevFired {
			h = h.Mul(erv).Add(archsimd.LoadFloat64x4Slice(jd[j:]).Mul(archsimd.LoadFloat64x4Slice(chdt[j:])))
		} else {
			h = h.Mul(erv)
		}
		h.StoreSlice(H[j:])
		ip.StoreSlice(ipsc[j:])
		a := archsimd.LoadFloat64x4Slice(A[j:]).Mul(e)
		a.StoreSlice(A[j:])
		acc = acc.Add(a)
		vv := archsimd.LoadFloat64x4Slice(v[j:])
		vv = vv.Add(ip.Add(archsimd.LoadFloat64x4Slice(extb[j:])).Sub(vv).Mul(archsimd.LoadFloat64x4Slice(gate[j:])))
		vv = vv.Add(archsimd.LoadFloat64x4Slice(z[j:]).Mul(sdv))
		vv.StoreSlice(v[j:])
		if m := vv.GreaterEqual(peak).ToBits(); m != 0 {
			for m != 0 {
				cur[ncur] = int32(j + bits.TrailingZeros8(m))
				ncur++
				m &= m - 1
			}
		}
	}
	var lanes [4]float64
	acc.Store(&lanes)
	// Leave the vector unit clean for the scalar SSE code that follows.
	archsimd.ClearAVXUpperBits()
	o := (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
	er, sd, vpeak := fa.er, fa.sd, fa.vpeak
	for ; j < N; j++ {
		ip := ipsc[j]*ed[j] + H[j]
		if prevFired {
			H[j] = H[j]*er + jd[j]*chdt[j]
		} else {
			H[j] *= er
		}
		ipsc[j] = ip
		a := A[j] * ed[j]
		A[j] = a
		o += a
		vj := v[j]
		vj += (ip + extb[j] - vj) * gate[j]
		vj += z[j] * sd
		v[j] = vj
		if vj >= vpeak {
			cur[ncur] = int32(j)
			ncur++
		}
	}
	return o, ncur
}

// stepAVX512 is stepScalar on 8-wide vectors: the same products and sums per
// unit, in the same order, so the state matches stepScalar's exactly; only
// the readout sum is accumulated in eight lanes (rounding differs).
func stepAVX512(fa *fusedArgs, prevFired bool) (float64, int) {
	N := len(fa.v)
	v, ipsc, H, A, z, jd := fa.v, fa.ipsc[:N], fa.H[:N], fa.A[:N], fa.z[:N], fa.jd[:N]
	ed, chdt, extb, gate, cur := fa.ed[:N], fa.chdt[:N], fa.extb[:N], fa.gate[:N], fa.cur[:N]
	erv := archsimd.BroadcastFloat64x8(fa.er)
	sdv := archsimd.BroadcastFloat64x8(fa.sd)
	peak := archsimd.BroadcastFloat64x8(fa.vpeak)
	var acc archsimd.Float64x8
	ncur := 0
	j := 0
	for ; j+8 <= N; j += 8 {
		e := archsimd.LoadFloat64x8Slice(ed[j:])
		h := archsimd.LoadFloat64x8Slice(H[j:])
		ip := archsimd.LoadFloat64x8Slice(ipsc[j:]).Mul(e).Add(h)
		if prevFired {
			h = h.Mul(erv).Add(archsimd.LoadFloat64x8Slice(jd[j:]).Mul(archsimd.LoadFloat64x8Slice(chdt[j:])))
		} else {
			h = h.Mul(erv)
		}
		h.StoreSlice(H[j:])
		ip.StoreSlice(ipsc[j:])
		a := archsimd.LoadFloat64x8Slice(A[j:]).Mul(e)
		a.StoreSlice(A[j:])
		acc = acc.Add(a)
		vv := archsimd.LoadFloat64x8Slice(v[j:])
		vv = vv.Add(ip.Add(archsimd.LoadFloat64x8Slice(extb[j:])).Sub(vv).Mul(archsimd.LoadFloat64x8Slice(gate[j:])))
		vv = vv.Add(archsimd.LoadFloat64x8Slice(z[j:]).Mul(sdv))
		vv.StoreSlice(v[j:])
		if m := vv.GreaterEqual(peak).ToBits(); m != 0 {
			for m != 0 {
				cur[ncur] = int32(j + bits.TrailingZeros8(m))
				ncur++
				m &= m - 1
			}
		}
	}
	var lanes [8]float64
	acc.Store(&lanes)
	// Leave the vector unit clean for the scalar SSE code that follows.
	archsimd.ClearAVXUpperBits()
	o := ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
	er, sd, vpeak := fa.er, fa.sd, fa.vpeak
	for ; j < N; j++ {
		ip := ipsc[j]*ed[j] + H[j]
		if prevFired {
			H[j] = H[j]*er + jd[j]*chdt[j]
		} else {
			H[j] *= er
		}
		ipsc[j] = ip
		a := A[j] * ed[j]
		A[j] = a
		o += a
		vj := v[j]
		vj += (ip + extb[j] - vj) * gate[j]
		vj += z[j] * sd
		v[j] = vj
		if vj >= vpeak {
			cur[ncur] = int32(j)
			ncur++
		}
	}
	return o, ncur
}
