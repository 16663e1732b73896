//go:build goexperiment.simd && amd64

package lifsim

import (
	"math"
	"math/bits"
	"simd/archsimd"
	"unsafe"
)

// With GOEXPERIMENT=simd on AVX-512, FastNoise's normal draws run sixteen
// candidates per instruction, in two phases over one step's draws:
//
//  1. the wyrand outputs: a wyrand state only ever adds a constant, so the
//     k-th draw of a stream is mix(s0 + k*inc), and eight draws (one
//     stream's consecutive ones, or one draw of each of the batch's eight
//     streams) are computed at once, the 64x64-bit product assembled from
//     32x32-bit ones;
//  2. the ziggurat's fast path on sixteen 32-bit candidates: there is no
//     gather in simd/archsimd, so the 256-entry tables are looked up with
//     two-source permutes (32 entries each) and a tree of blends on the
//     layer's bits 5-7: the magnitude scales as their high and low 32 bits,
//     the acceptance thresholds exactly for layers 0-31 and, above, as the
//     minimum over each group of eight layers (a candidate at or over it is
//     checked exactly, one at a time: about 0.05% of them).
//
// The values, the rejections and the order in which the rejected
// candidates are redrawn from the stream are the scalar code's, so the
// draws are identical (TestNormalsVectorised).
func init() {
	if archsimd.X86.AVX512() {
		initZigVec()
		normalsVec = normalsAVX512
		normalsLanesVec = normalsLanesAVX512
	}
}

var (
	zvHi, zvLo [256]uint32 // the bits of zigScale[0:256] (positive sign), high and low halves
	zvKm       [32]uint32  // zigKm[0:32]
	zvKa       [32]uint32  // zvKa[g] = min(zigKm[8g:8g+8])
	// zvPair interleaves the low and high halves of eight scales.
	zvPair0 = [16]uint32{0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23}
	zvPair1 = [16]uint32{8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31}
	// zvDeint puts the low halves of eight draws before their high halves.
	zvDeint = [16]uint32{0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15}
)

func initZigVec() {
	for i := range 256 {
		// zigScale[i], computed as noise.go's init does.
		b := math.Float64bits(zigW[i] * (1 << 8))
		zvHi[i], zvLo[i] = uint32(b>>32), uint32(b)
	}
	for i := range zvKm {
		zvKm[i] = zigK[i] >> 8
	}
	for g := range zvKa {
		m := zigK[8*g] >> 8
		for i := 8*g + 1; i < 8*g+8; i++ {
			m = min(m, zigK[i]>>8)
		}
		zvKa[g] = m
	}
}

// wyVec is wyrand's output for eight states s (already advanced): the
// high and low halves of s*(s^wyMix), xored.
func wyVec(s archsimd.Uint64x8) archsimd.Uint64x8 {
	m32 := archsimd.BroadcastUint64x8(0xffffffff)
	b := s.Xor(archsimd.BroadcastUint64x8(wyMix))
	aL, aH := s.And(m32), s.ShiftAllRight(32)
	bL, bH := b.And(m32), b.ShiftAllRight(32)
	ll, lh, hl, hh := aL.Mul(bL), aL.Mul(bH), aH.Mul(bL), aH.Mul(bH)
	mid := ll.ShiftAllRight(32).Add(lh.And(m32)).Add(hl.And(m32))
	hi := hh.Add(lh.ShiftAllRight(32)).Add(hl.ShiftAllRight(32)).Add(mid.ShiftAllRight(32))
	lo := ll.And(m32).Or(mid.ShiftAllLeft(32))
	return hi.Xor(lo)
}

func ld16(t []uint32) archsimd.Uint32x16 { return archsimd.LoadUint32x16Slice(t) }

// Go's register allocator has fifteen vector registers, too few for the
// 32 of the scale tables: zigVec looks the scales up in four passes over
// the candidates, each with eight table registers (one half of the high or
// the low halves), and a last pass puts them together.

// zigHalf looks up, for each candidate u[i] whose layer has bit 7 set as
// in t's half, t[layer&127] (the 128 high or low halves of the scales of
// one half of the layers) and writes it to out[i]. (Where bit 7 differs the
// value is of the other half; the last pass picks.)
func zigHalf(u []uint32, t *[256]uint32, h int, out []uint32) {
	t0, t1, t2, t3 := ld16(t[h:]), ld16(t[h+16:]), ld16(t[h+32:]), ld16(t[h+48:])
	t4, t5, t6, t7 := ld16(t[h+64:]), ld16(t[h+80:]), ld16(t[h+96:]), ld16(t[h+112:])
	c32, c64 := archsimd.BroadcastUint32x16(32), archsimd.BroadcastUint32x16(64)
	zero := archsimd.Uint32x16{}
	out = out[:len(u)]
	for i := 0; i+16 <= len(u); i += 16 {
		x := archsimd.LoadUint32x16Slice(u[i:])
		b5 := x.And(c32).NotEqual(zero)
		b6 := x.And(c64).NotEqual(zero)
		// The permutes use the index's low five bits; the blends pick
		// among the four 32-entry blocks by bits 5 and 6.
		q0 := t2.ConcatPermute(t3, x).Merge(t0.ConcatPermute(t1, x), b5)
		q1 := t6.ConcatPermute(t7, x).Merge(t4.ConcatPermute(t5, x), b5)
		q1.Merge(q0, b6).StoreSlice(out[i:])
	}
}

// zigVec is the ziggurat's fast path for the candidates u[:n] (len(u) a
// multiple of 16, n > len(u)-16): it writes candidate j's value to dst[j]
// (j < n; dst has room for n) and appends j<<32|u[j] to rej, from rej[nr]
// on, for each rejected one, in index order. It returns the new count.
// scr is scratch for 4*len(u) values.
func zigVec(u []uint32, n int, dst []float64, rej []uint64, nr int, scr []uint32) int {
	L := len(u)
	hiA, hiB, loA, loB := scr[:L], scr[L:2*L], scr[2*L:3*L], scr[3*L:4*L]
	zigHalf(u, &zvHi, 0, hiA)
	zigHalf(u, &zvHi, 128, hiB)
	zigHalf(u, &zvLo, 0, loA)
	zigHalf(u, &zvLo, 128, loB)
	k0, k1 := ld16(zvKm[0:]), ld16(zvKm[16:])
	a0, a1 := ld16(zvKa[0:]), ld16(zvKa[16:])
	p0, p1 := archsimd.LoadUint32x16(&zvPair0), archsimd.LoadUint32x16(&zvPair1)
	zero := archsimd.Uint32x16{}
	c128 := archsimd.BroadcastUint32x16(128)
	cLow := archsimd.BroadcastUint32x16(32 << 24)
	var tmp [16]float64
	for i := 0; i < n; i += 16 {
		x := archsimd.LoadUint32x16Slice(u[i:])
		b7 := x.And(c128).NotEqual(zero)
		hi := archsimd.LoadUint32x16Slice(hiB[i:]).Merge(archsimd.LoadUint32x16Slice(hiA[i:]), b7)
		lo := archsimd.LoadUint32x16Slice(loB[i:]).Merge(archsimd.LoadUint32x16Slice(loA[i:]), b7)
		// Bit 8 is the sign.
		hi = hi.Xor(x.ShiftAllRight(8).ShiftAllLeft(31))
		m := x.ShiftAllRight(9)
		d0 := m.GetLo().ConvertToFloat64().Mul(lo.ConcatPermute(hi, p0).AsFloat64x8())
		d1 := m.GetHi().ConvertToFloat64().Mul(lo.ConcatPermute(hi, p1).AsFloat64x8())
		// Acceptance: m below the layer's threshold (exact for layers
		// 0-31, a lower bound above).
		thr := k0.ConcatPermute(k1, x).Merge(a0.ConcatPermute(a1, x.ShiftAllRight(3)), x.ShiftAllLeft(24).Less(cLow))
		ok := m.Less(thr).ToBits()
		if i+16 <= n {
			d0.StoreSlice(dst[i:])
			d1.StoreSlice(dst[i+8:])
		} else {
			d0.Store((*[8]float64)(tmp[0:]))
			d1.Store((*[8]float64)(tmp[8:]))
			copy(dst[i:n], tmp[:])
			ok |= ^uint16(0) << (n - i)
		}
		if ok != 0xffff {
			for r := ^ok; r != 0; r &= r - 1 {
				j := i + bits.TrailingZeros16(r)
				c := u[j]
				if c>>9 >= zigKm[uint8(c)] {
					rej[nr] = uint64(j)<<32 | uint64(c)
					nr++
				}
			}
		}
	}
	archsimd.ClearAVXUpperBits()
	return nr
}

// candidates returns g's scratch for n 32-bit candidates
// and four times as many scratch values (zigVec's).
func (g *FastNoise) candidates(n int) (u, scr []uint32) {
	if cap(g.cand) < 5*n {
		g.cand = make([]uint32, 5*n)
	}
	return g.cand[:n], g.cand[n : 5*n]
}

// normalsAVX512 is normalsVec.
func normalsAVX512(g *FastNoise, dst []float64, rej []uint64) int {
	n := len(dst)
	u, scr := g.candidates(n)
	s := g.ns
	inc := uint64(wyInc)
	var s0 [8]uint64
	for q := range s0 {
		s0[q] = s + uint64(q+1)*inc
	}
	sv := archsimd.LoadUint64x8(&s0)
	step := archsimd.BroadcastUint64x8(inc * 8)
	for i := 0; i < n; i += 16 {
		wyVec(sv).AsUint32x16().StoreSlice(u[i:])
		sv = sv.Add(step)
	}
	g.ns = s + uint64(n/2)*wyInc
	return zigVec(u, n, dst, rej, 0, scr)
}

// normalsLanesAVX512 is normalsLanesVec: draw r of the eight streams at
// once gives rows 2r and 2r+1 of z.
func normalsLanesAVX512(gs *[lanes]FastNoise, z [][lanes]float64) {
	n := len(z)
	if n == 0 {
		return
	}
	nd := (n + 1) / 2
	g0 := &gs[0]
	u, scr := g0.candidates(16 * nd)
	var s0 [8]uint64
	for l := range gs {
		s0[l] = gs[l].ns
	}
	sv := archsimd.LoadUint64x8(&s0)
	inc := archsimd.BroadcastUint64x8(wyInc)
	deint := archsimd.LoadUint32x16(&zvDeint)
	for r := range nd {
		sv = sv.Add(inc)
		wyVec(sv).AsUint32x16().Permute(deint).StoreSlice(u[16*r:])
	}
	sv.Store(&s0)
	if cap(g0.rej) < 8*n {
		g0.rej = make([]uint64, 8*n)
	}
	rej := g0.rej[:8*n]
	flat := unsafe.Slice(&z[0][0], 8*n)
	nr := zigVec(u, 8*n, flat, rej, 0, scr)
	for l := range gs {
		g := &gs[l]
		g.ns = s0[l]
		for _, e := range rej[:nr] {
			if f := int(e >> 32); f&(lanes-1) == l {
				z[f/lanes][l] = g.normalSlow(uint32(e))
			}
		}
	}
}
