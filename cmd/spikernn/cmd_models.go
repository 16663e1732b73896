package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spikernn/spikernn/examples"
	"github.com/spikernn/spikernn/pipeline"
	"github.com/spikernn/spikernn/spikernn"
)

func init() {
	register(&command{
		name:    "models",
		summary: "train and grid-search the shipped example models (examples/models) the notebooks load",
		run:     runModels,
	})
}

type modelsFlags struct {
	backend    backendFlags
	dir        string
	only       string
	list       bool
	regenerate bool
	prune      bool
	entries    []examples.Entry
}

func parseModels(args []string, w io.Writer) (*modelsFlags, error) {
	f := &modelsFlags{}
	fs := newFlagSet("models", "models [--list] [--only NAME,...] [--regenerate] [--prune] [--dir DIR]",
		"Train (to the paper's stopping rule, fixed seeds) and grid-search the scaling factor of the shipped example models,\n"+
			"storing them compressed in the model store the notebooks load them from (examples.Dir(): examples/models of this\n"+
			"module, or $SPIKERNN_MODELS). Models already in the store are loaded, not retrained; --regenerate retrains them.\n"+
			"The files leave out the state records of the last training trial (x, r, x0, r0) to keep the store small.")
	f.backend.declare(fs)
	fs.stringVar(&f.dir, "dir", "", "model store (default: examples/models of the module around the working folder, or $SPIKERNN_MODELS)")
	fs.stringVar(&f.only, "only", "", "comma-separated model names (default: all; --list names them)")
	fs.switchVar(&f.list, "list", "list the shipped models and whether the store holds them, and do nothing else")
	fs.switchVar(&f.regenerate, "regenerate", "delete the selected models from the store and train and search them again")
	fs.switchVar(&f.prune, "prune", "delete model files in the store that no shipped model names (left by older settings or model formats)")
	if err := fs.parse(args, w); err != nil {
		return nil, err
	}
	if err := fs.noArgs(); err != nil {
		return nil, err
	}
	if f.dir == "" {
		f.dir = examples.Dir()
	}
	if f.only == "" {
		f.entries = examples.Models()
		return f, nil
	}
	for _, name := range strings.Split(f.only, ",") {
		e, err := examples.Lookup(strings.TrimSpace(name))
		if err != nil {
			return nil, fmt.Errorf("models: invalid --only %q: allowed: %s", name, strings.Join(modelNames(), ", "))
		}
		f.entries = append(f.entries, e)
	}
	return f, nil
}

func modelNames() []string {
	var names []string
	for _, e := range examples.Models() {
		names = append(names, e.Name)
	}
	return names
}

func runModels(args []string, stdout, stderr io.Writer) error {
	f, err := parseModels(args, stdout)
	if err != nil {
		return err
	}
	if f.list {
		return listModels(stdout, f)
	}
	if f.prune {
		if err := pruneModels(stdout, f.dir); err != nil {
			return err
		}
	}
	backend, err := f.backend.resolve("models", stderr)
	if err != nil {
		return err
	}
	ctx, stop := interruptContext()
	defer stop()
	var failed []error
	for _, e := range f.entries {
		e.Train.Backend = backend
		path := (&pipeline.Store{Dir: f.dir}).Path(e.Train)
		if f.regenerate {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("models: %w", err)
			}
		}
		fmt.Fprintf(stderr, "spikernn models: %s (%s): %s N = %d, seed %d\n", e.Name, e.Purpose, e.Train.Config.Task, e.Train.Config.N, e.Train.Seed)
		start := time.Now()
		term := newTerminal(stderr, e.Search.Trials)
		m, err := examples.LoadFrom(ctx, f.dir, e.Name, term)
		term.finish()
		if err != nil {
			if interrupted(err) {
				return &exitError{exitInterrupted, fmt.Errorf("models: %s: %w", e.Name, err)}
			}
			failed = append(failed, fmt.Errorf("models: %s: %w", e.Name, err))
			continue
		}
		if err := slim(m); err != nil {
			failed = append(failed, fmt.Errorf("models: %s: %w", e.Name, err))
			continue
		}
		how := "loaded"
		if !m.Loaded {
			how = fmt.Sprintf("trained in %d trials", m.Net.Training.Tr+1)
		}
		sc := m.Net.Scaling
		fmt.Fprintf(stdout, "%-16s %s, 1/lambda = %s (LIF accuracy %.2f), %s, %.1f s: %s\n", e.Name, how,
			fmtNum(sc.OptScalingFactor), bestPerf(sc.ScalingFactors, sc.AllPerfs, sc.OptScalingFactor),
			fileSize(m.Path), time.Since(start).Seconds(), m.Path)
	}
	return errors.Join(failed...)
}

// slim rewrites a model file without the state records of the last
// training trial and of the trial run before training (x, r, x0, r0: N x T
// each, noise that does not compress, and which nothing downstream reads),
// so that the shipped store stays small.
func slim(m *pipeline.Model) error {
	t := m.Net.Training
	if t == nil || (t.X == nil && t.R == nil && t.X0 == nil && t.R0 == nil) {
		return nil
	}
	t.X, t.R, t.X0, t.R0 = nil, nil, nil, nil
	return m.Net.Save(m.Path, spikernn.SaveOptions{Compress: true})
}

func bestPerf(factors, perfs []float64, best float64) float64 {
	for k, s := range factors {
		if s == best && k < len(perfs) {
			return perfs[k]
		}
	}
	return 0
}

func fileSize(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return "no file"
	}
	return fmt.Sprintf("%.0f kB", float64(st.Size())/1000)
}

// listModels prints the shipped models and whether the store has them.
func listModels(w io.Writer, f *modelsFlags) error {
	fmt.Fprintf(w, "model store: %s\n\n", f.dir)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "name\tfor\ttask\tN\ttaus (ms)\tseed\tin the store")
	st := &pipeline.Store{Dir: f.dir}
	for _, e := range f.entries {
		c := e.Train.Config
		taus := make([]string, len(c.Taus))
		for i, t := range c.Taus {
			taus[i] = fmtNum(5 * t)
		}
		have := "no"
		if st.Has(e.Train) {
			have = fileSize(st.Path(e.Train))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%s\n", e.Name, e.Purpose, c.Task, c.N, strings.Join(taus, "-"), e.Train.Seed, have)
	}
	return tw.Flush()
}

// pruneModels deletes the .mat files under dir/models that no shipped
// model names.
func pruneModels(w io.Writer, dir string) error {
	keep := map[string]bool{}
	st := &pipeline.Store{Dir: dir}
	for _, e := range examples.Models() {
		keep[filepath.Clean(st.Path(e.Train))] = true
	}
	root := filepath.Join(dir, "models")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".mat") || keep[filepath.Clean(path)] {
			return nil
		}
		fmt.Fprintf(w, "removing %s (no shipped model)\n", path)
		return os.Remove(path)
	})
	if err != nil {
		return fmt.Errorf("models: --prune: %w", err)
	}
	return nil
}
