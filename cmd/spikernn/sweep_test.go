package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// microSweep writes a sweep of 6 small, fast jobs (30-60 training trials,
// nothing converted) and returns its path.
func microSweep(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "micro.toml")
	spec := `name = "micro"
store = "store"
[base]
task = "go-nogo"
n_trials = 40
[axes]
N = [20, 30]
seed = [1, 2, 3]
`
	if err := os.WriteFile(p, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// buildBinary builds spikernn once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "spikernn")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// table reads a results CSV without the columns that depend on the run
// (timing, host).
func table(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	skip := map[int]bool{}
	for i, c := range rows[0] {
		if c == "seconds" || c == "host" || c == "train_seconds" {
			skip[i] = true
		}
	}
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			if !skip[i] {
				b.WriteString(c + ",")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// doneLog counts completions per job key.
func doneLog(t *testing.T, store string) map[string]int {
	t.Helper()
	data, _ := os.ReadFile(filepath.Join(store, "jobs", "done.log"))
	n := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			n[f[0]]++
		}
	}
	return n
}

// TestSweepCommands: plan, run, status, collect; kill -9 of a runner at a
// random moment and a rerun lose nothing and do nothing twice; two runners
// at once share the work; the tables agree.
func TestSweepCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("runs sweeps in subprocesses")
	}
	bin := buildBinary(t)
	spec := microSweep(t)
	storeA := filepath.Join(t.TempDir(), "a")
	code, out, errOut := run(t, "sweep", "plan", spec, "--store", storeA)
	if code != 0 || !strings.Contains(out, "6 jobs: 0 done") || !strings.Contains(out, "N (2 values) x seed (3 values)") {
		t.Fatalf("plan: exit %d\n%s%s", code, out, errOut)
	}
	// Kill -9 at a random moment, then resume.
	cmd := exec.Command(bin, "sweep", "run", spec, "--store", storeA, "--workers", "2")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Duration(200+rand.IntN(1000)) * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	code, out, errOut = run(t, "sweep", "status", spec, "--store", storeA)
	t.Logf("after kill -9: %s", strings.TrimSpace(out))
	code, out, errOut = run(t, "sweep", "run", spec, "--store", storeA)
	if code != 0 || !strings.Contains(out, "6 done") {
		t.Fatalf("resume: exit %d\n%s%s", code, out, errOut)
	}
	// Records are created exclusively (a second completion would fail);
	// done.log may miss the line of a job killed between its record and
	// its line, but never has two.
	for key, n := range doneLog(t, storeA) {
		if n != 1 {
			t.Errorf("job %s finished %d times", key, n)
		}
	}
	if code, out, _ := run(t, "sweep", "collect", spec, "--store", storeA); code != 0 || !strings.Contains(out, "6 rows") {
		t.Fatalf("collect: %s", out)
	}
	// Two runners at once on a fresh store.
	storeB := filepath.Join(t.TempDir(), "b")
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range 2 {
		c := exec.Command(bin, "sweep", "run", spec, "--store", storeB, "--workers", "1")
		var b bytes.Buffer
		c.Stdout, c.Stderr = &b, &b
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, c), append(outs, &b)
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("runner %d: %v\n%s", i, err, outs[i])
		}
	}
	log := doneLog(t, storeB)
	for key, n := range log {
		if n != 1 {
			t.Errorf("two runners: job %s finished %d times", key, n)
		}
	}
	if len(log) != 6 {
		t.Errorf("two runners finished %d jobs", len(log))
	}
	run(t, "sweep", "collect", spec, "--store", storeB)
	if a, b := table(t, filepath.Join(storeA, "results.csv")), table(t, filepath.Join(storeB, "results.csv")); a != b {
		t.Errorf("tables differ:\n%s\n%s", a, b)
	}
}

// slurmUp reports whether a Slurm cluster answers here.
func slurmUp() bool {
	if _, err := exec.LookPath("sbatch"); err != nil {
		return false
	}
	out, err := exec.Command("sinfo", "-h", "-o", "%T").Output()
	if err != nil {
		return false
	}
	s := string(out)
	return strings.Contains(s, "idle") || strings.Contains(s, "mixed") || strings.Contains(s, "allocated")
}

// TestSweepSlurm submits the micro sweep to the local Slurm cluster
// (scripts/slurm/start-slurm.sh starts one): cancelling the running array
// and resubmitting runs only the missing jobs, a job that fails shows up as
// failed with its message, and the table is the one a local run gives.
func TestSweepSlurm(t *testing.T) {
	if testing.Short() || !slurmUp() {
		t.Skip("no Slurm cluster here (scripts/slurm/start-slurm.sh starts one)")
	}
	bin := buildBinary(t)
	spec := microSweep(t)
	local := filepath.Join(t.TempDir(), "local")
	if code, out, errOut := run(t, "sweep", "run", spec, "--store", local); code != 0 {
		t.Fatalf("local run: %s%s", out, errOut)
	}
	run(t, "sweep", "collect", spec, "--store", local)

	// Job 2 fails for a real reason: its model file in the Slurm store
	// is not a MAT file.
	store := filepath.Join(t.TempDir(), "slurm")
	var rec struct{ Key, Model string }
	recs, _ := filepath.Glob(filepath.Join(local, "jobs", "*.json"))
	for _, r := range recs {
		data, _ := os.ReadFile(r)
		var x struct {
			Key, Model string
			Index      int
		}
		if json.Unmarshal(data, &x) == nil && x.Index == 2 {
			rec.Key, rec.Model = x.Key, x.Model
		}
	}
	if rec.Model == "" {
		t.Fatal("no record of job 2 in the local store")
	}
	bad := filepath.Join(store, filepath.FromSlash(rec.Model))
	if err := os.MkdirAll(filepath.Dir(bad), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}

	submit := func(parallel string) string {
		args := []string{"sweep", "submit", spec, "--store", store, "--binary", bin, "--max-parallel", parallel, "--time", "10"}
		if p := os.Getenv("SLURM_LOCAL_PARTITION"); p != "" {
			args = append(args, "--partition", p)
		}
		code, out, errOut := run(t, args...)
		if code != 0 {
			t.Fatalf("submit: exit %d\n%s%s", code, out, errOut)
		}
		return out
	}
	cancelAll := func() {
		exec.Command("scancel", "-n", "spikernn-micro").Run()
		exec.Command("scancel", "-n", "spikernn-micro-collect").Run()
	}
	t.Cleanup(cancelAll)
	status := func() string {
		_, out, _ := run(t, "sweep", "status", spec, "--store", store)
		return out
	}
	waitQueue := func() {
		t.Helper()
		deadline := time.Now().Add(5 * time.Minute)
		for {
			q, _ := exec.Command("squeue", "-h", "-o", "%i", "-n", "spikernn-micro,spikernn-micro-collect").Output()
			if strings.TrimSpace(string(q)) == "" {
				return
			}
			if time.Now().After(deadline) {
				cancelAll()
				t.Fatalf("the Slurm jobs did not finish in 5 minutes: %s", q)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}

	// One task at a time; cancel the array once two jobs are finished.
	if out := submit("1"); !strings.Contains(out, "submitted") {
		t.Fatalf("submit: %s", out)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for !strings.Contains(status(), "2 done") && !strings.Contains(status(), "3 done") {
		if time.Now().After(deadline) {
			t.Fatalf("no progress on Slurm: %s", status())
		}
		time.Sleep(200 * time.Millisecond)
	}
	cancelAll()
	waitQueue()
	first := status()
	t.Logf("after cancelling: %s", strings.TrimSpace(first))
	if strings.Contains(first, "6 jobs: 6 done") || strings.Contains(first, " 0 pending") {
		t.Fatalf("every job finished before the cancel: %s", first)
	}
	// The resubmission runs only what is missing.
	out := submit("2")
	if !strings.Contains(out, "submitted") {
		t.Fatalf("resubmit: %s", out)
	}
	waitQueue()
	final := status()
	if !strings.Contains(final, "5 done, 1 failed") {
		logs, _ := filepath.Glob(filepath.Join(store, "slurm", "logs", "*"))
		var b strings.Builder
		for _, l := range logs {
			d, _ := os.ReadFile(l)
			fmt.Fprintf(&b, "== %s\n%s\n", l, d)
		}
		t.Fatalf("after Slurm: %s\n%s", final, b.String())
	}
	for key, n := range doneLog(t, store) {
		if n != 1 {
			t.Errorf("job %s completed %d times", key, n)
		}
	}
	// The failed job says why, in its record and in the table.
	data, err := os.ReadFile(filepath.Join(store, "jobs", rec.Key+".json"))
	if err != nil || !strings.Contains(string(data), `"status": "failed"`) || !strings.Contains(string(data), filepath.Base(rec.Model)) {
		t.Errorf("record of the failing job (%v):\n%s", err, data)
	}
	// Apart from the failing job, the collect job's table is the local one.
	a := strings.Split(table(t, filepath.Join(local, "results.csv")), "\n")
	b := strings.Split(table(t, filepath.Join(store, "results.csv")), "\n")
	if len(a) != len(b) {
		t.Fatalf("tables of %d and %d lines", len(a), len(b))
	}
	for i := range a {
		if strings.HasPrefix(a[i], "2,") {
			if !strings.Contains(b[i], "failed") {
				t.Errorf("row of job 2: %s", b[i])
			}
			continue
		}
		if a[i] != b[i] {
			t.Errorf("Slurm and local rows differ:\n%s\n%s", a[i], b[i])
		}
	}
}

// TestSweepSlurmGrouped submits the micro sweep (N = 20, 30 x 3 seeds) with
// --nets-per-graph 3 to the local Slurm cluster: two array tasks of three
// jobs each, whose models train three per graph, and the same table as a
// local run of one job at a time.
func TestSweepSlurmGrouped(t *testing.T) {
	if testing.Short() || !slurmUp() {
		t.Skip("no Slurm cluster here (scripts/slurm/start-slurm.sh starts one)")
	}
	bin := buildBinary(t)
	spec := microSweep(t)
	local := filepath.Join(t.TempDir(), "local")
	if code, out, errOut := run(t, "sweep", "run", spec, "--store", local, "--nets-per-graph", "1"); code != 0 {
		t.Fatalf("local run: %s%s", out, errOut)
	}
	run(t, "sweep", "collect", spec, "--store", local)
	store := filepath.Join(t.TempDir(), "slurm")
	args := []string{"sweep", "submit", spec, "--store", store, "--binary", bin, "--time", "10", "--nets-per-graph", "3"}
	if p := os.Getenv("SLURM_LOCAL_PARTITION"); p != "" {
		args = append(args, "--partition", p)
	}
	t.Cleanup(func() {
		exec.Command("scancel", "-n", "spikernn-micro").Run()
		exec.Command("scancel", "-n", "spikernn-micro-collect").Run()
	})
	code, out, errOut := run(t, args...)
	if code != 0 || !strings.Contains(out, "submitted") {
		t.Fatalf("submit: exit %d\n%s%s", code, out, errOut)
	}
	script, err := os.ReadFile(filepath.Join(store, "slurm", "array_0.sbatch"))
	if err != nil || !strings.Contains(string(script), "--array=0-1") || !strings.Contains(string(script), "--count 3") {
		t.Fatalf("array script (%v):\n%s", err, script)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		q, _ := exec.Command("squeue", "-h", "-o", "%i", "-n", "spikernn-micro,spikernn-micro-collect").Output()
		if strings.TrimSpace(string(q)) == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Slurm jobs did not finish in 5 minutes: %s", q)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if _, st, _ := run(t, "sweep", "status", spec, "--store", store); !strings.Contains(st, "6 done") {
		logs, _ := filepath.Glob(filepath.Join(store, "slurm", "logs", "*"))
		var b strings.Builder
		for _, l := range logs {
			d, _ := os.ReadFile(l)
			fmt.Fprintf(&b, "== %s\n%s\n", l, d)
		}
		t.Fatalf("after Slurm: %s\n%s", st, b.String())
	}
	a := table(t, filepath.Join(local, "results.csv"))
	if b := table(t, filepath.Join(store, "results.csv")); a != b {
		t.Errorf("grouped Slurm and local tables differ:\n%s\n%s", a, b)
	}
}
