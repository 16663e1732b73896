package plot

import (
	"errors"
	"fmt"
	"math"
)

// ErrInput is wrapped by every error a figure function returns for input it
// cannot plot (empty data, mismatched lengths, NaN or infinite values, out
// of range indices); test with errors.Is(err, plot.ErrInput).
var ErrInput = errors.New("plot: invalid input")

func badInput(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInput, fmt.Sprintf(format, a...))
}

func isBad(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }

// checkFinite reports the first NaN or infinite entry of x.
func checkFinite(name string, x []float64) error {
	for i, v := range x {
		if isBad(v) {
			return badInput("%s[%d] is %v", name, i, v)
		}
	}
	return nil
}

// checkSeries checks that x is non-empty and finite.
func checkSeries(name string, x []float64) error {
	if len(x) == 0 {
		return badInput("%s is empty", name)
	}
	return checkFinite(name, x)
}

// checkSameLen checks that a (named an) and b (named bn) have equal lengths.
func checkSameLen(an string, a int, bn string, b int) error {
	if a != b {
		return badInput("%s has %d entries, %s %d", an, a, bn, b)
	}
	return nil
}

// checkXY checks that x (named xn) and y (named yn) are non-empty, finite
// and of equal lengths.
func checkXY(xn string, x []float64, yn string, y []float64) error {
	if err := checkSeries(xn, x); err != nil {
		return err
	}
	if err := checkSeries(yn, y); err != nil {
		return err
	}
	return checkSameLen(xn, len(x), yn, len(y))
}

// checkPositive checks that x (named name) is positive and finite.
func checkPositive(name string, x float64) error {
	if !(x > 0) || math.IsInf(x, 0) {
		return badInput("%s = %v, want a positive finite number", name, x)
	}
	return nil
}

// timeAxis returns the factor that converts seconds into unit and the axis
// label. unit is "ms", "s" or "" (ms when the span is at most 1.5 s).
func timeAxis(unit string, span float64) (float64, string, error) {
	switch unit {
	case "":
		if span <= 1.5 {
			return 1000, "Time (ms)", nil
		}
		return 1, "Time (s)", nil
	case "ms":
		return 1000, "Time (ms)", nil
	case "s":
		return 1, "Time (s)", nil
	}
	return 0, "", badInput("time unit %q (want \"ms\" or \"s\")", unit)
}

// mean and sd of x (population SD, as numpy's default).
func meanSD(x []float64) (float64, float64) {
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	var s float64
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return m, math.Sqrt(s / float64(len(x)))
}

// guard turns a panic in a figure function into an error, so that no input
// can crash a notebook cell: input is validated up front, and this is the
// safety net for anything the checks miss.
func guard(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("plot: %v", r)
	}
}
