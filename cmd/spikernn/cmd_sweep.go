package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spikernn/spikernn/sweep"
)

func init() {
	register(&command{
		name:    "sweep",
		summary: "run populations of networks: plan, run, submit (Slurm), status, collect, run-one",
		run:     runSweep,
	})
}

const sweepUsage = `sweep plan SPEC       the jobs, how many are done, a cost estimate
       spikernn sweep run SPEC [--workers K] [--retry-failed] [--nets-per-graph K]
       spikernn sweep submit SPEC [--partition P --time T --mem M --account A --max-parallel K --nets-per-graph K --dry-run]
       spikernn sweep status SPEC
       spikernn sweep collect SPEC [--out FILE]   (default STORE/results.csv)
       spikernn sweep run-one SPEC --index I [--count K]   (what a Slurm array task runs)
every sweep command takes --store DIR to override the spec's store folder`

// sweepFlags are the flags of every sweep subcommand (each uses its own).
type sweepFlags struct {
	sub, specPath, store  string
	workers, netsPerGraph int
	retry                 bool
	index, count          int
	out                   string
	slurm                 sweep.SlurmOptions
	extra, setup          string
	spec                  *sweep.Spec
}

func parseSweep(args []string, w io.Writer) (*sweepFlags, error) {
	f := &sweepFlags{}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintf(w, "usage: spikernn %s\n", sweepUsage)
			return nil, errHelp
		}
		return nil, fmt.Errorf("sweep: give a subcommand:\n       spikernn %s", sweepUsage)
	}
	f.sub = args[0]
	fs := newFlagSet("sweep "+f.sub, sweepUsage, "Run a sweep of networks described by a TOML or JSON file (see examples/sweeps/tiny.toml).")
	fs.stringVar(&f.store, "store", "", "the sweep's store folder (default: the spec's store, relative to the spec file)")
	switch f.sub {
	case "plan", "status":
	case "run":
		fs.intVar(&f.workers, "workers", 0, "jobs at once (0: one per core)")
		fs.switchVar(&f.retry, "retry-failed", "run again the jobs that failed")
		fs.intVar(&f.netsPerGraph, "nets-per-graph", 0, "train the untrained models this many per GoMLX graph first (0: the default, 8, or 1 on the pure-Go backend above N = 200; 1: each job trains its own; results do not change)")
	case "run-one":
		fs.intVar(&f.index, "index", -1, "the job's index in the grid (0-based; a Slurm array task gives $SLURM_ARRAY_TASK_ID)")
		fs.intVar(&f.count, "count", 1, "run this many consecutive jobs from --index, their models trained this many per GoMLX graph first")
		fs.switchVar(&f.retry, "retry-failed", "run the job again if it failed")
	case "collect":
		fs.stringVar(&f.out, "out", "", "the CSV file (default STORE/results.csv; - for standard output)")
	case "submit":
		o := &f.slurm
		fs.stringVar(&o.Partition, "partition", "", "Slurm partition")
		fs.stringVar(&o.Time, "time", "", "time limit per task, e.g. 2:00:00")
		fs.stringVar(&o.Mem, "mem", "", "memory per task, e.g. 4G")
		fs.stringVar(&o.Account, "account", "", "Slurm account")
		fs.intVar(&o.CPUs, "cpus", 1, "cores per task")
		fs.intVar(&o.MaxParallel, "max-parallel", 0, "at most this many tasks at once (the array's % throttle; 0: no limit)")
		fs.stringVar(&f.extra, "sbatch", "", "more #SBATCH options, separated by ';' (e.g. '--qos=long;--gres=gpu:1')")
		fs.stringVar(&f.setup, "setup", "", "shell lines run before each task, separated by ';' (e.g. 'module load go')")
		fs.stringVar(&o.Binary, "binary", "", "the spikernn binary the tasks run, on a path every node sees (default: this program)")
		fs.intVar(&o.NetsPerGraph, "nets-per-graph", 1, "each task runs this many consecutive jobs, their models trained this many per GoMLX graph (fewer CPU hours for small networks; longer tasks)")
		fs.switchVar(&o.RetryFailed, "retry-failed", "also submit the jobs that failed")
		fs.switchVar(&o.DryRun, "dry-run", "write the scripts, do not submit them")
	default:
		return nil, fmt.Errorf("sweep: unknown subcommand %q:\n       spikernn %s", f.sub, sweepUsage)
	}
	if err := fs.parse(args[1:], w); err != nil {
		return nil, err
	}
	if len(fs.args) != 1 {
		return nil, fmt.Errorf("sweep %s: give the sweep file (a .toml or .json)", f.sub)
	}
	f.specPath = fs.args[0]
	if f.sub == "run-one" && f.index < 0 {
		return nil, errors.New("sweep run-one: --index I is required (0-based)")
	}
	if f.sub == "run-one" && f.count < 1 {
		return nil, fmt.Errorf("sweep run-one: --count %d: give 1 or more jobs", f.count)
	}
	if f.sub == "submit" && f.slurm.NetsPerGraph < 1 {
		return nil, fmt.Errorf("sweep submit: --nets-per-graph %d: give 1 or more", f.slurm.NetsPerGraph)
	}
	split := func(s string) []string {
		var out []string
		for _, p := range strings.Split(s, ";") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	f.slurm.Extra, f.slurm.Setup = split(f.extra), split(f.setup)
	var err error
	if f.spec, err = sweep.LoadSpec(f.specPath); err != nil {
		return nil, err
	}
	if f.store != "" {
		f.spec.Store = f.store
	}
	return f, nil
}

func runSweep(args []string, stdout, stderr io.Writer) error {
	f, err := parseSweep(args, stdout)
	if err != nil {
		return err
	}
	store, err := sweep.OpenStore(f.spec.Store)
	if err != nil {
		return err
	}
	switch f.sub {
	case "plan":
		p, err := sweep.MakePlan(f.spec, store)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sweep %s (store %s)\naxes: %s\n%s", f.spec.Name, store.Dir, describeAxes(f.spec), p.Describe(f.workers))
	case "status":
		sum, states, err := sweep.Status(f.spec, store)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sweep %s: %s\n", f.spec.Name, sum)
		printStates(stdout, states)
	case "run":
		return sweepRun(f, store, stdout, stderr)
	case "run-one":
		ctx, stop := interruptContext()
		defer stop()
		term := newTerminal(stderr, 0)
		if f.count > 1 {
			recs, err := sweep.RunRange(ctx, f.spec, store, f.index, f.count, f.retry, term)
			term.finish()
			return runRangeResult(recs, err, f.index, f.count, stdout)
		}
		rec, err := sweep.RunOne(ctx, f.spec, store, f.index, f.retry, term)
		term.finish()
		if err != nil {
			if interrupted(err) {
				return &exitError{exitInterrupted, fmt.Errorf("sweep run-one: %w", err)}
			}
			return fmt.Errorf("sweep run-one: %w", err)
		}
		if rec == nil {
			fmt.Fprintf(stdout, "job %d: nothing to do (finished, or held by another runner)\n", f.index)
			return nil
		}
		fmt.Fprintf(stdout, "job %d (%s): %s\n", rec.Index, rec.Label, rec.Status)
		if rec.Status == "failed" {
			return fmt.Errorf("sweep run-one: job %d failed: %s", rec.Index, rec.Error)
		}
	case "collect":
		return sweepCollect(f, store, stdout)
	case "submit":
		f.slurm.SpecPath = f.specPath
		sub, err := sweep.Submit(f.spec, store, f.slurm)
		if err != nil {
			return err
		}
		if len(sub.Jobs) == 0 {
			fmt.Fprintln(stdout, "nothing to submit: every job is finished (--retry-failed to run the failed ones again)")
			return nil
		}
		fmt.Fprintf(stdout, "%d jobs; scripts: %s\n", len(sub.Jobs), strings.Join(sub.Scripts, ", "))
		if f.slurm.DryRun {
			fmt.Fprintln(stdout, "dry run: nothing submitted")
			return nil
		}
		fmt.Fprintf(stdout, "submitted array job(s) %s and the collect job %s; 'spikernn sweep status %s' follows them\n",
			strings.Join(sub.ArrayIDs, ", "), sub.CollectID, f.specPath)
	}
	return nil
}

func sweepRun(f *sweepFlags, store *sweep.Store, stdout, stderr io.Writer) error {
	ctx, stop := interruptContext()
	defer stop()
	term := newTerminal(stderr, 1)
	rep, err := sweep.Run(ctx, f.spec, store, sweep.RunOptions{Workers: f.workers, RetryFailed: f.retry, NetsPerGraph: f.netsPerGraph, Progress: term})
	term.finish()
	if rep != nil {
		fmt.Fprintf(stdout, "sweep %s: ran %d jobs in %.1f s; %s\n", f.spec.Name, rep.Ran, rep.Elapsed.Seconds(), rep.Summary)
		for _, e := range rep.Failures {
			fmt.Fprintf(stdout, "  failed: %v\n", e)
		}
	}
	if err != nil {
		if interrupted(err) {
			return &exitError{exitInterrupted, err}
		}
		return err
	}
	if rep.Failed > 0 {
		return fmt.Errorf("sweep run: %d jobs failed (see their errors above; --retry-failed runs them again)", rep.Failed)
	}
	return nil
}

func sweepCollect(f *sweepFlags, store *sweep.Store, stdout io.Writer) error {
	tab, err := sweep.Collect(f.spec, store)
	if err != nil {
		return err
	}
	if f.out == "-" {
		return tab.WriteCSV(stdout)
	}
	out := f.out
	if out == "" {
		out = filepath.Join(store.Dir, "results.csv")
	}
	if err := tab.SaveCSV(out); err != nil {
		return fmt.Errorf("sweep collect: %w", err)
	}
	sum, _, _ := sweep.Status(f.spec, store)
	fmt.Fprintf(stdout, "%d rows written to %s (%s)\n", len(tab.Rows), out, sum)
	return nil
}

func describeAxes(s *sweep.Spec) string {
	if len(s.Axes) == 0 {
		return "none (one job)"
	}
	parts := make([]string, len(s.Axes))
	for i, a := range s.Axes {
		parts[i] = fmt.Sprintf("%s (%d values)", a.Name, len(a.Values))
	}
	return strings.Join(parts, " x ")
}

func printStates(w io.Writer, states map[int]sweep.State) {
	by := map[sweep.State][]int{}
	for i, s := range states {
		by[s] = append(by[s], i)
	}
	for _, s := range []sweep.State{sweep.Running, sweep.Failed, sweep.Pending} {
		idx := by[s]
		if len(idx) == 0 {
			continue
		}
		sort.Ints(idx)
		fmt.Fprintf(w, "  %s: %s\n", s, sweep.Ranges(idx))
	}
}

// runRangeResult reports what "run-one --count K" did: one line per job it
// ran; an error if one failed or the run was interrupted.
func runRangeResult(recs []*sweep.Record, err error, first, count int, stdout io.Writer) error {
	var failed []string
	for _, rec := range recs {
		fmt.Fprintf(stdout, "job %d (%s): %s\n", rec.Index, rec.Label, rec.Status)
		if rec.Status == "failed" {
			failed = append(failed, fmt.Sprintf("job %d: %s", rec.Index, rec.Error))
		}
	}
	if err != nil {
		if interrupted(err) {
			return &exitError{exitInterrupted, fmt.Errorf("sweep run-one: %w", err)}
		}
		return fmt.Errorf("sweep run-one: %w", err)
	}
	if len(recs) == 0 {
		fmt.Fprintf(stdout, "jobs %d-%d: nothing to do (finished, or held by another runner)\n", first, first+count-1)
	}
	if len(failed) > 0 {
		return fmt.Errorf("sweep run-one: %s", strings.Join(failed, "; "))
	}
	return nil
}
