package sweep

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spikernn/spikernn/pipeline"
	"gonum.org/v1/gonum/mat"
)

// TestRunNetsPerGraph runs a small sweep (4 Go-NoGo networks, N = 20, no
// search) with its models trained two per graph first, and checks that
// every job then loaded its model and that the models and records are the
// ones of the plain run.
func TestRunNetsPerGraph(t *testing.T) {
	run := func(k int) (*Spec, *Store) {
		spec, store, _ := seedSweep(t, "multi", 4)
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

// TestRunRange runs a 4-job sweep as two ranges of two jobs (what grouped
// Slurm array tasks run) and checks that the models were trained before
// the jobs, two per graph, that the records are those of a plain run, that
// a range run again finds nothing to do, and the errors for bad ranges.
func TestRunRange(t *testing.T) {
	open := func() (*Spec, *Store) {
		spec, store, _ := seedSweep(t, "range", 4)
		return spec, store
	}
	specA, a := open()
	if rep, err := Run(context.Background(), specA, a, RunOptions{Workers: 1, NetsPerGraph: 1}); err != nil || rep.Done != 4 {
		t.Fatalf("plain run: %+v, %v", rep, err)
	}
	specB, b := open()
	for _, first := range []int{0, 2} {
		recs, err := RunRange(context.Background(), specB, b, first, 2, false, nil)
		if err != nil || len(recs) != 2 || recs[0].Index != first || recs[1].Index != first+1 {
			t.Fatalf("RunRange(%d, 2): %v, %v", first, recs, err)
		}
	}
	if recs, err := RunRange(context.Background(), specB, b, 2, 5, false, nil); err != nil || len(recs) != 0 {
		t.Errorf("RunRange over finished jobs: %v, %v", recs, err)
	}
	if _, ok := b.pretrained.Load(relPath(b.models.Dir, b.models.Path(mustTrain(t, specB, 3)))); !ok {
		t.Error("the range's models were not trained before its jobs")
	}
	jobsA, _ := specA.Jobs()
	jobsB, _ := specB.Jobs()
	for i := range jobsA {
		ra, errA := a.Record(jobsA[i].Key())
		rb, errB := b.Record(jobsB[i].Key())
		if errA != nil || errB != nil || ra == nil || rb == nil {
			t.Fatalf("job %d: records %v, %v", i, errA, errB)
		}
		if ra.FinalLoss != rb.FinalLoss || ra.Trials != rb.Trials || ra.RatePerf != rb.RatePerf || rb.Status != "done" {
			t.Errorf("job %d: records differ: %+v against %+v", i, ra, rb)
		}
	}
	for _, c := range []struct{ first, count int }{{-1, 2}, {4, 1}, {0, 0}} {
		if _, err := RunRange(context.Background(), specB, b, c.first, c.count, false, nil); err == nil {
			t.Errorf("RunRange(%d, %d) gave no error", c.first, c.count)
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

// TestSubmitGrouped writes (without submitting) the array of a 10-job
// sweep grouped 4 per task: three tasks, each running its 4 consecutive
// jobs with run-one --count 4; with one job finished, its group stays.
func TestSubmitGrouped(t *testing.T) {
	spec, store, p := seedSweep(t, "grouped", 10)
	sub, err := Submit(spec, store, SlurmOptions{Binary: "/bin/sh", SpecPath: p, DryRun: true, NetsPerGraph: 4})
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(sub.Scripts[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#SBATCH --array=0-2\n", "--index $(((SLURM_ARRAY_TASK_ID + 0) * 4)) --count 4\n"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("array script lacks %q:\n%s", want, script)
		}
	}
	if len(sub.Jobs) != 10 {
		t.Errorf("%d jobs submitted, want 10", len(sub.Jobs))
	}
	// Finish jobs 4-7 (group 1): the array keeps groups 0 and 2.
	if _, err := RunRange(context.Background(), spec, store, 4, 4, false, nil); err != nil {
		t.Fatal(err)
	}
	sub, err = Submit(spec, store, SlurmOptions{Binary: "/bin/sh", SpecPath: p, DryRun: true, NetsPerGraph: 4})
	if err != nil {
		t.Fatal(err)
	}
	if script, _ := os.ReadFile(sub.Scripts[0]); !strings.Contains(string(script), "#SBATCH --array=0,2\n") {
		t.Errorf("after group 1 finished, array script:\n%s", script)
	}
}

// seedSweep writes and loads a sweep of n tiny Go-NoGo jobs (N = 20, 6
// trials, no search; seeds 1..n) with a store of its own, and returns its
// spec, store and file.
func seedSweep(t *testing.T, name string, n int) (*Spec, *Store, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "spec.toml")
	text := fmt.Sprintf("name = %q\nno_search = true\n[base]\ntask = \"go-nogo\"\nN = 20\nn_trials = 6\neval_trials = 10\n[axes]\nseed = {from = 1, count = %d}\n", name, n)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := LoadSpec(p)
	if err != nil {
		t.Fatal(err)
	}
	spec.Store = t.TempDir()
	store, err := OpenStore(spec.Store)
	if err != nil {
		t.Fatal(err)
	}
	return spec, store, p
}
