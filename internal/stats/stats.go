// Package stats holds the small statistics spikernn's packages share:
// means, standard deviations and fractions, NaN for empty input.
package stats

import "math"

// Mean returns the mean of x, NaN when x is empty.
func Mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// MeanSD returns the mean and the population standard deviation (numpy's
// default, divisor n) of x; NaN for empty x.
func MeanSD(x []float64) (mean, sd float64) {
	m := Mean(x)
	if math.IsNaN(m) {
		return m, m
	}
	var s float64
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return m, math.Sqrt(s / float64(len(x)))
}

// Fraction returns the fraction of true values in b, NaN when b is empty.
func Fraction(b []bool) float64 {
	if len(b) == 0 {
		return math.NaN()
	}
	k := 0
	for _, x := range b {
		if x {
			k++
		}
	}
	return float64(k) / float64(len(b))
}

// NonNaN returns the values of x that are not NaN.
func NonNaN(x []float64) []float64 {
	out := make([]float64, 0, len(x))
	for _, v := range x {
		if !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	return out
}
