package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

// R: wilcox.test(c(1,2,3), c(4,5,6), exact = FALSE) gives W = 0, p = 0.08086;
// wilcox.test(c(1.83,0.50,1.62,2.48,1.68,1.88,1.55,3.06,1.30), c(0.878,0.647,0.598,2.05,1.06,1.29,1.06,3.14,1.29), exact = FALSE)
// (the depression example of Hollander & Wolfe, ?wilcox.test) gives W = 58, p = 0.1329.
func TestRankSumTextbook(t *testing.T) {
	cases := []struct {
		x, y []float64
		u, p float64
	}{
		{[]float64{1, 2, 3}, []float64{4, 5, 6}, 0, 0.08086},
		{[]float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}, []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}, 58, 0.1329},
	}
	for _, c := range cases {
		u, p, err := RankSum(c.x, c.y)
		if err != nil {
			t.Fatal(err)
		}
		if u != c.u || math.Abs(p-c.p) > 5e-4 {
			t.Errorf("RankSum(%v, %v) = U %v, p %.5f; want U %v, p %.4f", c.x, c.y, u, p, c.u, c.p)
		}
		u2, p2, _ := RankSum(c.y, c.x)
		if u+u2 != float64(len(c.x)*len(c.y)) || math.Abs(p-p2) > 1e-12 {
			t.Errorf("swapping the samples: U %v + %v != n1 n2, or p %v != %v", u, u2, p, p2)
		}
	}
}

// exactP enumerates every split of the pooled values into groups of
// len(x) and len(y): the permutation p-value of |U - n1 n2 / 2|.
func exactP(x, y []float64) float64 {
	pool := append(append([]float64(nil), x...), y...)
	n, n1 := len(pool), len(x)
	u0, _, _ := RankSum(x, y)
	d0 := math.Abs(u0 - float64(n1*len(y))/2)
	var hit, total float64
	for mask := 0; mask < 1<<n; mask++ {
		if popcount(mask) != n1 {
			continue
		}
		var a, b []float64
		for i, v := range pool {
			if mask&(1<<i) != 0 {
				a = append(a, v)
			} else {
				b = append(b, v)
			}
		}
		u, _, _ := RankSum(a, b)
		if math.Abs(u-float64(n1*len(y))/2) >= d0-1e-9 {
			hit++
		}
		total++
	}
	return hit / total
}

func popcount(m int) int {
	c := 0
	for ; m != 0; m &= m - 1 {
		c++
	}
	return c
}

// The normal approximation (with ties) is close to the exact permutation p-value.
func TestRankSumPermutation(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 6 {
		x, y := make([]float64, 8), make([]float64, 8)
		for i := range x {
			x[i] = math.Round(rng.NormFloat64()*2 + float64(trial)/3) // integer counts: many ties
			y[i] = math.Round(rng.NormFloat64() * 2)
		}
		_, p, err := RankSum(x, y)
		if err != nil {
			t.Fatal(err)
		}
		if e := exactP(x, y); math.Abs(p-e) > 0.03 {
			t.Errorf("x %v, y %v: normal approximation p = %.4f, permutation p = %.4f", x, y, p, e)
		}
	}
}

func TestRankSumEdges(t *testing.T) {
	if _, p, err := RankSum([]float64{2, 2}, []float64{2, 2, 2}); err != nil || p != 1 {
		t.Errorf("all tied: p = %v, err %v; want 1", p, err)
	}
	if _, _, err := RankSum(nil, []float64{1}); err == nil {
		t.Error("empty sample: no error")
	}
	if _, _, err := RankSum([]float64{math.NaN()}, []float64{1}); err == nil {
		t.Error("NaN: no error")
	}
}

func TestMixedSelectivityPlanted(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const trials = 200
	// effects[unit] = effect size of each of the three variables.
	var effects [][3]float64
	for range 10 {
		effects = append(effects, [3]float64{3, 0, 0}) // pure: variable 0
	}
	for range 10 {
		effects = append(effects, [3]float64{0, 0, 3}) // pure: variable 2
	}
	for range 10 {
		effects = append(effects, [3]float64{3, 3, 0}) // mixed: 0 and 1
	}
	for range 10 {
		effects = append(effects, [3]float64{2, 2, 2}) // mixed: all
	}
	for range 20 {
		effects = append(effects, [3]float64{}) // none
	}
	levels := make([][]float64, 3)
	counts := make([][]float64, trials)
	for k := range trials {
		var x [3]float64
		for v := range 3 {
			x[v] = float64(rng.IntN(2))
			levels[v] = append(levels[v], x[v])
		}
		for _, e := range effects {
			mu := 5 + e[0]*x[0] + e[1]*x[1] + e[2]*x[2]
			counts[k] = append(counts[k], math.Round(mu+2*rng.NormFloat64())) // Poisson-like integer counts
		}
	}
	s, err := MixedSelectivity(counts, levels, []string{"a", "b", "c"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	falseMixed, pureMixed := 0, 0
	for u, e := range effects {
		planted := 0
		for v := range 3 {
			if e[v] > 0 {
				planted++
				if !s.Selected[u][v] {
					t.Errorf("unit %d: variable %d planted (effect %v) but p = %.3g", u, v, e[v], s.P[u][v])
				}
			}
		}
		switch {
		case planted >= 2 && !s.Mixed[u]:
			t.Errorf("unit %d: planted mixed but not found (p %v)", u, s.P[u])
		case planted == 1 && s.Mixed[u]:
			pureMixed++ // a false positive on another variable: about alpha of them
		case planted == 0 && s.Mixed[u]:
			falseMixed++
		}
	}
	if falseMixed > 1 || pureMixed > 2 {
		t.Errorf("%d of 20 unselective and %d of 20 pure units called mixed: more false positives than alpha = 0.05 explains", falseMixed, pureMixed)
	}
	if u := s.Strongest(nil); effects[u][0]+effects[u][1]+effects[u][2] != 6 {
		t.Errorf("Strongest = unit %d (effects %v), want one with effects summing to 6 (the largest)", u, effects[u])
	}
	keep := make([]bool, len(effects))
	keep[45] = true
	if u := s.Strongest(keep); u != 45 {
		t.Errorf("Strongest among unit 45 only = %d", u)
	}
	if want := float64(20+falseMixed+pureMixed) / 60; math.Abs(s.Fraction-want) > 1e-12 {
		t.Errorf("Fraction = %v, want %v", s.Fraction, want)
	}
}

func TestMixedSelectivityErrors(t *testing.T) {
	counts := [][]float64{{1, 2}, {3, 4}, {5, 6}}
	bad := []struct {
		name   string
		counts [][]float64
		levels [][]float64
		alpha  float64
	}{
		{"three levels", counts, [][]float64{{0, 1, 2}}, 0},
		{"one level", counts, [][]float64{{1, 1, 1}}, 0},
		{"length", counts, [][]float64{{0, 1}}, 0},
		{"ragged", [][]float64{{1, 2}, {3}, {5, 6}}, [][]float64{{0, 1, 0}}, 0},
		{"alpha", counts, [][]float64{{0, 1, 0}}, 2},
		{"no variables", counts, nil, 0},
		{"one trial", counts[:1], [][]float64{{0}}, 0},
	}
	for _, b := range bad {
		if _, err := MixedSelectivity(b.counts, b.levels, nil, b.alpha); err == nil {
			t.Errorf("%s: no error", b.name)
		}
	}
}
