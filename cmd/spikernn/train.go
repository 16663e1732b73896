package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spikernn/spikernn/gomlxmodels"
	"github.com/spikernn/spikernn/spikernn"
)

func init() {
	register(&command{
		name: "train",
		usage: "train --n_trials N [--mode train] [network flags] [--seed S] [--output_dir DIR]\n" +
			"       spikernn train --mode eval --model FILE.mat [--seed S]\n" +
			"       spikernn --gpu 0 --gpu_frac 0.20 --n_trials 5000 --mode train --N 200 ... (the reference's command line)",
		summary: "train a rate network with GoMLX (the reference's command line), or evaluate a model file",
		run:     runTrain,
	})
}

var trainSpecs = append(append([]argSpec(nil), configSpecs...),
	argSpec{name: "mode", nargs: 1, def: "train", help: "train: train a new network and save it; eval: evaluate --model on 100 fresh trials"},
	argSpec{name: "n_trials", nargs: 1, help: "maximum number of training trials (optimiser steps); required for --mode train"},
	argSpec{name: "gpu", nargs: 1, help: "GPU index: trains on an accelerated GoMLX backend (XLA or ONNX Runtime with CUDA) if one is compiled in and available, else says so and uses the CPU"},
	argSpec{name: "gpu_frac", nargs: 1, help: "fraction of the GPU memory to preallocate (passed to the XLA backend; accepted and ignored on the CPU)"},
	argSpec{name: "batch", nargs: 1, def: "1", help: "trials per optimiser step (1 = the reference)"},
	argSpec{name: "model", nargs: 1, help: "model file to evaluate (--mode eval)"},
	argSpec{name: "backend", nargs: 1, help: "GoMLX backend configuration, e.g. go, go:ops_sequential, xla:cpu, onnx (default: $GOMLX_BACKEND, else " + gomlxmodels.DefaultBackend + ")"},
	argSpec{name: "compress", nargs: 0, help: "write zlib-compressed variables (like MATLAB/Octave save -v7)"},
)

// signalContext returns the context a training run watches: cancelled by
// Ctrl-C (SIGINT) or SIGTERM. Tests replace it.
var signalContext = func() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// Exit statuses of the train command besides 0 (trained) and 1 (error).
const (
	exitNotTrained  = 3   // ran all trials without meeting the stopping rule; the model was written
	exitInterrupted = 130 // Ctrl-C; the state reached so far was written
)

func runTrain(args []string, stdout, stderr io.Writer) error {
	p, err := parseArgs("train", args, trainSpecs, stdout)
	if err != nil {
		return err
	}
	if len(p.positional) > 0 && p.str("mode", "train") != "eval" {
		return fmt.Errorf("train: unexpected argument %q", p.positional[0])
	}
	switch mode := strings.ToLower(p.str("mode", "train")); mode {
	case "train":
		return trainMode(p, stdout, stderr)
	case "eval":
		return evalMode(p, stdout)
	default:
		return fmt.Errorf("train: invalid --mode %q: allowed: train, eval", p.str("mode", ""))
	}
}

// chooseBackend picks the GoMLX backend: --backend, else $GOMLX_BACKEND,
// else with --gpu an accelerated backend if one is compiled in and
// available, else the default (CPU) backend. It says plainly on stderr when
// --gpu cannot be honoured.
func chooseBackend(p *parsedArgs, stderr io.Writer) (string, error) {
	frac, err := p.float("gpu_frac", 0)
	if err != nil {
		return "", err
	}
	if p.has("gpu_frac") && !(frac > 0 && frac <= 1) {
		return "", fmt.Errorf("train: invalid --gpu_frac %v: must be in (0, 1]", frac)
	}
	gpu, err := p.int("gpu", -1)
	if err != nil {
		return "", err
	}
	if p.has("gpu") && gpu < 0 {
		return "", fmt.Errorf("train: invalid --gpu %d: must be a GPU index >= 0", gpu)
	}
	if cfg := p.str("backend", ""); cfg != "" {
		return cfg, nil
	}
	if env := strings.TrimSpace(os.Getenv(gomlxmodels.BackendEnv)); env != "" {
		return env, nil
	}
	if p.has("gpu") {
		cfg, why := gomlxmodels.AcceleratedBackend(gpu, frac)
		if cfg != "" {
			return cfg, nil
		}
		fmt.Fprintf(stderr, "spikernn: --gpu %d: %s; training on the CPU with the GoMLX backend %s\n", gpu, why, gomlxmodels.DefaultBackend)
	}
	return gomlxmodels.DefaultBackend, nil
}

func trainMode(p *parsedArgs, stdout, stderr io.Writer) error {
	if !p.has("n_trials") {
		return errors.New("train: --n_trials is required with --mode train (e.g. --n_trials 5000)")
	}
	nTrials, err := p.int("n_trials", 0)
	if err != nil {
		return err
	}
	if nTrials < 1 {
		return fmt.Errorf("train: invalid --n_trials %d: must be at least 1", nTrials)
	}
	batch, err := p.int("batch", 1)
	if err != nil {
		return err
	}
	if batch < 1 {
		return fmt.Errorf("train: invalid --batch %d: must be at least 1", batch)
	}
	cfg, err := configFromArgs(p)
	if err != nil {
		return err
	}
	seed, err := p.uint64("seed", 1)
	if err != nil {
		return err
	}
	backend, err := chooseBackend(p, stderr)
	if err != nil {
		return err
	}
	if _, err := gomlxmodels.Backend(backend); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	net, err := spikernn.NewNetwork(cfg, seed)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	outputDir := p.str("output_dir", ".")

	ctx, stop := signalContext()
	defer stop()
	go func() {
		// After the first Ctrl-C, a second one kills the program at once
		// (while the state reached so far is being written).
		<-ctx.Done()
		stop()
	}()
	rep := newReporter(stderr, nTrials, "training", 0)
	fmt.Fprintf(stderr, "spikernn: training %s, N = %d, %d trials at most, seed %d, GoMLX backend %s\n",
		cfg.Task, cfg.N, nTrials, seed, backend)
	trained, hist, trainErr := gomlxmodels.Train(ctx, net, gomlxmodels.TrainOptions{
		Trials: nTrials, Seed: seed, Batch: batch, Backend: backend, Progress: rep.training,
	})
	rep.finish()
	if trained == nil {
		return fmt.Errorf("train: %w", trainErr)
	}
	path, err := trained.SaveNew(outputDir, time.Now(), spikernn.SaveOptions{Compress: p.has("compress")})
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	fmt.Fprintln(stdout, path)
	rec := trained.Training
	evalAt := "final"
	if n := len(hist.EvalTrials); n > 0 {
		evalAt = fmt.Sprintf("after trial %d", hist.EvalTrials[n-1])
	}
	summary := fmt.Sprintf("%d trials in %.1f s; last evaluation (%s): loss %.3f, accuracy %.2f",
		hist.TrialsDone, hist.Wall.Seconds(), evalAt, rec.EvalLossMean, rec.EvalPerfMean)
	switch {
	case trainErr != nil && (errors.Is(trainErr, context.Canceled) || errors.Is(trainErr, context.DeadlineExceeded)):
		return &exitError{exitInterrupted, fmt.Errorf("train: interrupted after %s; the state reached so far was written (training_status %q) to %s",
			summary, rec.Status, path)}
	case trainErr != nil:
		return &exitError{exitNotTrained, fmt.Errorf("train: %w; the last good state was written to %s (%s)", trainErr, path, summary)}
	case !hist.Success:
		return &exitError{exitNotTrained, fmt.Errorf("train: training failed: the stopping rule of %s was not met in %s; the model was written to %s",
			cfg.Task, summary, path)}
	}
	fmt.Fprintf(stderr, "spikernn: trained: the stopping rule was met after %s\n", summary)
	return nil
}

func evalMode(p *parsedArgs, stdout io.Writer) error {
	path := p.str("model", "")
	if path == "" && len(p.positional) == 1 {
		path = p.positional[0]
	}
	if path == "" {
		return errors.New("train: --mode eval needs the model file: --model FILE.mat")
	}
	seed, err := p.uint64("seed", 1)
	if err != nil {
		return err
	}
	net, err := spikernn.LoadModel(path)
	if err != nil {
		return fmt.Errorf("train: %w", err)
	}
	task, err := spikernn.LookupTask(net.Config.Task)
	if err != nil {
		return fmt.Errorf("train: %s: %w", path, err)
	}
	ev, err := net.Evaluate(task, spikernn.EvalOptions{Trials: 100, Seed: seed})
	if err != nil {
		return fmt.Errorf("train: evaluating %s: %w", path, err)
	}
	fmt.Fprintf(stdout, "%s: task %s, N = %d: rate network on 100 fresh trials (seed %d): loss %.4f, accuracy %.2f\n",
		path, task.Name(), net.N(), seed, ev.MeanLoss, ev.MeanPerf)
	return nil
}
