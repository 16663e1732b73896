package plot

import (
	"math"
	"testing"
)

func TestActivityMap(t *testing.T) {
	act := make([][]float64, 200) // 1 s at 5 ms
	for k := range act {
		act[k] = make([]float64, 30)
		for i := range act[k] {
			act[k][i] = float64(i) * (1 + math.Sin(float64(k)/20))
		}
	}
	for _, s := range []ActivityScaling{ScaleNone, ScalePerUnit, ScaleGlobal} {
		fig, err := ActivityMap(act, ActivityOptions{Title: "LIF", Dt: 0.005, Scaling: s})
		if err != nil {
			t.Fatal(err)
		}
		if p := fig.Panel(0, 0); p.X.Max != 1 || p.Y.Max != 30.5 {
			t.Errorf("axes %v-%v s, units to %v", p.X.Min, p.X.Max, p.Y.Max)
		}
		if s == ScalePerUnit {
			render(t, "activity", fig)
		}
	}
	cm := newParula()
	if c := cm.color(2); c != cm.color(1) {
		t.Error("values above 1 must get the top colour")
	}
	_, err := ActivityMap(nil, ActivityOptions{Dt: 0.005})
	wantInputError(t, "no rows", err)
	_, err = ActivityMap(act, ActivityOptions{})
	wantInputError(t, "no Dt", err)
	_, err = ActivityMap([][]float64{{1, 2}, {1}}, ActivityOptions{Dt: 1})
	wantInputError(t, "ragged", err)
	_, err = ActivityMap([][]float64{{math.NaN()}}, ActivityOptions{Dt: 1})
	wantInputError(t, "NaN", err)
	_, err = ActivityMap(act, ActivityOptions{Dt: 1, Scaling: 7})
	wantInputError(t, "scaling", err)
}

func TestRateFractions(t *testing.T) {
	rates := []float64{0, 0.5, 1.9, 2, 7, 29, 5, 6}
	inh := []bool{false, false, false, false, false, false, true, true}
	edges, exc, in, err := RateFractions(rates, inh, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(edges) != 16 || edges[15] != 30 {
		t.Errorf("edges %v, want 0, 2, ..., 30", edges)
	}
	if math.Abs(exc[0]-0.5) > 1e-12 || math.Abs(exc[1]-1.0/6) > 1e-12 || math.Abs(exc[14]-1.0/6) > 1e-12 {
		t.Errorf("excitatory fractions %v", exc)
	}
	if in[2] != 0.5 || in[3] != 0.5 {
		t.Errorf("inhibitory fractions %v", in)
	}
	fig, err := RateDistributions([]RateGroup{{Title: "NoGo", Rates: rates}, {Title: "Go", Rates: rates}}, inh, 2)
	if err != nil {
		t.Fatal(err)
	}
	if fig.Cols() != 2 || fig.Panel(0, 1).X.Max != 30 {
		t.Error("two panels on shared axes")
	}
	render(t, "rate_distributions", fig)
	_, _, _, err = RateFractions([]float64{-1}, []bool{false}, 2)
	wantInputError(t, "negative", err)
	_, _, _, err = RateFractions([]float64{1}, []bool{false, true}, 2)
	wantInputError(t, "length", err)
	_, _, _, err = RateFractions([]float64{1}, []bool{false}, 0)
	wantInputError(t, "bin width", err)
	_, err = RateDistributions(nil, inh, 2)
	wantInputError(t, "no groups", err)
}
