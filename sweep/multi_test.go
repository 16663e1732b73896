package sweep

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/spikernn/spikernn/pipeline"
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
	if _, ok := b.pretrained.Load(relPath(b.models.Dir, b.models.Path(mustTrain(t, specB, 0)))); !ok {
		t.Error("the models were not trained before the jobs")
	}
	if _, ok := a.pretrained.Load(relPath(a.models.Dir, a.models.Path(mustTrain(t, specA, 0)))); ok {
		t.Error("NetsPerGraph 1 trained the models before the jobs")
	}
	// The default (0) trains networks this small several per graph.
	specC, c := run(0)
	if _, ok := c.pretrained.Load(relPath(c.models.Dir, c.models.Path(mustTrain(t, specC, 0)))); !ok {
		t.Error("the default did not train N = 20 models several per graph")
	}
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
		if !(rb.TrainSeconds > 0) {
			t.Errorf("job %d: train_seconds %v", i, rb.TrainSeconds)
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

func mustTrain(t *testing.T, spec *Spec, i int) pipeline.TrainSpec {
	t.Helper()
	jobs, err := spec.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := jobs[i].Settings.train()
	if err != nil {
		t.Fatal(err)
	}
	return ts
}
