package sweep

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spikernn/spikernn/spikernn"
)

func tinySpec(t *testing.T) *Spec {
	t.Helper()
	spec, err := LoadSpec(filepath.Join("..", "examples", "sweeps", "tiny.toml"))
	if err != nil {
		t.Fatal(err)
	}
	spec.Store = t.TempDir()
	return spec
}

func TestLoadSpecAndJobs(t *testing.T) {
	spec := tinySpec(t)
	jobs, err := spec.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 8 {
		t.Fatalf("%d jobs, want 8", len(jobs))
	}
	// The last axis (seed) varies fastest.
	if jobs[0].Settings.N != 100 || jobs[0].Settings.Seed != 1 || jobs[1].Settings.Seed != 2 || jobs[4].Settings.N != 200 || jobs[4].Settings.Seed != 1 {
		t.Errorf("grid order: %s, %s, %s", jobs[0].Label(), jobs[1].Label(), jobs[4].Label())
	}
	keys := map[string]bool{}
	for _, j := range jobs {
		keys[j.Key()] = true
	}
	if len(keys) != 8 {
		t.Error("job keys collide")
	}
	// The key is the job's content: another sweep with the same cell shares it.
	other := *spec
	other.Name, other.Store = "other", "elsewhere"
	oj, _ := other.Jobs()
	if oj[3].Key() != jobs[3].Key() {
		t.Error("the sweep's name or store changed a job's key")
	}
	other.Base.SearchTrials = 21
	oj, _ = other.Jobs()
	if oj[3].Key() == jobs[3].Key() {
		t.Error("a search setting did not change the key")
	}
	// JSON gives the same jobs.
	js := `{"name": "tiny", "store": "x", "base": {"task": "go-nogo", "decay_taus": [4, 10], "n_trials": 1000, "min_trial": 0,
	  "factors": "20,30,40", "search_trials": 20, "eval_trials": 20},
	  "axes": [{"name": "N", "values": [100, 200]}, {"name": "seed", "values": {"from": 1, "count": 4}}]}`
	p := filepath.Join(t.TempDir(), "tiny.json")
	os.WriteFile(p, []byte(js), 0o644)
	fromJSON, err := LoadSpec(p)
	if err != nil {
		t.Fatal(err)
	}
	jj, _ := fromJSON.Jobs()
	for i := range jobs {
		if jj[i].Key() != jobs[i].Key() {
			t.Fatalf("JSON job %d differs from TOML", i)
		}
	}
}

func TestSpecErrorsNameTheField(t *testing.T) {
	dir := t.TempDir()
	for body, want := range map[string]string{
		"name='x'\n[base]\ntask='go-nogo'\nNN=3":                                                 `unknown setting "NN"`,
		"name='x'\n[base]\ntask='go-nogo'\n[axes]\nN=[10, -5]":                                   "N = -5",
		"name='x'\n[base]\ntask='go-nogo'\nact='tanh'":                                           "act",
		"name='x'\n[base]\ntask='nosuch'":                                                        "task",
		"name='x'\n[base]\ntask='go-nogo'\nfactors='1:1e-9:2'":                                   "factors",
		"name='x'\n[base]\ntask='go-nogo'\n[axes]\nseed={from=1, count=1e9}":                     "count",
		"name='x'\nbogus=1\n[base]\ntask='go-nogo'":                                              `unknown field "bogus"`,
		"[base]\ntask='go-nogo'":                                                                 "name",
		"name='x'\n[base]\ntask='go-nogo'\n[[conditions]]\nname='c'\n[conditions.settings]\nN=3": "only change the spiking neuron",
		"name='x'\n[base]\ntask='go-nogo'\n[axes]\ntau_max_ms=[50]\ndecay_taus=[[4,10]]":         "either",
	} {
		p := filepath.Join(dir, "s.toml")
		os.WriteFile(p, []byte(body), 0o644)
		_, err := LoadSpec(p)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to mention %q", body, err, want)
		}
	}
}

func TestRunCollectResume(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 8 small networks")
	}
	spec := tinySpec(t)
	store, err := OpenStore(spec.Store)
	if err != nil {
		t.Fatal(err)
	}
	// Interrupt after the first finished job.
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Run(ctx, spec, store, RunOptions{Workers: 2, Progress: spikernn.ReporterFunc(func(p spikernn.Progress) {
		if p.Done >= 1 {
			cancel()
		}
	})})
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("interrupted run: %v", err)
	}
	sum, _, _ := Status(spec, store)
	if sum.Done+sum.Failed < 1 || sum.Pending == 0 || sum.Running != 0 {
		t.Fatalf("after the interruption: %s", sum)
	}
	first := sum.Done + sum.Failed
	rep, err := Run(context.Background(), spec, store, RunOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Done+rep.Failed != 8 || rep.Ran != 8-first {
		t.Fatalf("resumed run: %s, ran %d (after %d)", rep.Summary, rep.Ran, first)
	}
	// Nothing is done twice.
	log, _ := os.ReadFile(filepath.Join(store.Dir, "jobs", "done.log"))
	if n := strings.Count(string(log), "\n"); n != 8 {
		t.Errorf("done.log has %d lines, want 8:\n%s", n, log)
	}
	// A third run has nothing to do.
	rep, _ = Run(context.Background(), spec, store, RunOptions{})
	if rep.Ran != 0 {
		t.Errorf("a finished sweep ran %d jobs again", rep.Ran)
	}
	tab, err := Collect(spec, store)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) != 8 {
		t.Fatalf("%d rows", len(tab.Rows))
	}
	var buf bytes.Buffer
	tab.WriteCSV(&buf)
	rows, _ := csv.NewReader(&buf).ReadAll()
	for _, col := range []string{"index", "N", "seed", "trained", "trials", "best_factor", "spiking_perf", "spiking_perf_Go", "successful", "tau_min_ms", "tau_max_ms"} {
		found := false
		for _, c := range rows[0] {
			found = found || c == col
		}
		if !found {
			t.Errorf("no column %s in %v", col, rows[0])
		}
	}
	trials, _ := tab.Floats("trials")
	perf, _ := tab.Floats("spiking_perf")
	trained, _ := tab.Strings("trained")
	converted := 0
	for i := range trials {
		if trials[i] < 1 || trials[i] > 1000 {
			t.Errorf("row %d: %v trials", i, trials[i])
		}
		if trained[i] == "1" != !math.IsNaN(perf[i]) {
			t.Errorf("row %d: trained %s but spiking perf %v", i, trained[i], perf[i])
		}
		if trained[i] == "1" {
			converted++
		}
	}
	if converted == 0 {
		t.Error("no network of the tiny sweep trained: it tests nothing of the conversion")
	}
	groups, err := tab.GroupBy("N")
	if err != nil || len(groups) != 2 || groups[0].X != 100 || len(groups[0].Table.Rows) != 4 {
		t.Fatalf("GroupBy: %v %+v", err, groups)
	}
}

func TestTauRange(t *testing.T) {
	for _, c := range []struct {
		s      Settings
		lo, hi float64
	}{
		{Settings{Task: "go-nogo", DecayTaus: []float64{4, 10}}, 20, 50},
		{Settings{Task: "go-nogo", DecayTaus: []float64{7}}, 35, 35},
		{Settings{Task: "go-nogo", TauMin: 20, TauMax: 1000}, 20, 1000},
		{Settings{Task: "go-nogo", TauMax: 200}, 20, 200},
		{Settings{Task: "go-nogo"}, 20, 100}, // the reference's default, 4-20 steps
	} {
		lo, hi := c.s.tauRangeMs()
		if float64(lo) != c.lo || float64(hi) != c.hi {
			t.Errorf("%+v: tau range %v-%v ms, want %v-%v", c.s, lo, hi, c.lo, c.hi)
		}
	}
	if lo, hi := (Settings{Task: "go-nogo", DecayTaus: []float64{4}, TauMax: 50}).tauRangeMs(); !math.IsNaN(float64(lo)) || !math.IsNaN(float64(hi)) {
		t.Errorf("contradictory settings: %v-%v ms, want NaN", lo, hi)
	}
}

func TestWilson(t *testing.T) {
	f := Wilson(69, 100, 1.96)
	// Wilson's interval for 69/100 at z = 1.96 is [0.5937, 0.7722].
	if math.Abs(f.Low-0.5937) > 5e-4 || math.Abs(f.High-0.7722) > 5e-4 {
		t.Errorf("Wilson(69, 100) = [%.4f, %.4f]", f.Low, f.High)
	}
	if f := Wilson(0, 10, 1.96); f.Low != 0 || f.High < 0.25 || f.High > 0.35 {
		t.Errorf("Wilson(0, 10) = %+v", f)
	}
}

func TestRanges(t *testing.T) {
	if got := Ranges([]int{0, 1, 2, 3, 7, 9, 10, 11}); got != "0-3,7,9-11" {
		t.Errorf("ranges = %q", got)
	}
}

func TestFormats(t *testing.T) {
	if got := Wilson(4, 10, 1.96).String(); got != "40% (4/10; 95% CI 17-69%)" {
		t.Errorf("Fraction.String() = %q", got)
	}
	p := Point{N: 10, Y: 0.4, Lo: 0.168, Hi: 0.687}
	if f := p.Fraction(); f.K != 4 || f.N != 10 {
		t.Errorf("Point.Fraction() = %+v", f)
	}
	m := Point{N: 7, Y: 0.98812, SD: 0.0471}
	if got := m.MeanString(100, 1, "%"); got != "98.8 ± 4.7% (n = 7)" {
		t.Errorf("MeanString = %q", got)
	}
}
