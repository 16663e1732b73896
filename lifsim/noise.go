package lifsim

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// Noise is the random source of one spiking trial. The simulator draws from
// it in a fixed order (spec 4): first Uniform once per unit, in unit order,
// for the initial voltages; then at every step i = 1..nt, Normals for the N
// membrane-noise values of that step and, only for steps inside a
// perturbation window, one Uniform for the perturbation coin.
//
// Any two simulators that consume the same Noise stream in that order see the
// same numbers: that is how the tests check the fast simulator against a
// literal transcription of the spec.
type Noise interface {
	// Normals fills dst with independent standard normal draws.
	Normals(dst []float64)
	// Uniform returns a draw from U[0, 1).
	Uniform() float64
}

// RandNoise adapts a math/rand/v2 generator to Noise (NormFloat64 and
// Float64). It is slower than FastNoise; use it to feed the simulator from a
// stream of your choice.
type RandNoise struct{ Rng *rand.Rand }

// Normals implements Noise.
func (r RandNoise) Normals(dst []float64) {
	for i := range dst {
		dst[i] = r.Rng.NormFloat64()
	}
}

// Uniform implements Noise.
func (r RandNoise) Uniform() float64 { return r.Rng.Float64() }

// FastNoise is the simulator's default noise source: normal draws from a
// 128-layer ziggurat (Marsaglia & Tsang 2000) fed with the 32-bit halves of
// a wyrand generator, and uniform draws from a second, independent wyrand
// stream. It is deterministic for its (seed, stream) pair on every platform.
// The normals have 32-bit resolution (about 2^-31 relative), far below
// anything the simulation can resolve.
//
// A FastNoise is not safe for concurrent use; give each goroutine its own.
type FastNoise struct {
	ns uint64 // wyrand state of the normal stream
	us uint64 // wyrand state of the uniform stream

	rej []uint64 // scratch: rejected candidates of one Normals call
}

// NewNoise returns the FastNoise of a seed and a stream number. Different
// streams of one seed are independent; the grid search gives trial i of
// factor k the stream k*trials+i.
func NewNoise(seed, stream uint64) *FastNoise {
	g := &FastNoise{}
	g.Reset(seed, stream)
	return g
}

// Reset re-seeds g as NewNoise(seed, stream) would, without allocating.
func (g *FastNoise) Reset(seed, stream uint64) {
	sm := seed ^ 0x6a09e667f3bcc909
	splitmix(&sm)
	sm ^= stream * 0xbf58476d1ce4e5b9
	g.ns = splitmix(&sm)
	g.us = splitmix(&sm)
}

// wyrand constants (Wang Yi's wyhash family).
const (
	wyInc = 0xa0761d6478bd642f
	wyMix = 0xe7037ed1a0b428db
)

// wyrand advances a wyrand state and returns the next 64-bit output.
func wyrand(s *uint64) uint64 {
	*s += wyInc
	hi, lo := bits.Mul64(*s, *s^wyMix)
	return hi ^ lo
}

// Uniform implements Noise: a 53-bit uniform in [0, 1).
func (g *FastNoise) Uniform() float64 {
	return float64(wyrand(&g.us)>>11) * 0x1p-53
}

// Normal returns one standard normal draw (from the same stream as Normals,
// as a call Normals(dst[:1]) would).
func (g *FastNoise) Normal() float64 {
	var d [1]float64
	g.Normals(d[:])
	return d[0]
}

// Normals implements Noise. The stream is consumed in a fixed way: one
// 64-bit draw gives the candidates of two normals (low 32 bits first; with
// an odd len(dst) the last draw's high half is unused), and after the whole
// batch the rejected candidates (about 1.3%) are redrawn in index order. The
// values depend only on the sequence of lengths asked for.
//
// A 32-bit candidate u splits into a layer (bits 0-7), a sign (bit 8) and a
// 23-bit magnitude (bits 9-31), so the three are independent.
func (g *FastNoise) Normals(dst []float64) {
	n := len(dst)
	if cap(g.rej) < n {
		g.rej = make([]uint64, n)
	}
	rej := g.rej[:n]
	s := g.ns
	nr := 0
	k := 0
	for ; k+3 < n; k += 4 {
		d := dst[k : k+4 : k+4]
		s += wyInc
		hi, lo := bits.Mul64(s, s^wyMix)
		x := hi ^ lo
		s += wyInc
		hi, lo = bits.Mul64(s, s^wyMix)
		y := hi ^ lo
		u := uint32(x)
		m := u >> 9
		d[0] = float64(int32(m)) * zigScale[u&511]
		if m >= zigKm[uint8(u)] {
			rej[nr] = uint64(k)<<32 | uint64(u)
			nr++
		}
		u = uint32(x >> 32)
		m = u >> 9
		d[1] = float64(int32(m)) * zigScale[u&511]
		if m >= zigKm[uint8(u)] {
			rej[nr] = uint64(k+1)<<32 | uint64(u)
			nr++
		}
		u = uint32(y)
		m = u >> 9
		d[2] = float64(int32(m)) * zigScale[u&511]
		if m >= zigKm[uint8(u)] {
			rej[nr] = uint64(k+2)<<32 | uint64(u)
			nr++
		}
		u = uint32(y >> 32)
		m = u >> 9
		d[3] = float64(int32(m)) * zigScale[u&511]
		if m >= zigKm[uint8(u)] {
			rej[nr] = uint64(k+3)<<32 | uint64(u)
			nr++
		}
	}
	for ; k+1 < n; k += 2 {
		s += wyInc
		hi, lo := bits.Mul64(s, s^wyMix)
		x := hi ^ lo
		u := uint32(x)
		m := u >> 9
		dst[k] = float64(int32(m)) * zigScale[u&511]
		if m >= zigKm[uint8(u)] {
			rej[nr] = uint64(k)<<32 | uint64(u)
			nr++
		}
		u = uint32(x >> 32)
		m = u >> 9
		dst[k+1] = float64(int32(m)) * zigScale[u&511]
		if m >= zigKm[uint8(u)] {
			rej[nr] = uint64(k+1)<<32 | uint64(u)
			nr++
		}
	}
	if k < n {
		s += wyInc
		hi, lo := bits.Mul64(s, s^wyMix)
		u := uint32(hi ^ lo)
		m := u >> 9
		dst[k] = float64(int32(m)) * zigScale[u&511]
		if m >= zigKm[uint8(u)] {
			rej[nr] = uint64(k)<<32 | uint64(u)
			nr++
		}
	}
	g.ns = s
	for _, r := range rej[:nr] {
		dst[r>>32] = g.normalSlow(uint32(r))
	}
}

// The ziggurat's tables for 23-bit magnitudes: zigScale[sign<<8|layer] maps
// a magnitude to a signed value, zigKm[layer] is the acceptance threshold.
var (
	zigScale [512]float64
	zigKm    [256]uint32
)

func init() {
	for b := range zigScale {
		w := zigW[b&255] * (1 << 8)
		if b >= 256 {
			w = -w
		}
		zigScale[b] = w
	}
	for i := range zigKm {
		zigKm[i] = zigK[i] >> 8
	}
	// Layer i >= 1 spans [0, x_i] with its wedge over [x_{i-1}, x_i]
	// (x_0 = 0: the top layer is all wedge).
	for i := 1; i < 256; i++ {
		zigXr[i] = zigW[i] * (1 << 31)
		if i > 1 {
			zigXl[i] = zigW[i-1] * (1 << 31)
		}
		zigSlope[i] = (zigF[i-1] - zigF[i]) / (zigXr[i] - zigXl[i])
	}
}

// Wedge geometry of each layer: its inner and outer x and the slope of the
// chord of f over the wedge.
var zigXl, zigXr, zigSlope [256]float64

// zigR is the start of the ziggurat's tail.
const zigR = 3.6541528853610088

// normalSlow handles a rejected candidate u (about 1.3% of them): the tail
// beyond zigR and the wedges between layers. It draws further numbers from
// the normal stream.
func (g *FastNoise) normalSlow(u uint32) float64 {
	for {
		i := uint8(u)
		m := u >> 9
		x := float64(int32(m)) * zigScale[u&511]
		if m < zigKm[i] {
			return x
		}
		if i == 0 {
			// Tail (Marsaglia 1964).
			var t float64
			for {
				t = -math.Log(g.nUniform()) * (1 / zigR)
				y := -math.Log(g.nUniform())
				if y+y >= t*t {
					break
				}
			}
			if u&256 == 0 {
				return zigR + t
			}
			return -zigR - t
		}
		// Wedge: accept (x, y) with y uniform in [f(x_i), f(x_{i-1})] when
		// y < f(x). A chord and a tangent of f bound it on either side, so
		// the exponential is rarely needed.
		y := zigF[i] + g.nUniform()*(zigF[i-1]-zigF[i])
		ax := math.Abs(x)
		xl, xr := zigXl[i], zigXr[i]
		chord := zigF[i] + zigSlope[i]*(xr-ax)
		switch {
		case xr <= 1: // concave: the chord is below f, the tangent at xl above
			if y <= chord {
				return x
			}
			if y > zigF[i-1]*(1-xl*(ax-xl)) {
				break
			}
			if y < math.Exp(-.5*x*x) {
				return x
			}
		case xl >= 1: // convex: the chord is above f, the tangent at xr below
			if y >= chord {
				break
			}
			if y < zigF[i]*(1+xr*(xr-ax)) {
				return x
			}
			if y < math.Exp(-.5*x*x) {
				return x
			}
		default:
			if y < math.Exp(-.5*x*x) {
				return x
			}
		}
		u = uint32(wyrand(&g.ns))
	}
}

// nUniform is a uniform in (0, 1) from the normal stream (never 0, so its
// logarithm is finite).
func (g *FastNoise) nUniform() float64 {
	return (float64(wyrand(&g.ns)>>11) + 0.5) * 0x1p-53
}

func splitmix(x *uint64) uint64 {
	*x += 0x9e3779b97f4a7c15
	z := *x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// normalsLanes fills z ([unit][lane]: z[k][l] is draw k of lane l, k <
// len(z)) with the draws gs[l].Normals would put in a slice of length
// len(z) (see normalsLane).
func normalsLanes(gs *[lanes]FastNoise, z [][lanes]float64) {
	for l := range gs {
		gs[l].normalsLane(z, l)
	}
}

// normalsLane is Normals writing its len(dst) draws to lane l of dst
// (dst[k][l] is draw k): the same draws from the same stream.
func (g *FastNoise) normalsLane(dst [][lanes]float64, l int) {
	n := len(dst)
	if n == 0 {
		return
	}
	l &= lanes - 1
	if cap(g.rej) < n {
		g.rej = make([]uint64, n)
	}
	rej := g.rej[:n]
	s := g.ns
	nr := 0
	k := 0
	for ; k+1 < n; k += 2 {
		s += wyInc
		hi, lo := bits.Mul64(s, s^wyMix)
		x := hi ^ lo
		d := dst[k : k+2 : k+2]
		u := uint32(x)
		m := u >> 9
		d[0][l] = float64(int32(m)) * zigScale[u&511]
		if m >= zigKm[uint8(u)] {
			rej[nr] = uint64(k)<<32 | uint64(u)
			nr++
		}
		u = uint32(x >> 32)
		m = u >> 9
		d[1][l] = float64(int32(m)) * zigScale[u&511]
		if m >= zigKm[uint8(u)] {
			rej[nr] = uint64(k+1)<<32 | uint64(u)
			nr++
		}
	}
	if k < n {
		s += wyInc
		hi, lo := bits.Mul64(s, s^wyMix)
		u := uint32(hi ^ lo)
		m := u >> 9
		dst[k][l] = float64(int32(m)) * zigScale[u&511]
		if m >= zigKm[uint8(u)] {
			rej[nr] = uint64(k)<<32 | uint64(u)
			nr++
		}
	}
	g.ns = s
	for _, r := range rej[:nr] {
		dst[r>>32][l] = g.normalSlow(uint32(r))
	}
}
