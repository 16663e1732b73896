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
