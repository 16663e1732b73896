package sweep

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestRunNetsPerGraph runs a small sweep (4 Go-NoGo networks, N = 20, no
// search) with its models trained two per graph first, and checks that
// every job then loaded its model and that the models and records are the
// ones of the plain run.
func TestRunNetsPerGraph(t *testing.T) {
	text := `name = "multi"
no_search = true
[base]
task = "go-nogo"
N = 20
n_trials = 6
eval_trials = 10
[axes]
seed = {from = 1, count = 4}
`
	load := func() *Spec {
		p := filepath.Join(t.TempDir(), "spec.toml")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		spec, err := LoadSpec(p)
		if err != nil {
			t.Fatal(err)
		}
		spec.Store = t.TempDir()
		return spec
	}
	run := func(k int) (*Spec, *Store) {
		spec := load()
		store, err := OpenStore(spec.Store)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Run(context.Background(), spec, store, RunOptions{Workers: 1, NetsPerGraph: k})
		if err != nil || rep.Done != 4 || len(rep.Failures) != 0 {
			t.Fatalf("K=%d: %+v, %v", k, rep, err)
		}
		return spec, store
	}
	specA, a := run(1)
	specB, b := run(2)
	jobsA, _ := specA.Jobs()
	jobsB, _ := specB.Jobs()
	for i := range jobsA {
		ra, err := a.Record(jobsA[i].Key())
		if err != nil {
			t.Fatal(err)
		}
		rb, err := b.Record(jobsB[i].Key())
		if err != nil {
			t.Fatal(err)
		}
		if ra.FinalLoss != rb.FinalLoss || ra.Trials != rb.Trials || ra.RatePerf != rb.RatePerf {
			t.Errorf("job %d: records differ: %+v against %+v", i, ra, rb)
		}
		if !(rb.TrainSeconds != rb.TrainSeconds) { // NaN: the job loaded its model
			t.Errorf("job %d: the job trained its model (train_seconds %v), want it loaded", i, rb.TrainSeconds)
		}
		ts, _ := jobsA[i].Settings.train()
		ma, err := a.models.Load(ts)
		if err != nil {
			t.Fatal(err)
		}
		mb, err := b.models.Load(ts)
		if err != nil {
			t.Fatal(err)
		}
		if !mat.Equal(ma.Net.W, mb.Net.W) {
			t.Errorf("job %d: the models differ", i)
		}
	}
}
