package lifsim

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"sort"
	"testing"
)

// TestNormalsDistribution checks FastNoise's normals against N(0,1): the
// moments, the Kolmogorov-Smirnov distance and the tail frequencies (the
// tail and the wedges are the ziggurat's slow path).
func TestNormalsDistribution(t *testing.T) {
	const n = 2_000_000
	g := NewNoise(42, 7)
	x := make([]float64, n)
	// Mixed batch sizes, odd and even, as the simulator asks for them.
	for k := 0; k < n; {
		b := min(1+k%257, n-k)
		g.Normals(x[k : k+b])
		k += b
	}
	var m1, m2, m3, m4 float64
	for _, v := range x {
		m1 += v
	}
	m1 /= n
	for _, v := range x {
		d := v - m1
		m2 += d * d
		m3 += d * d * d
		m4 += d * d * d * d
	}
	m2 /= n
	skew := m3 / n / math.Pow(m2, 1.5)
	kurt := m4/n/(m2*m2) - 3
	// Standard errors: mean 1/sqrt(n) = 7e-4, variance sqrt(2/n) = 1e-3,
	// skewness sqrt(6/n) = 1.7e-3, excess kurtosis sqrt(24/n) = 3.5e-3.
	if math.Abs(m1) > 5e-3 || math.Abs(m2-1) > 7e-3 || math.Abs(skew) > 1e-2 || math.Abs(kurt) > 2.5e-2 {
		t.Errorf("moments: mean %.5f var %.5f skew %.5f excess kurtosis %.5f", m1, m2, skew, kurt)
	}
	sort.Float64s(x)
	var ks float64
	for i, v := range x {
		c := 0.5 * math.Erfc(-v/math.Sqrt2)
		ks = max(ks, math.Abs(c-float64(i)/n), math.Abs(c-float64(i+1)/n))
	}
	// The 0.1% critical value of the KS statistic is 1.95/sqrt(n) = 1.4e-3.
	if ks > 1.4e-3 {
		t.Errorf("Kolmogorov-Smirnov distance %.5f", ks)
	}
	tail := func(a float64) float64 {
		i := sort.SearchFloat64s(x, a)
		return float64(n-i) / n
	}
	for _, a := range []float64{1, 2, 3, zigR, 4} {
		want := 0.5 * math.Erfc(a/math.Sqrt2)
		got := tail(a)
		sd := math.Sqrt(want * (1 - want) / n)
		if math.Abs(got-want) > 5*sd {
			t.Errorf("P(z > %.3g) = %.3g, want %.3g (sd %.2g)", a, got, want, sd)
		}
	}
	if x[0] > -4.5 || x[n-1] < 4.5 {
		t.Errorf("range [%.2f, %.2f]: the tail is not sampled", x[0], x[n-1])
	}
}

func TestUniform(t *testing.T) {
	g := NewNoise(1, 2)
	const n = 200000
	var s float64
	for range n {
		u := g.Uniform()
		if u < 0 || u >= 1 {
			t.Fatalf("uniform %v outside [0, 1)", u)
		}
		s += u
	}
	if m := s / n; math.Abs(m-0.5) > 5*math.Sqrt(1.0/12/n) {
		t.Errorf("mean %v", m)
	}
}

// TestNoiseStreams: the same (seed, stream) gives the same draws, other
// streams and seeds different ones, and Reset equals NewNoise.
func TestNoiseStreams(t *testing.T) {
	draw := func(g *FastNoise) []float64 {
		z := make([]float64, 101)
		g.Normals(z)
		return append(z, g.Uniform())
	}
	a, b := draw(NewNoise(5, 9)), draw(NewNoise(5, 9))
	var g FastNoise
	g.Reset(5, 9)
	c := draw(&g)
	for i := range a {
		if a[i] != b[i] || a[i] != c[i] {
			t.Fatalf("draw %d differs for the same seed and stream", i)
		}
	}
	for _, o := range [][]float64{draw(NewNoise(5, 10)), draw(NewNoise(6, 9)), draw(NewNoise(0, 0))} {
		same := 0
		for i := range a {
			if a[i] == o[i] {
				same++
			}
		}
		if same > 0 {
			t.Errorf("%d equal draws between different streams", same)
		}
	}
	// The uniform stream is independent of how many normals were drawn.
	g1, g2 := NewNoise(3, 3), NewNoise(3, 3)
	g1.Normals(make([]float64, 1000))
	if g1.Uniform() != g2.Uniform() {
		t.Error("uniform draws depend on the normal draws")
	}
	if NewNoise(3, 4).Normal() != NewNoise(3, 4).Normal() {
		t.Error("Normal is not deterministic")
	}
}

// TestZigguratTables checks the generated tables against the construction.
func TestZigguratTables(t *testing.T) {
	const m1 = 1 << 31
	dn := zigR
	tn := dn
	const vn = 4.92867323399e-3
	if got := uint32(dn / (vn / math.Exp(-.5*dn*dn)) * m1); got != zigK[0] {
		t.Errorf("zigK[0] = %#x, want %#x", zigK[0], got)
	}
	for i := 254; i >= 1; i-- {
		dn = math.Sqrt(-2 * math.Log(vn/dn+math.Exp(-.5*dn*dn)))
		if k := uint32(dn / tn * m1); absDiff(k, zigK[i+1]) > 1 {
			t.Errorf("zigK[%d] = %#x, want %#x", i+1, zigK[i+1], k)
		}
		tn = dn
		if f := math.Exp(-.5 * dn * dn); math.Abs(f-zigF[i]) > 1e-14 {
			t.Errorf("zigF[%d] = %v, want %v", i, zigF[i], f)
		}
		if w := dn / m1; math.Abs(w-zigW[i]) > 1e-14*w {
			t.Errorf("zigW[%d] = %v, want %v", i, zigW[i], w)
		}
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// TestWedgeBounds checks the squeezes of the ziggurat's slow path: on every
// layer's wedge, the chord and tangent it uses must bound exp(-x^2/2) on the
// sides it assumes, else the accepted values would not be normal.
func TestWedgeBounds(t *testing.T) {
	layers := [3]int{}
	for i := 1; i < 256; i++ {
		xl, xr := zigXl[i], zigXr[i]
		if !(xl < xr) || math.Abs(zigF[i]-math.Exp(-.5*xr*xr)) > 1e-12 || math.Abs(zigF[i-1]-math.Exp(-.5*xl*xl)) > 1e-12 {
			t.Fatalf("layer %d: wedge [%v, %v] does not match zigF", i, xl, xr)
		}
		for k := 0; k <= 200; k++ {
			ax := xl + (xr-xl)*float64(k)/200
			f := math.Exp(-.5 * ax * ax)
			chord := zigF[i] + zigSlope[i]*(xr-ax)
			switch {
			case xr <= 1:
				layers[0]++
				if chord > f+1e-15 || zigF[i-1]*(1-xl*(ax-xl)) < f-1e-15 {
					t.Fatalf("concave layer %d at x = %v: chord %v, f %v, tangent %v", i, ax, chord, f, zigF[i-1]*(1-xl*(ax-xl)))
				}
			case xl >= 1:
				layers[1]++
				if chord < f-1e-15 || zigF[i]*(1+xr*(xr-ax)) > f+1e-15 {
					t.Fatalf("convex layer %d at x = %v: chord %v, f %v, tangent %v", i, ax, chord, f, zigF[i]*(1+xr*(xr-ax)))
				}
			default:
				layers[2]++
			}
		}
	}
	if layers[0] == 0 || layers[1] == 0 {
		t.Errorf("layers by shape (concave, convex, mixed): %v", layers)
	}
}

// TestNormalsPinned pins the normal stream: a digest of the draws of a few
// streams in batches of several lengths (the values the committed results
// were computed with; a change of the stream would change them all).
func TestNormalsPinned(t *testing.T) {
	h := fnv.New64a()
	var b [8]byte
	for stream := range uint64(8) {
		g := NewNoise(2019, stream)
		for _, n := range []int{200, 1, 17, 64, 201, 1000} {
			z := make([]float64, n)
			for range 40 {
				g.Normals(z)
				for _, x := range z {
					binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
					h.Write(b[:])
				}
			}
		}
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(g.Uniform()))
		h.Write(b[:])
	}
	const want = 0x2fcaac765223f5c9
	if got := h.Sum64(); got != want {
		t.Errorf("normal stream digest %#x, want %#x", got, want)
	}
}
