package spikernn

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestSpectralRadiusEstimate: the Arnoldi estimate is close to the exact
// radius for a Dale network (an outlier eigenvalue) and for a network
// without Dale's principle (eigenvalues filling a disc).
func TestSpectralRadiusEstimate(t *testing.T) {
	for _, dale := range []bool{true, false} {
		cfg := DefaultConfig("go-nogo")
		cfg.N, cfg.ApplyDale = 400, dale
		net, err := NewNetwork(cfg, 3)
		if err != nil {
			t.Fatal(err)
		}
		w := net.EffectiveWeights()
		exact, est := SpectralRadius(w), SpectralRadiusEstimate(w, 0)
		tol := 0.01
		if !dale {
			tol = 0.1
		}
		if rel := math.Abs(est-exact) / exact; rel > tol {
			t.Errorf("Dale %v: estimate %.4f, exact %.4f (%.1f%% off)", dale, est, exact, 100*rel)
		}
	}
}

// TestSummaryLargeNetworkFast: a summary of a large network takes seconds,
// not minutes (the full spectrum of N = 2500 takes about a minute).
func TestSummaryLargeNetworkFast(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 2500-unit network")
	}
	cfg := DefaultConfig("go-nogo")
	cfg.N = 2500
	net, err := NewNetwork(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s := net.Summary()
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("summary of N = 2500 took %v", d)
	}
	if !strings.Contains(s, "Arnoldi estimate") {
		t.Errorf("summary does not say the radius is an estimate:\n%s", s)
	}
}
