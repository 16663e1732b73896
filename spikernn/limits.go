package spikernn

import "fmt"

// Limits on the sizes a user or a file controls. They are checked before
// anything is allocated, so that a mistyped flag or a crafted file gets an
// error naming the value and the limit instead of exhausting memory.
const (
	// MaxN is the largest network: a network of N units holds four dense
	// N x N float64 matrices (w, w0, m, som_m), 3.2 GB at N = 10000, and
	// training and simulation need several more.
	MaxN = 10000
	// MaxTrials bounds trial counts (training trials, evaluation trials,
	// spiking trials per factor): 10 million training trials of the
	// smallest task already take days.
	MaxTrials = 10_000_000
	// MaxSteps bounds a task's trial length T (in 5 ms steps): 100000
	// steps are 500 s of simulated time, 10 million spiking steps.
	MaxSteps = 100_000
)

// CheckN returns an error naming field unless 1 <= n <= MaxN, with the
// memory that n would need.
func CheckN(field string, n int) error {
	if n < 1 {
		return &ConfigError{Field: field, Value: n, Allowed: "must be at least 1"}
	}
	if n > MaxN {
		return &ConfigError{Field: field, Value: n, Allowed: fmt.Sprintf(
			"a network of N units holds four N x N matrices of 8-byte numbers (%s at N = %d); spikernn allows N up to %d (%s)",
			byteSize(32*float64(n)*float64(n)), n, MaxN, byteSize(32*float64(MaxN)*float64(MaxN)))}
	}
	return nil
}

// CheckTrials returns an error naming field unless 1 <= n <= MaxTrials.
func CheckTrials(field string, n int) error {
	if n < 1 || n > MaxTrials {
		return &ConfigError{Field: field, Value: n, Allowed: fmt.Sprintf("must be between 1 and %d", MaxTrials)}
	}
	return nil
}

// byteSize formats a number of bytes with a binary unit.
func byteSize(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	k := 0
	for b >= 1024 && k < len(units)-1 {
		b /= 1024
		k++
	}
	return fmt.Sprintf("%.3g %s", b, units[k])
}
