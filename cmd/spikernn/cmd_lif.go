package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/pipeline"
	"github.com/spikernn/spikernn/spikernn"
)

func init() {
	register(&command{
		name:    "lif",
		summary: "simulate the LIF network of a model at a scaling factor: task performance, firing rates, figures",
		run:     runLIF,
	})
}

type lifFlags struct {
	neuron    neuronFlags
	fs        *flagSet
	path      string
	scale     float64
	trials    int
	seed      uint64
	stim      string
	stimUnits string
	stimStart float64
	stimStop  float64
	figures   string
	format    string
	refCheck  bool
	params    lifsim.Params
}

func parseLIF(args []string, w io.Writer) (*lifFlags, error) {
	f := &lifFlags{}
	fs := newFlagSet("lif", "lif MODEL.mat [--scale S] [--trials K] [--seed S] [neuron flags] [--stim exc|inh ...] [--figures DIR]\n"+
		"       spikernn lif MODEL.mat --reference-check [--figures DIR]",
		"Map a trained rate network onto LIF (or QIF) units at scaling factor s (lambda = 1/s) and simulate it on random trials\n"+
			"of its task: performance per condition, firing rates, and optionally figures. --reference-check runs the reference's\n"+
			"eval_go_nogo.m instead: one fixed NoGo trial and one Go trial with the input pulse at columns 31-50.")
	f.fs = fs
	f.neuron.declare(fs)
	fs.floatVar(&f.scale, "scale", 0, "scaling factor s (lambda = 1/s); default: the model's opt_scaling_factor")
	fs.intVar(&f.trials, "trials", 100, "number of random trials of the model's task")
	fs.uintVar(&f.seed, "seed", 1, "random seed of every draw (same seed, same result, any --workers)")
	fs.stringVar(&f.stim, "stim", "none", "optogenetic-style perturbation: none, exc (depolarise) or inh (hyperpolarise)")
	fs.stringVar(&f.stimUnits, "stim_units", "all", "perturbed units: all, exc, inh, or a list of 0-based indices 0,5,7")
	fs.floatVar(&f.stimStart, "stim_start", 0, "perturbation start, seconds")
	fs.floatVar(&f.stimStop, "stim_stop", 0, "perturbation end, seconds (default: the end of the trial)")
	fs.stringVar(&f.figures, "figures", "", "write the output traces and a spike raster per condition into this folder")
	fs.stringVar(&f.format, "format", "png", "figure format: png, svg or pdf")
	fs.switchVar(&f.refCheck, "reference-check", "run the reference's fixed Go-NoGo check (eval_go_nogo.m) at the model's opt_scaling_factor")
	if err := fs.parse(args, w); err != nil {
		return nil, err
	}
	if len(fs.args) != 1 {
		return nil, errors.New("lif: give exactly one model file")
	}
	f.path = fs.args[0]
	if fs.given("scale") && !(f.scale > 0) {
		return nil, fmt.Errorf("lif: invalid --scale %v: the scaling factor must be a number > 0", f.scale)
	}
	if err := checkTrials("lif", "trials", f.trials); err != nil {
		return nil, err
	}
	var err error
	if f.params, err = f.neuron.params("lif"); err != nil {
		return nil, err
	}
	if _, err := newFigureWriter(f.figures, f.format); err != nil {
		return nil, fmt.Errorf("lif: invalid --format %q: allowed: png, svg, pdf", f.format)
	}
	if f.refCheck && (f.stim != "none" || fs.given("trials")) {
		return nil, errors.New("lif: --reference-check runs the reference's two fixed trials: it takes no --trials or --stim")
	}
	return f, nil
}

func runLIF(args []string, stdout, stderr io.Writer) error {
	f, err := parseLIF(args, stdout)
	if err != nil {
		return err
	}
	rate, err := spikernn.LoadModel(f.path)
	if err != nil {
		return fmt.Errorf("lif: %w", err)
	}
	task, err := spikernn.LookupTask(rate.Config.Task)
	if err != nil {
		return fmt.Errorf("lif: %w", err)
	}
	scale := f.scale
	if scale == 0 {
		if !rate.Scaling.Finished() {
			return fmt.Errorf("lif: %s has no opt_scaling_factor: give --scale S or run 'spikernn lambda-search %s' first", f.path, f.path)
		}
		scale = rate.Scaling.OptScalingFactor
	}
	net, err := lifsim.FromRate(rate, scale, f.params)
	if err != nil {
		return fmt.Errorf("lif: %w", err)
	}
	if f.refCheck {
		return referenceCheck(f, rate, net, stdout)
	}
	pert, err := f.perturbation(net, task)
	if err != nil {
		return err
	}
	ctx, cancel := interruptContext()
	defer cancel()
	term := newTerminal(stderr, 0)
	ev, err := pipeline.EvaluateSpiking(ctx, rate, pipeline.EvalSpec{Trials: f.trials, Seed: f.seed, Workers: f.neuron.workers,
		Scale: scale, Params: &f.params, Keep: f.figures != "", Perturb: pert}, term)
	term.finish()
	if err != nil {
		if interrupted(err) {
			return &exitError{exitInterrupted, fmt.Errorf("lif: %w", err)}
		}
		return fmt.Errorf("lif: %w", err)
	}
	printLIF(stdout, f, rate, net, pert, ev)
	if f.figures != "" {
		fw, _ := newFigureWriter(f.figures, f.format)
		if err := fw.lifFigures(task, rate, ev); err != nil {
			return fmt.Errorf("lif: %w", err)
		}
		for _, p := range fw.files {
			fmt.Fprintf(stdout, "wrote %s\n", p)
		}
	}
	return nil
}

func printLIF(w io.Writer, f *lifFlags, rate *spikernn.Network, net *lifsim.Network, pert *lifsim.Perturbation, ev *lifsim.Evaluation) {
	prm := f.params
	nInh := len(rate.InhIndices())
	fmt.Fprintf(w, "model: %s\n", f.path)
	fmt.Fprintf(w, "task %s, N = %d (%d exc, %d inh), scaling factor s = %s (lambda = 1/%s)\n",
		ev.Task, net.N, net.N-nInh, nInh, fmtNum(net.Scale), fmtNum(net.Scale))
	fmt.Fprintf(w, "%s units: tref %s s, tm %s s, vreset %s mV, vpeak %s mV, bias %s mV, %s, dt %s ms%s\n",
		prm.Model, fmtNum(prm.Tref), fmtNum(prm.Tm), fmtNum(prm.VReset), fmtNum(prm.VPeak), fmtNum(prm.Bias),
		filterName(prm), fmtNum(prm.Dt()*1000), weightsNote(prm))
	if pert != nil {
		fmt.Fprintf(w, "perturbation: %s, %d units, steps [%d, %d)\n", pert.Mode, len(pert.Units), pert.Start, pert.Stop)
	}
	correct := 0
	for _, c := range ev.Correct {
		if c {
			correct++
		}
	}
	fmt.Fprintf(w, "performance: %.2f (%d/%d trials correct, seed %d)\n", ev.Perf, correct, len(ev.Correct), f.seed)
	byCond := ev.PerfByCond()
	for _, c := range ev.CondNames() {
		n := 0
		for _, ci := range ev.Conds {
			if ci == c {
				n++
			}
		}
		fmt.Fprintf(w, "  %-8s %d/%d correct\n", c, int(byCond[c]*float64(n)+0.5), n)
	}
	fmt.Fprintf(w, "firing rates (Hz, mean over units and trials): excitatory %.2f, inhibitory %.2f, all %.2f\n",
		ev.ExcRate, ev.InhRate, ev.MeanRate)
}

// perturbation builds the --stim perturbation, in steps of the network's
// dt over the task's spiking trial.
func (f *lifFlags) perturbation(net *lifsim.Network, task spikernn.Task) (*lifsim.Perturbation, error) {
	mode := strings.ToLower(f.stim)
	switch mode {
	case "none":
		for _, name := range []string{"stim_units", "stim_start", "stim_stop"} {
			if f.fs.given(name) {
				return nil, fmt.Errorf("lif: --%s needs --stim exc or --stim inh", name)
			}
		}
		return nil, nil
	case "exc", "inh":
	default:
		return nil, fmt.Errorf("lif: invalid --stim %q: allowed: none, exc, inh", f.stim)
	}
	dt := net.Params.Dt()
	start, stop := f.stimStart, f.stimStop
	if !f.fs.given("stim_stop") {
		stop = float64(task.Steps()) * spikernn.StepMs / 1000 // the trial's end
	}
	if !(start >= 0 && stop > start) {
		return nil, fmt.Errorf("lif: invalid perturbation window [%v, %v) s: need 0 <= start < stop", start, stop)
	}
	var units []int
	switch sel := strings.ToLower(f.stimUnits); sel {
	case "all":
		for i := range net.N {
			units = append(units, i)
		}
	case "exc", "inh":
		for i, inh := range net.Inh {
			if inh == (sel == "inh") {
				units = append(units, i)
			}
		}
	default:
		for _, s := range strings.FieldsFunc(sel, func(r rune) bool { return r == ',' || r == ' ' }) {
			u, err := strconv.Atoi(s)
			if err != nil || u < 0 || u >= net.N {
				return nil, fmt.Errorf("lif: invalid --stim_units entry %q: give all, exc, inh or unit indices in [0, %d)", s, net.N)
			}
			units = append(units, u)
		}
	}
	// Step i (1-based) ends at time i*dt: the window covers steps with
	// start < i*dt <= stop.
	return &lifsim.Perturbation{Mode: lifsim.PerturbMode(mode), Start: lifsim.StepAt(start, dt) + 1,
		Stop: lifsim.StepAt(stop, dt) + 1, Units: units}, nil
}

func filterName(p lifsim.Params) string {
	if p.SingleExponential() {
		return "single-exponential synapses"
	}
	return "double-exponential synapses (tr " + fmtNum(p.Tr) + " s)"
}

func weightsNote(p lifsim.Params) string {
	var s []string
	if p.InitialWeights {
		s = append(s, "initial weights w0")
	}
	if p.InitialTaus {
		s = append(s, "initial decay constants")
	}
	if len(s) == 0 {
		return ""
	}
	return ", " + strings.Join(s, ", ")
}
