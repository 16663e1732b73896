package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spikernn/spikernn/gomlxmodels"
	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/spikernn"
	"github.com/spikernn/spikernn/plot"
)

func init() {
	register(&command{
		name:    "quickstart",
		usage:   "quickstart [--output_dir out] [--seed 4] [--N 200] [--n_trials 3000]",
		summary: "the main job end to end: train Go-NoGo, grid-search lambda, run the LIF network, write the model and figures",
		run:     runQuickstart,
	})
}

var quickstartSpecs = []argSpec{
	{name: "output_dir", nargs: 1, def: "out", help: "folder for models/ and figures/"},
	{name: "seed", nargs: 1, def: "4", help: "seed of the network, the training and the spiking trials"},
	{name: "N", nargs: 1, def: "200", help: "number of units"},
	{name: "n_trials", nargs: 1, def: "3000", help: "training trials at most (the stopping rule usually ends training after 1501)"},
	{name: "trials", nargs: 1, def: "100", help: "spiking trials per scaling factor and for the final evaluation"},
	{name: "factors", nargs: 1, def: "20:5:75", help: "scaling-factor grid START:STEP:STOP or a comma list"},
	{name: "format", nargs: 1, def: "png", help: "figure format: png, svg, pdf"},
}

// runQuickstart trains a Go-NoGo rate network as in the paper's Fig 1
// (N = 200, decay constants 20-50 ms), maps it onto a LIF network, chooses
// the scaling factor by the grid search of spec 5, evaluates the spiking
// network and writes the model file and figures.
func runQuickstart(args []string, stdout, stderr io.Writer) error {
	p, err := parseArgs("quickstart", args, quickstartSpecs, stdout)
	if err != nil {
		return err
	}
	if len(p.positional) > 0 {
		return fmt.Errorf("quickstart: unexpected argument %q", p.positional[0])
	}
	seed, err := p.uint64("seed", 4)
	if err != nil {
		return err
	}
	n, err := p.int("N", 200)
	if err != nil {
		return err
	}
	nTrials, err := p.int("n_trials", 3000)
	if err != nil {
		return err
	}
	lifTrials, err := p.int("trials", 100)
	if err != nil {
		return err
	}
	factors, err := lifsim.ParseFactors(p.str("factors", "20:5:75"))
	if err != nil {
		return fmt.Errorf("quickstart: invalid --factors: %w", err)
	}
	format := p.str("format", "png")
	if format != "png" && format != "svg" && format != "pdf" {
		return fmt.Errorf("quickstart: invalid --format %q: allowed: png, svg, pdf", format)
	}
	if nTrials < 1 || lifTrials < 1 {
		return errors.New("quickstart: --n_trials and --trials must be at least 1")
	}
	outDir := p.str("output_dir", "out")
	figDir := filepath.Join(outDir, "figures")

	cfg := spikernn.DefaultConfig("go-nogo")
	cfg.N, cfg.Taus = n, []float64{4, 10} // the paper's Fig 1: tau 20-50 ms
	net, err := spikernn.NewNetwork(cfg, seed)
	if err != nil {
		return fmt.Errorf("quickstart: invalid --N: %w", err)
	}
	task, _ := spikernn.LookupTask(cfg.Task)
	ctx, stop := signalContext()
	defer stop()

	// 1. Train the rate network.
	fmt.Fprintf(stderr, "1/4 training a Go-NoGo rate network (N = %d, tau 20-50 ms, seed %d) with GoMLX (%s)\n",
		n, seed, gomlxmodels.ResolveBackend(""))
	rep := newReporter(stderr, nTrials, "training", 0)
	trained, hist, trainErr := gomlxmodels.Train(ctx, net, gomlxmodels.TrainOptions{Trials: nTrials, Seed: seed, Progress: rep.training})
	rep.finish()
	if trained == nil {
		return fmt.Errorf("quickstart: %w", trainErr)
	}
	path, err := trained.SaveNew(outDir, time.Now(), spikernn.SaveOptions{})
	if err != nil {
		return fmt.Errorf("quickstart: %w", err)
	}
	if trainErr != nil {
		return fmt.Errorf("quickstart: training stopped (%w); the state reached was saved to %s", trainErr, path)
	}
	if !hist.Success {
		return &exitError{exitNotTrained, fmt.Errorf("quickstart: the rate network did not meet the stopping rule in %d trials (saved to %s); try another --seed or more --n_trials", nTrials, path)}
	}
	rateEv, err := trained.Evaluate(task, spikernn.EvalOptions{Trials: lifTrials, Seed: seed})
	if err != nil {
		return fmt.Errorf("quickstart: %w", err)
	}

	// 2. Grid search of the scaling factor.
	fmt.Fprintf(stderr, "2/4 grid search of the scaling factor: %d factors x %d LIF trials\n", len(factors), lifTrials)
	rep = newReporter(stderr, len(factors)*lifTrials, "lambda search", 0)
	search, err := lifsim.GridSearch(ctx, trained, lifsim.SearchOptions{Factors: factors, Trials: lifTrials, Seed: seed, Progress: rep.progress})
	rep.finish()
	if err != nil {
		return fmt.Errorf("quickstart: %w", err)
	}
	if err := spikernn.SaveScaling(path, search.Scaling()); err != nil {
		return fmt.Errorf("quickstart: %w", err)
	}

	// 3. The spiking network at the chosen factor, on fresh trials.
	fmt.Fprintf(stderr, "3/4 LIF network at 1/lambda = %g on %d fresh trials\n", search.Best, lifTrials)
	lif, err := lifsim.FromRate(trained, search.Best, lifsim.DefaultParams())
	if err != nil {
		return fmt.Errorf("quickstart: %w", err)
	}
	ev, err := lif.Evaluate(ctx, lifsim.EvalOptions{Task: task, Trials: lifTrials, Seed: seed, StreamOffset: 1 << 32, Keep: true})
	if err != nil {
		return fmt.Errorf("quickstart: %w", err)
	}

	// 4. Figures.
	fmt.Fprintf(stderr, "4/4 figures in %s\n", figDir)
	files, err := quickstartFigures(figDir, format, task, trained, rateEv, search, ev)
	if err != nil {
		return fmt.Errorf("quickstart: figures: %w", err)
	}

	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Go-NoGo (Kim, Li & Sejnowski 2019, Fig 1-2)\tpaper\tthis run")
	fmt.Fprintf(tw, "rate network: trials to the stopping rule\tusually <= 2000\t%d (%.1f s)\n", hist.TrialsDone, hist.Wall.Seconds())
	fmt.Fprintf(tw, "rate network: accuracy on %d fresh trials\t> 95%% (stopping rule)\t%.0f%%\n", lifTrials, 100*rateEv.MeanPerf)
	fmt.Fprintf(tw, "scaling factor 1/lambda (grid 20..75)\t25 (their network)\t%g\n", search.Best)
	fmt.Fprintf(tw, "LIF network: accuracy on %d fresh trials\tfunctional (Fig 2)\t%.0f%%\n", lifTrials, 100*ev.Perf)
	fmt.Fprintf(tw, "LIF firing rates E / I (Hz)\t\t%.1f / %.1f\n", ev.ExcRate, ev.InhRate)
	tw.Flush()
	fmt.Fprintf(stdout, "\nmodel:   %s\nfigures: %d files in %s\n", path, len(files), figDir)
	return nil
}

func quickstartFigures(dir, format string, task spikernn.Task, net *spikernn.Network, rateEv *spikernn.Evaluation,
	search *lifsim.SearchResult, ev *lifsim.Evaluation) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	windows, thresholds := taskMarks(task)
	step := spikernn.StepMs / 1000
	var files []string
	save := func(name string, fig *plot.Figure, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		f := figurePath(dir, name, format)
		if err := fig.Save(f); err != nil {
			return err
		}
		files = append(files, f)
		return nil
	}
	fig, err := plot.Training(net.Training)
	if err := save("rate_training", fig, err); err != nil {
		return nil, err
	}
	fig, err = plot.Traces(step, rateEv.Outputs, rateEv.Conds(), plot.TraceOptions{
		Start: step, ShowTrials: 5, Thresholds: thresholds, Windows: windows,
		Title: fmt.Sprintf("rate network output (accuracy %.2f)", rateEv.MeanPerf),
	})
	if err := save("rate_outputs", fig, err); err != nil {
		return nil, err
	}
	fig, err = plot.PerformanceVsScale(search.Factors, search.Perfs, search.Best)
	if err := save("lambda_search", fig, err); err != nil {
		return nil, err
	}
	lifFiles, err := writeLIFFigures(dir, format, task, net, ev)
	if err != nil {
		return nil, err
	}
	return append(files, lifFiles...), nil
}
