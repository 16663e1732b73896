//go:build goexperiment.simd && amd64

package lifsim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"simd/archsimd"
)

// TestStepVectorised: the AVX2 and AVX-512 versions of the fused loop leave
// exactly the scalar version's state and spike list; only the readout sum's
// rounding may differ.
func TestStepVectorised(t *testing.T) {
	variants := map[string]func(*fusedArgs, bool) (float64, int){}
	if archsimd.X86.AVX2() {
		variants["avx2"] = stepAVX2
	}
	if archsimd.X86.AVX512() {
		variants["avx512"] = stepAVX512
	}
	if len(variants) == 0 {
		t.Skip("no AVX2")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, N := range []int{1, 3, 4, 7, 8, 9, 15, 16, 17, 200, 203} {
		mk := func(lo, hi float64) []float64 {
			x := make([]float64, N)
			for i := range x {
				x[i] = lo + (hi-lo)*rng.Float64()
			}
			return x
		}
		base := fusedArgs{v: mk(-70, -38), ipsc: mk(-5, 5), H: mk(-1, 1), A: mk(-2, 2), z: mk(-3, 3), jd: mk(-1, 1),
			ed: mk(0.99, 1), chdt: mk(0, 1), extb: mk(-45, -35), gate: mk(0, 0.005), cur: make([]int32, N),
			er: 0.975, sd: 0.1, vpeak: -40}
		for j := range base.gate {
			if j%3 == 0 {
				base.gate[j] = 0 // refractory
			}
		}
		clone := func() fusedArgs {
			c := base
			c.v, c.ipsc, c.H, c.A = slices.Clone(base.v), slices.Clone(base.ipsc), slices.Clone(base.H), slices.Clone(base.A)
			c.cur = make([]int32, N)
			return c
		}
		for _, fired := range []bool{false, true} {
			ref := clone()
			o, n := stepScalar(&ref, fired)
			for name, step := range variants {
				got := clone()
				o2, n2 := step(&got, fired)
				if n2 != n || !slices.Equal(got.cur[:n2], ref.cur[:n]) {
					t.Fatalf("%s N=%d fired=%v: spikes %v, scalar %v", name, N, fired, got.cur[:n2], ref.cur[:n])
				}
				for _, p := range [][2][]float64{{got.v, ref.v}, {got.ipsc, ref.ipsc}, {got.H, ref.H}, {got.A, ref.A}} {
					if !slices.Equal(p[0], p[1]) {
						t.Fatalf("%s N=%d fired=%v: state differs from the scalar loop", name, N, fired)
					}
				}
				if math.Abs(o2-o) > 1e-12*(1+math.Abs(o)) {
					t.Fatalf("%s N=%d: readout %v, scalar %v", name, N, o2, o)
				}
			}
			if n == 0 && N >= 200 {
				t.Errorf("N=%d: no spikes in the test data", N)
			}
		}
	}
}

// TestStepLanesVectorised: the AVX-512 batched step leaves exactly the
// state, spike lists and readout sums of the portable one (with the same
// eight partial sums).
func TestStepLanesVectorised(t *testing.T) {
	if !archsimd.X86.AVX512() {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }
	for _, N := range []int{1, 3, 7, 8, 9, 17, 200, 203} {
		base := laneArgs{u: make([]laneUnit, N), z: make([][lanes]float64, N), jd: make([][lanes]float64, N),
			extb: make([][lanes]float64, N), ed: make([]float64, N), chdt: make([]float64, N),
			er: 0.975, sd: 0.1, vpeak: -40, parts: 8}
		for j := range N {
			base.ed[j], base.chdt[j] = u(0.99, 1), u(0, 1)
			for l := range lanes {
				st := &base.u[j]
				st.v[l], st.ipsc[l], st.H[l], st.A[l] = u(-70, -38), u(-5, 5), u(-1, 1), u(-2, 2)
				if (j+l)%3 != 0 {
					st.gate[l] = u(0, 0.005)
				}
				base.z[j][l], base.jd[j][l], base.extb[j][l] = u(-3, 3), u(-1, 1), u(-45, -35)
			}
		}
		clone := func() (laneArgs, *[lanes][]int32) {
			c := base
			c.u = slices.Clone(base.u)
			var cur [lanes][]int32
			for l := range cur {
				cur[l] = make([]int32, N)
			}
			c.cur = &cur
			return c, &cur
		}
		for _, fired := range []bool{false, true} {
			ref, rc := clone()
			var o1, o2 [lanes]float64
			var n1, n2 [lanes]int
			stepLanesScalar(&ref, fired, &o1, &n1)
			got, gc := clone()
			stepLanesAVX512(&got, fired, &o2, &n2)
			if o1 != o2 || n1 != n2 || !slices.Equal(got.u, ref.u) {
				t.Fatalf("N=%d fired=%v: readout, spike counts or state differ", N, fired)
			}
			for l := range lanes {
				if !slices.Equal(gc[l][:n2[l]], rc[l][:n1[l]]) {
					t.Fatalf("N=%d lane %d: spikes %v, portable %v", N, l, gc[l][:n2[l]], rc[l][:n1[l]])
				}
			}
		}
	}
}
