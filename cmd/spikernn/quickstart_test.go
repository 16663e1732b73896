package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spikernn/spikernn/spikernn"
)

// TestQuickstart runs the README's main job end to end on a reduced spiking
// grid: training to the stopping rule, the grid search, the LIF evaluation,
// the model file and the figures.
func TestQuickstart(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a network (tens of seconds): skipped with -short")
	}
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	code := runMain([]string{"quickstart", "--output_dir", dir, "--trials", "40", "--factors", "20,25,30", "--format", "svg"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	var model string
	for _, line := range strings.Split(out.String(), "\n") {
		if m, ok := strings.CutPrefix(line, "model:"); ok {
			model = strings.TrimSpace(m)
		}
	}
	net, err := spikernn.LoadModel(model)
	if err != nil {
		t.Fatalf("model %q: %v\n%s", model, err, out.String())
	}
	if net.Training == nil || net.Training.Status != spikernn.StatusTrained {
		t.Fatalf("the model should be trained: %+v", net.Training)
	}
	if s := net.Scaling; s == nil || len(s.ScalingFactors) != 3 || (s.OptScalingFactor != 20 && s.OptScalingFactor != 25 && s.OptScalingFactor != 30) {
		t.Fatalf("scaling search not saved: %+v", net.Scaling)
	}
	figs, _ := filepath.Glob(filepath.Join(dir, "figures", "*.svg"))
	if len(figs) < 5 {
		t.Fatalf("figures: %v", figs)
	}
	for _, f := range figs {
		if st, err := os.Stat(f); err != nil || st.Size() < 1000 {
			t.Errorf("figure %s is missing or empty", f)
		}
	}
	if !strings.Contains(out.String(), "LIF network: accuracy") {
		t.Errorf("summary missing:\n%s", out.String())
	}
}
