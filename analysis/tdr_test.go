package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

// plantedData builds units whose rates are known linear combinations of
// the four task variables: rate[k][u][b] = base[u] + sum_v dir[v][u] *
// prof[v][b] * x_v(k) + noise, with each variable's time profile peaking
// at its own bin. Choice follows the cued offset (a psychometric curve), as in the task.
func plantedData(seed uint64, K, N, B int, noise float64) (rates [][][]float64, vars []Vars, dir [][]float64, peak []int) {
	rng := rand.New(rand.NewPCG(seed, 99))
	dir = make([][]float64, 4)
	for v := range dir {
		dir[v] = make([]float64, N)
		for u := range N {
			dir[v][u] = rng.NormFloat64()
		}
	}
	peak = []int{B - 2, B / 3, B / 2, 1}
	prof := make([][]float64, 4)
	for v := range prof {
		prof[v] = make([]float64, B)
		for b := range B {
			d := float64(b - peak[v])
			prof[v][b] = math.Exp(-d * d / 8)
		}
	}
	mags := []float64{0.05, 0.1, 0.2, 0.35, 0.5}
	off := func() float64 { return mags[rng.IntN(5)] * float64(2*rng.IntN(2)-1) }
	for range K {
		x := Vars{Offset1: off(), Offset2: off(), Context: float64(2*rng.IntN(2) - 1)}
		cued := map[bool]float64{true: x.Offset1, false: x.Offset2}[x.Context > 0]
		x.Choice = -1
		if rng.Float64() < 1/(1+math.Exp(-10*cued)) {
			x.Choice = 1
		}
		vars = append(vars, x)
		tr := make([][]float64, N)
		for u := range N {
			tr[u] = make([]float64, B)
			for b := range B {
				r := 10 + float64(u%7)
				for v := range 4 {
					scale := [4]float64{1, 4, 4, 1}[v] // offsets are smaller than +/-1
					r += scale * dir[v][u] * prof[v][b] * x.value(v)
				}
				tr[u][b] = r + noise*rng.NormFloat64()
			}
		}
		rates = append(rates, tr)
	}
	return rates, vars, dir, peak
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func TestTDRRecoversPlantedAxes(t *testing.T) {
	const K, N, B = 400, 60, 12
	rates, vars, dir, peak := plantedData(1, K, N, B, 0.5)
	tdr, err := FitTDR(rates, vars, TDROptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The planted directions in z-scored units, QR-orthogonalised in the same order.
	want := make([][]float64, 4)
	for v := range 4 {
		w := make([]float64, N)
		for u := range N {
			w[u] = dir[v][u] / tdr.SD[u]
		}
		for j := range v {
			c := dot(w, want[j])
			for u := range w {
				w[u] -= c * want[j][u]
			}
		}
		n := math.Sqrt(dot(w, w))
		for u := range w {
			w[u] /= n
		}
		want[v] = w
	}
	for v := range 4 {
		if c := dot(tdr.Axes[v], want[v]); c < 0.95 {
			t.Errorf("axis %s: cosine with the planted direction %.3f, want > 0.95", TDRNames[v], c)
		}
		if tdr.MaxBin[v] != peak[v] {
			t.Errorf("axis %s: max-norm bin %d, planted peak %d", TDRNames[v], tdr.MaxBin[v], peak[v])
		}
		for j := range 4 {
			want := map[bool]float64{true: 1, false: 0}[j == v]
			if d := dot(tdr.Axes[v], tdr.Axes[j]); math.Abs(d-want) > 1e-9 {
				t.Errorf("axes %d, %d: dot %g, want %g (orthonormal)", v, j, d, want)
			}
		}
	}
	if tdr.PCs != 12 || !(tdr.Explained > 0.5 && tdr.Explained <= 1) {
		t.Errorf("PCs %d, explained %v", tdr.PCs, tdr.Explained)
	}
	// The order matters: with the context axis planted where the choice
	// axis is, QR in the order choice, mod1, mod2, context keeps choice and
	// makes context orthogonal to it (the cosine with its planted vector
	// then drops).
	if c := dot(tdr.Axes[0], want[3]); math.Abs(c) > 0.3 {
		t.Errorf("choice axis has cosine %.2f with the planted context axis", c)
	}
}

// The trajectories of the relevant input are ordered by offset along the
// choice axis at the end; those of the irrelevant input are not.
func TestTDRProjectOrder(t *testing.T) {
	const K, N, B = 600, 40, 12
	rates, vars, _, _ := plantedData(2, K, N, B, 0.5)
	tdr, err := FitTDR(rates, vars, TDROptions{PCs: 8})
	if err != nil {
		t.Fatal(err)
	}
	for _, ctx := range []float64{1, -1} {
		relevant, irrelevant := 1, 2
		if ctx < 0 {
			relevant, irrelevant = 2, 1
		}
		tr, err := tdr.Project(rates, vars, relevant, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(tr) != 20 || tr[0].Context != 1 || tr[0].Offset != -0.5 || tr[9].Offset != 0.5 {
			t.Fatalf("%d trajectories, first %+v: want 20 sorted by context then offset", len(tr), tr[0])
		}
		rhoRel, slopeRel, err := OffsetOrder(tr, ctx, 0, B-2)
		if err != nil {
			t.Fatal(err)
		}
		ti, _ := tdr.Project(rates, vars, irrelevant, false)
		rhoIrr, slopeIrr, _ := OffsetOrder(ti, ctx, 0, B-2)
		rhoOwn, _, _ := OffsetOrder(ti, ctx, irrelevant, B/3+(irrelevant-1)*(B/2-B/3))
		if math.Abs(slopeIrr) > 0.3*slopeRel {
			t.Errorf("context %v: slope along choice of the irrelevant input %.2f, of the relevant %.2f", ctx, slopeIrr, slopeRel)
		}
		if rhoRel < 0.9 || math.Abs(rhoIrr) > 0.6 || rhoOwn < 0.9 {
			t.Errorf("context %v: choice-axis order of the relevant input %.2f (want > 0.9), irrelevant %.2f (want |.| < 0.6), irrelevant on its own axis %.2f (want > 0.9)",
				ctx, rhoRel, rhoIrr, rhoOwn)
		}
		split, _ := tdr.Project(rates, vars, relevant, true)
		if len(split) <= 20 || split[0].Choice != 1 {
			t.Errorf("split by choice: %d trajectories, first choice %v", len(split), split[0].Choice)
		}
	}
}

func TestTDRErrors(t *testing.T) {
	rates, vars, _, _ := plantedData(3, 40, 10, 6, 0.5)
	constCtx := append([]Vars(nil), vars...)
	for i := range constCtx {
		constCtx[i].Context = 1
	}
	nan := append([]Vars(nil), vars...)
	nan[3].Offset1 = math.NaN()
	ragged := append([][][]float64(nil), rates...)
	ragged[2] = ragged[2][:5]
	cases := []struct {
		name  string
		rates [][][]float64
		vars  []Vars
		opt   TDROptions
	}{
		{"no trials", nil, nil, TDROptions{}},
		{"lengths", rates, vars[:10], TDROptions{}},
		{"constant context", rates, constCtx, TDROptions{}},
		{"NaN variable", rates, nan, TDROptions{}},
		{"ragged", ragged, vars, TDROptions{}},
		{"too few trials", rates[:4], vars[:4], TDROptions{}},
		{"PCs", rates, vars, TDROptions{PCs: 2}},
	}
	for _, c := range cases {
		if _, err := FitTDR(c.rates, c.vars, c.opt); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	var nilTDR *TDR
	if _, err := nilTDR.Project(rates, vars, 1, false); err == nil {
		t.Error("nil TDR: no error")
	}
	tdr, err := FitTDR(rates, vars, TDROptions{PCs: 5})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tdr.Project(rates, vars, 3, false); err == nil {
		t.Error("input 3: no error")
	}
	if _, err := tdr.ProjectAverage([][]float64{{1}}); err == nil {
		t.Error("wrong units: no error")
	}
	if _, _, err := OffsetOrder(nil, 1, 0, 0); err == nil {
		t.Error("no trajectories: no error")
	}
}

func TestSpearman(t *testing.T) {
	r, err := Spearman([]float64{1, 2, 3, 4, 5}, []float64{1, 4, 9, 16, 100})
	if err != nil || math.Abs(r-1) > 1e-12 {
		t.Errorf("monotone: %v %v", r, err)
	}
	// x = 1..5, y = 5, 6, 7, 8, 7 (ties): ranks 1..5 and 1, 2, 3.5, 5, 3.5; Pearson 0.8208
	r, _ = Spearman([]float64{1, 2, 3, 4, 5}, []float64{5, 6, 7, 8, 7})
	if math.Abs(r-0.8207826816681233) > 1e-9 {
		t.Errorf("with ties: %v", r)
	}
	if _, err := Spearman([]float64{1}, []float64{1, 2}); err == nil {
		t.Error("lengths: no error")
	}
}
