package main

import (
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/pipeline"
	"github.com/spikernn/spikernn/plot"
	"github.com/spikernn/spikernn/spikernn"
)

func init() {
	register(&command{
		name:    "quickstart",
		summary: "the main job end to end: train Go-NoGo, grid-search lambda, run the LIF network, write the model and figures",
		run:     runQuickstart,
	})
}

type quickstartFlags struct {
	backend   backendFlags
	outDir    string
	seed      uint64
	n         int
	nTrials   int
	lifTrials int
	factors   string
	format    string
	grid      []float64
}

func parseQuickstart(args []string, w io.Writer) (*quickstartFlags, error) {
	f := &quickstartFlags{}
	fs := newFlagSet("quickstart", "quickstart [--output_dir out] [--seed 4] [--N 200] [--n_trials 3000]",
		"Train a Go-NoGo rate network as in the paper's Fig 1 (N = 200, decay constants 20-50 ms), map it onto LIF units,\n"+
			"grid-search the scaling factor, evaluate the spiking network on fresh trials, and write the model and figures.\n"+
			"The model is kept in a model store under --output_dir: a second run with the same settings reuses it.")
	f.backend.declare(fs)
	fs.stringVar(&f.outDir, "output_dir", "out", "folder for models/ and figures/")
	fs.uintVar(&f.seed, "seed", 4, "seed of the network, the training and the spiking trials")
	fs.intVar(&f.n, "N", 200, "number of units")
	fs.intVar(&f.nTrials, "n_trials", 3000, "training trials at most (the stopping rule usually ends training after 1501)")
	fs.intVar(&f.lifTrials, "trials", 100, "spiking trials per scaling factor and for the final evaluation")
	fs.stringVar(&f.factors, "factors", "20:5:75", "scaling-factor grid START:STEP:STOP or a comma list")
	fs.stringVar(&f.format, "format", "png", "figure format: png, svg, pdf")
	if err := fs.parse(args, w); err != nil {
		return nil, err
	}
	if err := fs.noArgs(); err != nil {
		return nil, err
	}
	var err error
	if f.grid, err = lifsim.ParseFactors(f.factors); err != nil {
		return nil, fmt.Errorf("quickstart: invalid --factors: %w", err)
	}
	if err := checkTrials("quickstart", "n_trials", f.nTrials); err != nil {
		return nil, err
	}
	if err := checkTrials("quickstart", "trials", f.lifTrials); err != nil {
		return nil, err
	}
	if _, err := plot.ParseFormat(f.format); err != nil {
		return nil, fmt.Errorf("quickstart: invalid --format %q: allowed: png, svg, pdf", f.format)
	}
	return f, nil
}

// quickstartSpec is the paper's Fig 1-2 pipeline for the flags.
func (f *quickstartFlags) spec() (pipeline.RunSpec, error) {
	cfg := spikernn.DefaultConfig("go-nogo")
	cfg.N, cfg.Taus = f.n, []float64{4, 10} // the paper's Fig 1: tau 20-50 ms
	if err := cfg.Validate(); err != nil {
		return pipeline.RunSpec{}, flagError("quickstart", err)
	}
	return pipeline.RunSpec{
		Train:  pipeline.TrainSpec{Config: cfg, Seed: f.seed, Trials: f.nTrials},
		Search: pipeline.SearchSpec{Factors: f.grid, Trials: f.lifTrials, Seed: f.seed},
		Eval:   pipeline.EvalSpec{Trials: f.lifTrials, Seed: f.seed, Keep: true},
	}, nil
}

func runQuickstart(args []string, stdout, stderr io.Writer) error {
	f, err := parseQuickstart(args, stdout)
	if err != nil {
		return err
	}
	spec, err := f.spec()
	if err != nil {
		return err
	}
	if spec.Train.Backend, err = f.backend.resolve("quickstart", stderr); err != nil {
		return err
	}
	store, err := pipeline.OpenStore(f.outDir)
	if err != nil {
		return fmt.Errorf("quickstart: --output_dir: %w", err)
	}
	ctx, stop := interruptContext()
	defer stop()
	fmt.Fprintf(stderr, "spikernn quickstart: Go-NoGo rate network (N = %d, tau 20-50 ms, seed %d), GoMLX backend %s; "+
		"then the lambda grid search (%d factors x %d LIF trials) and %d fresh LIF trials\n",
		f.n, f.seed, spec.Train.Backend, len(f.grid), f.lifTrials, f.lifTrials)
	term := newTerminal(stderr, 0)
	res, err := store.Run(ctx, spec, term)
	term.finish()
	if err != nil {
		if res != nil && res.Model != nil && res.Model.Path != "" {
			err = fmt.Errorf("%w (the model is in %s)", err, res.Model.Path)
		}
		if interrupted(err) {
			return &exitError{exitInterrupted, fmt.Errorf("quickstart: %w", err)}
		}
		return fmt.Errorf("quickstart: %w", err)
	}
	m := res.Model
	if !m.Trained() {
		return &exitError{exitNotTrained, fmt.Errorf("quickstart: the rate network did not meet the stopping rule in %d trials (saved to %s); try another --seed or more --n_trials",
			f.nTrials, m.Path)}
	}
	figDir := filepath.Join(f.outDir, "figures")
	fw, _ := newFigureWriter(figDir, f.format)
	if err := quickstartFigures(fw, res); err != nil {
		return fmt.Errorf("quickstart: figures: %w", err)
	}
	printQuickstart(stdout, f, res)
	fmt.Fprintf(stdout, "\nmodel:   %s\nfigures: %d files in %s\n", m.Path, len(fw.files), figDir)
	return nil
}

func printQuickstart(w io.Writer, f *quickstartFlags, res *pipeline.Result) {
	m := res.Model
	trained := fmt.Sprintf("%d", m.Net.Training.Tr+1)
	if m.Hist != nil {
		trained += fmt.Sprintf(" (%.1f s)", m.Hist.Wall.Seconds())
	} else {
		trained += " (loaded from the store)"
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Go-NoGo (Kim, Li & Sejnowski 2019, Fig 1-2)\tpaper\tthis run")
	fmt.Fprintf(tw, "rate network: trials to the stopping rule\tusually <= 2000\t%s\n", trained)
	fmt.Fprintf(tw, "rate network: accuracy on %d fresh trials\t> 95%% (stopping rule)\t%.0f%%\n", f.lifTrials, 100*res.Rate.Perf)
	fmt.Fprintf(tw, "scaling factor 1/lambda (grid %s..%s)\t25 (their network)\t%g\n", fmtNum(f.grid[0]), fmtNum(f.grid[len(f.grid)-1]), res.Search.Best)
	fmt.Fprintf(tw, "LIF network: accuracy on %d fresh trials\tfunctional (Fig 2)\t%.0f%%\n", f.lifTrials, 100*res.Spiking.Perf)
	fmt.Fprintf(tw, "LIF firing rates E / I (Hz)\t\t%.1f / %.1f\n", res.Spiking.ExcRate, res.Spiking.InhRate)
	tw.Flush()
}

func quickstartFigures(fw *figureWriter, res *pipeline.Result) error {
	net := res.Model.Net
	task, err := spikernn.LookupTask(net.Config.Task)
	if err != nil {
		return err
	}
	windows, thresholds := taskMarks(task)
	step := spikernn.StepMs / 1000
	if err := fw.save("rate_training")(plot.Training(net.Training)); err != nil {
		return err
	}
	if err := fw.save("rate_outputs")(plot.Traces(step, res.Rate.Outputs, res.Rate.Conds, plot.TraceOptions{
		Start: step, ShowTrials: 5, Thresholds: thresholds, Windows: windows,
		Title: fmt.Sprintf("rate network output (accuracy %.2f)", res.Rate.Perf),
	})); err != nil {
		return err
	}
	if err := fw.save("lambda_search")(plot.PerformanceVsScale(res.Search.Factors, res.Search.Perfs, res.Search.Best)); err != nil {
		return err
	}
	return fw.lifFigures(task, net, res.Spiking)
}
