package examples

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestModelsNamed checks that every shipped model has a unique name, a
// valid specification and a stable store path, and that Lookup finds it.
func TestModelsNamed(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range Models() {
		if seen[e.Name] {
			t.Errorf("duplicate model name %q", e.Name)
		}
		seen[e.Name] = true
		if err := e.Train.Validate(); err != nil {
			t.Errorf("%s: %v", e.Name, err)
		}
		got, err := Lookup(e.Name)
		if err != nil || got.Name != e.Name {
			t.Errorf("Lookup(%q) = %v, %v", e.Name, got.Name, err)
		}
		p, err := Path("store", e.Name)
		if err != nil || !strings.HasPrefix(p, filepath.Join("store", "models", e.Train.Config.Task)) || !strings.HasSuffix(p, ".mat") {
			t.Errorf("Path(%q) = %q, %v", e.Name, p, err)
		}
	}
	if _, err := Lookup("no-such-model"); err == nil {
		t.Error("Lookup of an unknown name should fail")
	}
	if _, err := Load(context.Background(), "no-such-model", nil); err == nil {
		t.Error("Load of an unknown name should fail")
	}
}

// TestModelsShipped checks that the shipped store holds the models the
// notebooks load, so that a fresh clone runs them without training.
func TestModelsShipped(t *testing.T) {
	dir := filepath.Join("models") // this package's folder is examples/
	for _, name := range []string{GoNoGo, ContextFig4, XOR} {
		p, _ := Path(dir, name)
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s is not in the shipped store (run: go run ./cmd/spikernn models --only %s): %v", name, name, err)
		}
	}
}

// TestModelsDir checks that $SPIKERNN_MODELS overrides the store folder
// and that the default is examples/models of this module.
func TestModelsDir(t *testing.T) {
	t.Setenv("SPIKERNN_MODELS", "/elsewhere")
	if d := Dir(); d != "/elsewhere" {
		t.Errorf("Dir() = %q with SPIKERNN_MODELS set", d)
	}
	t.Setenv("SPIKERNN_MODELS", "")
	wd, _ := os.Getwd()
	if d := Dir(); d != filepath.Join(filepath.Dir(wd), "examples", "models") {
		t.Errorf("Dir() = %q, want examples/models of the module", d)
	}
}

// TestSweepFiles: every example sweep loads, and every committed results
// table belongs to a sweep file and has a row per job of it.
func TestSweepFiles(t *testing.T) {
	tables, _ := filepath.Glob(filepath.Join("sweeps", "results", "*.csv"))
	if len(tables) == 0 {
		t.Fatal("no committed sweep tables")
	}
	for _, p := range tables {
		name := strings.TrimSuffix(filepath.Base(p), ".csv")
		spec, err := SweepSpec(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		jobs, _ := spec.Jobs()
		tab, err := SweepResults(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(tab.Rows) != len(jobs) {
			t.Errorf("%s: %d rows for %d jobs", name, len(tab.Rows), len(jobs))
		}
	}
}

// TestPaperSweeps checks that each paper-scale sweep file has the paper's
// conditions times 100 networks, in the one shared store.
func TestPaperSweeps(t *testing.T) {
	want := map[string]int{"fig1c": 9 * 100, "fig2de": 21 * 100, "fig3": 11 * 100, "fig4e": 21 * 100, "fig5": 2 * 100, "fig6c": 6 * 100, "fig7": 2 * 100}
	files, _ := filepath.Glob(filepath.Join("sweeps", "paper", "*.toml"))
	if len(files) != len(want) {
		t.Errorf("%d paper sweep files, want %d", len(files), len(want))
	}
	for name, n := range want {
		spec, err := SweepSpec("paper/" + name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		jobs, err := spec.Jobs()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(jobs) != n {
			t.Errorf("paper/%s: %d jobs, want %d", name, len(jobs), n)
		}
		if !strings.HasSuffix(filepath.ToSlash(spec.Store), "out/sweeps/paper") {
			t.Errorf("paper/%s: store %s, not the shared out/sweeps/paper", name, spec.Store)
		}
	}
}
