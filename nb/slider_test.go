package nb

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/spikernn/spikernn/plot"
)

// Outside a notebook (as in a headless run, where no front-end answers)
// FactorSlider draws the static factors, in order, and returns.
func TestFactorSliderStatic(t *testing.T) {
	var drawn []float64
	draw := func(f float64) (*plot.Figure, error) {
		drawn = append(drawn, f)
		return plot.Bars([]string{"a"}, []float64{f}, nil, "factor")
	}
	if err := FactorSlider(5, 75, 5, 25, draw, 25, 10, 60); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(drawn, []float64{25, 10, 60}) {
		t.Errorf("drawn %v, want [25 10 60]", drawn)
	}
	drawn = nil
	if err := FactorSlider(5, 75, 5, 25, draw); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(drawn, []float64{25}) {
		t.Errorf("default static factors: drawn %v, want [25]", drawn)
	}
	boom := errors.New("boom")
	if err := FactorSlider(5, 75, 5, 25, func(float64) (*plot.Figure, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("draw error: got %v", err)
	}
}

func TestSliderPositions(t *testing.T) {
	n, k, err := sliderPositions(5, 75, 5, 25)
	if err != nil || n != 15 || k != 4 {
		t.Errorf("5..75 step 5 at 25: n %d k %d err %v, want 15 4 nil", n, k, err)
	}
	if n, k, err := sliderPositions(0.1, 0.3, 0.1, 0.3); err != nil || n != 3 || k != 2 {
		t.Errorf("0.1..0.3 step 0.1 at 0.3: n %d k %d err %v, want 3 2 nil", n, k, err)
	}
	for _, c := range [][4]float64{{5, 75, 0, 25}, {75, 5, 5, 25}, {5, 75, 5, 27}, {5, 75, 5, 80}, {5, math.NaN(), 5, 5}, {0, 1e9, 1, 0}} {
		if _, _, err := sliderPositions(c[0], c[1], c[2], c[3]); err == nil {
			t.Errorf("%v: no error", c)
		}
	}
	if err := FactorSlider(5, 75, 5, 25, nil); err == nil {
		t.Error("nil draw: no error")
	}
}
