package main

import (
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/pipeline"
)

func init() {
	register(&command{
		name:    "lambda-search",
		summary: "choose the LIF scaling factor 1/lambda by the paper's grid search and record opt_scaling_factor in the model file",
		run:     runLambdaSearch,
	})
}

type lambdaFlags struct {
	neuron  neuronFlags
	factors string
	trials  int
	seed    uint64
	force   bool
	files   []string
	grid    []float64
	params  lifsim.Params
}

func parseLambdaSearch(args []string, w io.Writer) (*lambdaFlags, error) {
	f := &lambdaFlags{}
	fs := newFlagSet("lambda-search", "lambda-search MODEL.mat [MODEL.mat ...] [--factors 20:5:75] [--trials 100] [--seed S] [--force] [neuron flags]",
		"Grid-search the scaling factor s (lambda = 1/s) of each model's LIF network, as the reference's lambda_grid_search.m,\n"+
			"and append opt_scaling_factor, all_perfs and scaling_factors to the model file. Like the reference, a file that already\n"+
			"has opt_scaling_factor is skipped (a NaN means another program is searching it), so several instances can share a folder.")
	f.neuron.declare(fs)
	fs.stringVar(&f.factors, "factors", "20:5:75", "scaling factors s (lambda = 1/s): start:step:stop, start:stop or a list 20,25,30")
	fs.intVar(&f.trials, "trials", 100, "trials per scaling factor")
	fs.uintVar(&f.seed, "seed", 1, "random seed of every draw (same seed, same result, any --workers)")
	fs.switchVar(&f.force, "force", "search again a model that already has opt_scaling_factor")
	if err := fs.parse(args, w); err != nil {
		return nil, err
	}
	if len(fs.args) == 0 {
		return nil, errors.New("lambda-search: give one or more model files")
	}
	var err error
	if f.files, err = fs.files("model file"); err != nil {
		return nil, err
	}
	if f.grid, err = lifsim.ParseFactors(f.factors); err != nil {
		return nil, fmt.Errorf("lambda-search: invalid --factors: %w", err)
	}
	if err := checkTrials("lambda-search", "trials", f.trials); err != nil {
		return nil, err
	}
	if f.params, err = f.neuron.params("lambda-search"); err != nil {
		return nil, err
	}
	return f, nil
}

func runLambdaSearch(args []string, stdout, stderr io.Writer) error {
	f, err := parseLambdaSearch(args, stdout)
	if err != nil {
		return err
	}
	ctx, cancel := interruptContext()
	defer cancel()
	spec := pipeline.SearchSpec{Factors: f.grid, Trials: f.trials, Seed: f.seed, Params: &f.params, Workers: f.neuron.workers}
	var failed []error
	for n, path := range f.files {
		if n > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "model: %s\n", path)
		term := newTerminal(stderr, f.trials)
		res, err := pipeline.SearchFile(ctx, path, spec, pipeline.SearchFileOptions{Force: f.force, Progress: term,
			Before: func(r *lifsim.SearchResult) {
				term.finish()
				if r.Complete() {
					fmt.Fprintf(stdout, "task %s, %d trials per factor, seed %d, %s units, %.1f s\n",
						r.Task, r.Trials, r.Seed, f.params.Model, r.Elapsed.Seconds())
				} else {
					fmt.Fprintf(stdout, "interrupted: %d of %d factors scored\n", r.Done, len(r.Factors))
				}
				printSearchTable(stdout, r)
			}})
		term.finish()
		switch {
		case err != nil && interrupted(err):
			return &exitError{exitInterrupted, fmt.Errorf("lambda-search: %w", err)}
		case err != nil && res != nil && res.Written != "":
			// The search finished but went elsewhere than the model file.
			failed = append(failed, fmt.Errorf("lambda-search: %w", err))
			continue
		case err != nil:
			failed = append(failed, fmt.Errorf("lambda-search: %w", err))
			continue
		case res.Skipped:
			fmt.Fprintf(stdout, "skipped: %s\n", res.Reason)
			if len(res.Factors) > 0 {
				printSearchTable(stdout, res.SearchResult)
			}
			continue
		}
		fmt.Fprintf(stdout, "opt_scaling_factor %s (lambda = 1/%s), performance %.2f, written to %s\n",
			fmtNum(res.Best), fmtNum(res.Best), res.BestPerf, res.Written)
	}
	return errors.Join(failed...)
}

// printSearchTable prints performance per scaling factor, marking the best;
// factors not scored (an interrupted search) show NaN.
func printSearchTable(w io.Writer, res *lifsim.SearchResult) {
	fmt.Fprintf(w, "%8s %10s %8s\n", "s", "lambda", "perf")
	for k, s := range res.Factors {
		perf := math.NaN()
		if k < len(res.Perfs) {
			perf = res.Perfs[k]
		}
		mark := ""
		if k == res.BestIndex {
			mark = "  <- opt_scaling_factor"
			if !res.Complete() {
				mark = "  <- best so far"
			}
		}
		fmt.Fprintf(w, "%8s %10s %8.2f%s\n", fmtNum(s), "1/"+fmtNum(s), perf, mark)
	}
}
