package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spikernn/spikernn/pipeline"
	"github.com/spikernn/spikernn/spikernn"
)

func init() {
	register(&command{
		name:    "train",
		summary: "train a rate network with GoMLX (the reference's command line), or evaluate a model file (--mode eval)",
		run:     runTrain,
	})
}

// trainFlags are the reference's main.py flags plus spikernn's own.
type trainFlags struct {
	net      networkFlags
	backend  backendFlags
	mode     string
	nTrials  int
	outDir   string
	batch    int
	model    string
	compress bool
}

func parseTrain(args []string, w io.Writer) (*trainFlags, *flagSet, error) {
	f := &trainFlags{}
	fs := newFlagSet("train", "train --n_trials N [--mode train] [network flags] [--seed S] [--output_dir DIR]\n"+
		"       spikernn train --mode eval --model FILE.mat [--seed S]\n"+
		"       spikernn --gpu 0 --gpu_frac 0.20 --n_trials 5000 --mode train --N 200 ... (the reference's command line)",
		"Train a rate network with GoMLX and save it in the reference's model-file layout, or evaluate a model file.")
	f.net.declare(fs, "go-nogo")
	f.backend.declare(fs)
	fs.stringVar(&f.mode, "mode", "train", "train: train a new network and save it; eval: evaluate --model on 100 fresh trials").refRequired = true
	fs.intVar(&f.nTrials, "n_trials", 0, "maximum number of training trials (optimiser steps); required with --mode train, as in main.py")
	fs.stringVar(&f.outDir, "output_dir", ".", "folder under which models/<task>/... is created").refRequired = true
	fs.intVar(&f.batch, "batch", 1, "trials per optimiser step (1 = the reference; more is an extension)")
	fs.stringVar(&f.model, "model", "", "model file to evaluate (--mode eval)")
	fs.switchVar(&f.compress, "compress", "write zlib-compressed variables (like MATLAB/Octave save -v7)")
	if err := fs.parse(args, w); err != nil {
		return nil, fs, err
	}
	f.mode = strings.ToLower(f.mode)
	switch f.mode {
	case "train":
		if err := fs.noArgs(); err != nil {
			return nil, fs, err
		}
		if !fs.given("n_trials") {
			return nil, fs, errors.New("train: --n_trials is required with --mode train (e.g. --n_trials 5000)")
		}
		if err := checkTrials("train", "n_trials", f.nTrials); err != nil {
			return nil, fs, err
		}
		if f.batch < 1 {
			return nil, fs, fmt.Errorf("train: invalid --batch %d: must be at least 1", f.batch)
		}
	case "eval":
		if f.model == "" && len(fs.args) == 1 {
			f.model = fs.args[0]
		} else if err := fs.noArgs(); err != nil {
			return nil, fs, err
		}
		if f.model == "" {
			return nil, fs, errors.New("train: --mode eval needs the model file: --model FILE.mat")
		}
	default:
		return nil, fs, fmt.Errorf("train: invalid --mode %q: allowed: train, eval", f.mode)
	}
	return f, fs, nil
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	f, _, err := parseTrain(args, stdout)
	if err != nil {
		return err
	}
	if f.mode == "eval" {
		return evalModel(f, stdout)
	}
	cfg, err := f.net.config("train")
	if err != nil {
		return err
	}
	spec := pipeline.TrainSpec{Config: cfg, Seed: f.net.seed, Trials: f.nTrials, Batch: f.batch}
	if err := spec.Validate(); err != nil {
		return flagError("train", err)
	}
	if spec.Backend, err = f.backend.resolve("train", stderr); err != nil {
		return err
	}
	if err := pipeline.CheckOutput(f.outDir, cfg); err != nil {
		return fmt.Errorf("train: --output_dir: %w", err)
	}
	ctx, stop := interruptContext()
	defer stop()
	fmt.Fprintf(stderr, "spikernn: training %s, N = %d, %d trials at most, seed %d, GoMLX backend %s\n",
		cfg.Task, cfg.N, f.nTrials, f.net.seed, spec.Backend)
	term := newTerminal(stderr, 0)
	m, trainErr := pipeline.Train(ctx, spec, term)
	term.finish()
	if m == nil {
		return fmt.Errorf("train: %w", trainErr)
	}
	path, err := pipeline.SaveNew(m, f.outDir, spikernn.SaveOptions{Compress: f.compress})
	if path != "" {
		fmt.Fprintln(stdout, path)
	}
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return trainOutcome(m, trainErr, path, stderr)
}

// trainOutcome turns a training's end into the exit status and message.
func trainOutcome(m *pipeline.Model, trainErr error, path string, stderr io.Writer) error {
	rec, hist := m.Net.Training, m.Hist
	evalAt := "final"
	if n := len(hist.EvalTrials); n > 0 {
		evalAt = fmt.Sprintf("after trial %d", hist.EvalTrials[n-1])
	}
	summary := fmt.Sprintf("%d trials in %.1f s; last evaluation (%s): loss %.3f, accuracy %.2f",
		hist.TrialsDone, hist.Wall.Seconds(), evalAt, rec.EvalLossMean, rec.EvalPerfMean)
	switch {
	case trainErr != nil && interrupted(trainErr):
		return &exitError{exitInterrupted, fmt.Errorf("train: interrupted after %s; the state reached so far was written (training_status %q) to %s",
			summary, rec.Status, path)}
	case trainErr != nil:
		return &exitError{exitNotTrained, fmt.Errorf("train: %w; the last good state was written to %s (%s)", trainErr, path, summary)}
	case !hist.Success:
		return &exitError{exitNotTrained, fmt.Errorf("train: training failed: the stopping rule of %s was not met in %s; the model was written to %s",
			m.Net.Config.Task, summary, path)}
	}
	fmt.Fprintf(stderr, "spikernn: trained: the stopping rule was met after %s\n", summary)
	return nil
}

func evalModel(f *trainFlags, stdout io.Writer) error {
	net, err := spikernn.LoadModel(f.model)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	ctx, stop := interruptContext()
	defer stop()
	ev, err := pipeline.EvaluateRate(ctx, net, pipeline.EvalSpec{Trials: 100, Seed: f.net.seed})
	if err != nil {
		return fmt.Errorf("train: evaluating %s: %w", f.model, err)
	}
	fmt.Fprintf(stdout, "%s: task %s, N = %d: rate network on 100 fresh trials (seed %d): loss %.4f, accuracy %.2f\n",
		f.model, net.Config.Task, net.N(), f.net.seed, ev.MeanLoss, ev.Perf)
	return nil
}
