package stats

import (
	"math"
	"testing"
)

func TestStats(t *testing.T) {
	if m := Mean([]float64{1, 2, 3, 6}); m != 3 {
		t.Errorf("Mean = %v", m)
	}
	if m, sd := MeanSD([]float64{2, 4, 4, 4, 5, 5, 7, 9}); m != 5 || sd != 2 {
		t.Errorf("MeanSD = %v, %v", m, sd)
	}
	if f := Fraction([]bool{true, false, true, true}); f != 0.75 {
		t.Errorf("Fraction = %v", f)
	}
	if !math.IsNaN(Mean(nil)) || !math.IsNaN(Fraction(nil)) {
		t.Error("empty input must give NaN")
	}
	if x := NonNaN([]float64{1, math.NaN(), 2}); len(x) != 2 {
		t.Errorf("NonNaN = %v", x)
	}
}
