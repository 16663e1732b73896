package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/spikernn"
	"github.com/spikernn/spikernn/plot"
)

func init() {
	register(&command{
		name:    "lambda-search",
		usage:   "lambda-search MODEL.mat [MODEL.mat ...] [--factors 20:5:75] [--trials 100] [--seed S] [--force] [--workers K] [neuron flags]",
		summary: "choose the LIF scaling factor 1/lambda by the paper's grid search and record opt_scaling_factor in the model file",
		run:     runLambdaSearch,
	})
	register(&command{
		name:    "lif",
		usage:   "lif MODEL.mat [--scale S] [--trials K] [--seed S] [neuron flags] [--stim exc|inh ...] [--figures DIR]",
		summary: "simulate the LIF network of a model at a scaling factor: task performance, firing rates, figures",
		run:     runLIF,
	})
}

// lifContext is cancelled by Ctrl-C or SIGTERM; tests replace it.
var lifContext = func() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// neuronSpecs are the spiking network's flags (spec 4, SI Table S1), shared
// by lif and lambda-search. Times in seconds, voltages in mV.
var neuronSpecs = []argSpec{
	{name: "model", nargs: 1, def: "lif", help: "neuron model: lif, or qif (SI Table S1: peak 30 mV, bias 0)"},
	{name: "tref", nargs: 1, def: "0.002", help: "refractory period, seconds (0 disables it)"},
	{name: "tm", nargs: 1, def: "0.01", help: "membrane time constant, seconds"},
	{name: "vreset", nargs: 1, def: "-65", help: "reset voltage, mV"},
	{name: "vpeak", nargs: 1, def: "-40 (qif: 30)", help: "spike threshold, mV"},
	{name: "bias", nargs: 1, def: "vpeak for lif, 0 for qif", help: "bias current, mV"},
	{name: "tr", nargs: 1, def: "0.002", help: "synaptic rise time, seconds; 0 selects the single-exponential filter"},
	{name: "vinit", nargs: 1, def: "30", help: "initial voltages are uniform in [vreset, vinit), mV"},
	{name: "vspike", nargs: 1, def: "30", help: "voltage recorded at a spike, mV"},
	{name: "noise_sd", nargs: 1, def: "0.1", help: "membrane noise added every step, mV (the reference's randn/10)"},
	{name: "downsample", nargs: 1, def: "1", help: "keep every d-th input column and step d*0.05 ms"},
	{name: "initial", nargs: 0, help: "use the initial (untrained) recurrent weights w0"},
	{name: "initial_taus", nargs: 0, help: "use the decay constants before training (extension)"},
	{name: "seed", nargs: 1, def: "1", help: "random seed for every draw (same seed, same result, any --workers)"},
	{name: "workers", nargs: 1, def: "all cores", help: "number of parallel trials"},
}

// paramsFromArgs builds the neuron parameters from the flags.
func paramsFromArgs(p *parsedArgs) (lifsim.Params, error) {
	m, err := lifsim.ParseModel(p.str("model", "lif"))
	if err != nil {
		return lifsim.Params{}, fmt.Errorf("%s: invalid --model %q: allowed: lif, qif", p.cmd, p.str("model", ""))
	}
	prm, _ := lifsim.ParamsFor(m)
	for _, f := range []struct {
		name string
		dst  *float64
	}{{"tref", &prm.Tref}, {"tm", &prm.Tm}, {"vreset", &prm.VReset}, {"vpeak", &prm.VPeak},
		{"tr", &prm.Tr}, {"vinit", &prm.VInit}, {"vspike", &prm.VSpike}, {"noise_sd", &prm.NoiseSD}} {
		if *f.dst, err = p.float(f.name, *f.dst); err != nil {
			return prm, err
		}
	}
	// The LIF bias follows the threshold unless given (the reference's BIAS = vpeak).
	if m == lifsim.LIF {
		prm.Bias = prm.VPeak
	}
	if prm.Bias, err = p.float("bias", prm.Bias); err != nil {
		return prm, err
	}
	if prm.Downsample, err = p.int("downsample", prm.Downsample); err != nil {
		return prm, err
	}
	if prm.InitialWeights, err = p.bool("initial", false); err != nil {
		return prm, err
	}
	if prm.InitialTaus, err = p.bool("initial_taus", false); err != nil {
		return prm, err
	}
	if err := prm.Validate(); err != nil {
		return prm, fmt.Errorf("%s: %w", p.cmd, err)
	}
	return prm, nil
}

func seedWorkers(p *parsedArgs) (seed uint64, workers int, err error) {
	if seed, err = p.uint64("seed", 1); err != nil {
		return 0, 0, err
	}
	if workers, err = p.int("workers", 0); err != nil {
		return 0, 0, err
	}
	if workers < 0 {
		return 0, 0, fmt.Errorf("%s: invalid --workers %d: must be >= 1", p.cmd, workers)
	}
	return seed, workers, nil
}

var lambdaSpecs = append([]argSpec{
	{name: "factors", nargs: 1, def: "20:5:75", help: "scaling factors s (lambda = 1/s): start:step:stop, start:stop or a list 20,25,30"},
	{name: "trials", nargs: 1, def: "100", help: "trials per scaling factor"},
	{name: "force", nargs: 0, help: "search again a model that already has opt_scaling_factor"},
}, neuronSpecs...)

func runLambdaSearch(args []string, stdout, stderr io.Writer) error {
	p, err := parseArgs("lambda-search", args, lambdaSpecs, stdout)
	if err != nil {
		return err
	}
	if len(p.positional) == 0 {
		return errors.New("lambda-search: give one or more model files")
	}
	factors, err := lifsim.ParseFactors(p.str("factors", "20:5:75"))
	if err != nil {
		return fmt.Errorf("lambda-search: invalid --factors: %w", err)
	}
	trials, err := p.int("trials", 100)
	if err != nil {
		return err
	}
	if trials < 1 {
		return fmt.Errorf("lambda-search: invalid --trials %d: must be >= 1", trials)
	}
	prm, err := paramsFromArgs(p)
	if err != nil {
		return err
	}
	seed, workers, err := seedWorkers(p)
	if err != nil {
		return err
	}
	force, err := p.bool("force", false)
	if err != nil {
		return err
	}
	ctx, cancel := lifContext()
	defer cancel()
	for n, path := range p.positional {
		if n > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "model: %s\n", path)
		rep := newReporter(stderr, len(factors)*trials, "lambda search", trials)
		res, err := lifsim.SearchFile(ctx, path, lifsim.SearchOptions{
			Factors: factors, Trials: trials, Seed: seed, Workers: workers, Params: &prm, Progress: rep.progress,
		}, force)
		rep.finish()
		if err != nil {
			if res == nil || ctx.Err() == nil {
				return fmt.Errorf("lambda-search: %w", err)
			}
			fmt.Fprintf(stdout, "interrupted: %d of %d factors scored\n", res.Done, len(res.Factors))
			printSearchTable(stdout, res)
			return &exitError{exitInterrupted, fmt.Errorf("lambda-search: %w", err)}
		}
		if res.Skipped {
			fmt.Fprintf(stdout, "already searched (use --force to search again): opt_scaling_factor %s (lambda = 1/%s)\n",
				fmtNum(res.Best), fmtNum(res.Best))
		} else {
			fmt.Fprintf(stdout, "task %s, %d trials per factor, seed %d, %s units, %.1f s\n",
				res.Task, res.Trials, res.Seed, prm.Model, res.Elapsed.Seconds())
		}
		printSearchTable(stdout, res)
		if !res.Skipped {
			fmt.Fprintf(stdout, "opt_scaling_factor %s (lambda = 1/%s), performance %.2f, written to %s\n",
				fmtNum(res.Best), fmtNum(res.Best), res.BestPerf, path)
		}
	}
	return nil
}

// printSearchTable prints performance per scaling factor, marking the best;
// factors not scored (an interrupted search) show NaN.
func printSearchTable(stdout io.Writer, res *lifsim.SearchResult) {
	fmt.Fprintf(stdout, "%8s %10s %8s\n", "s", "lambda", "perf")
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
		fmt.Fprintf(stdout, "%8s %10s %8.2f%s\n", fmtNum(s), "1/"+fmtNum(s), perf, mark)
	}
}

var lifSpecs = append([]argSpec{
	{name: "scale", nargs: 1, def: "the model's opt_scaling_factor", help: "scaling factor s (lambda = 1/s)"},
	{name: "trials", nargs: 1, def: "100", help: "number of random trials of the model's task"},
	{name: "stim", nargs: 1, def: "none", help: "optogenetic-style perturbation: none, exc (depolarise) or inh (hyperpolarise)"},
	{name: "stim_units", nargs: 1, def: "all", help: "perturbed units: all, exc, inh, or a list of 0-based indices 0,5,7"},
	{name: "stim_start", nargs: 1, def: "0", help: "perturbation start, seconds"},
	{name: "stim_stop", nargs: 1, def: "end of trial", help: "perturbation end, seconds"},
	{name: "figures", nargs: 1, help: "write the output traces and a spike raster of the first trial into this folder"},
	{name: "format", nargs: 1, def: "png", help: "figure format: png, svg or pdf"},
}, neuronSpecs...)

func runLIF(args []string, stdout, stderr io.Writer) error {
	p, err := parseArgs("lif", args, lifSpecs, stdout)
	if err != nil {
		return err
	}
	if len(p.positional) != 1 {
		return errors.New("lif: give exactly one model file")
	}
	path := p.positional[0]
	rate, err := spikernn.LoadModel(path)
	if err != nil {
		return fmt.Errorf("lif: %w", err)
	}
	task, err := spikernn.LookupTask(rate.Config.Task)
	if err != nil {
		return fmt.Errorf("lif: %w", err)
	}
	var scale float64
	if p.has("scale") {
		if scale, err = p.float("scale", 0); err != nil {
			return err
		}
	} else {
		if rate.Scaling == nil || math.IsNaN(rate.Scaling.OptScalingFactor) {
			return fmt.Errorf("lif: %s has no opt_scaling_factor: give --scale S or run 'spikernn lambda-search %s' first", path, path)
		}
		scale = rate.Scaling.OptScalingFactor
	}
	trials, err := p.int("trials", 100)
	if err != nil {
		return err
	}
	if trials < 1 {
		return fmt.Errorf("lif: invalid --trials %d: must be >= 1", trials)
	}
	prm, err := paramsFromArgs(p)
	if err != nil {
		return err
	}
	seed, workers, err := seedWorkers(p)
	if err != nil {
		return err
	}
	format := strings.ToLower(p.str("format", "png"))
	if format != "png" && format != "svg" && format != "pdf" {
		return fmt.Errorf("lif: invalid --format %q: allowed: png, svg, pdf", format)
	}
	net, err := lifsim.FromRate(rate, scale, prm)
	if err != nil {
		return fmt.Errorf("lif: %w", err)
	}
	pert, err := perturbationFromArgs(p, net, task)
	if err != nil {
		return err
	}
	figDir := p.str("figures", "")
	ctx, cancel := lifContext()
	defer cancel()
	rep := newReporter(stderr, trials, "LIF trials", 0)
	ev, err := net.Evaluate(ctx, lifsim.EvalOptions{Task: task, Trials: trials, Seed: seed, Workers: workers,
		Progress: rep.progress, Keep: figDir != "", Perturb: pert})
	rep.finish()
	if err != nil {
		return fmt.Errorf("lif: %w", err)
	}
	nInh := len(rate.InhIndices())
	fmt.Fprintf(stdout, "model: %s\n", path)
	fmt.Fprintf(stdout, "task %s, N = %d (%d exc, %d inh), scaling factor s = %s (lambda = 1/%s)\n",
		task.Name(), net.N, net.N-nInh, nInh, fmtNum(scale), fmtNum(scale))
	fmt.Fprintf(stdout, "%s units: tref %s s, tm %s s, vreset %s mV, vpeak %s mV, bias %s mV, %s, dt %s ms%s\n",
		prm.Model, fmtNum(prm.Tref), fmtNum(prm.Tm), fmtNum(prm.VReset), fmtNum(prm.VPeak), fmtNum(prm.Bias),
		filterName(prm), fmtNum(prm.Dt()*1000), weightsNote(prm))
	if pert != nil {
		fmt.Fprintf(stdout, "perturbation: %s, %d units, steps [%d, %d)\n", pert.Mode, len(pert.Units), pert.Start, pert.Stop)
	}
	fmt.Fprintf(stdout, "performance: %.2f (%d/%d trials correct, seed %d)\n", ev.Perf, countTrue(ev.Correct), trials, seed)
	for _, c := range condsInOrder(ev.Conds) {
		k, n := 0, 0
		for i, ci := range ev.Conds {
			if ci == c {
				n++
				if ev.Correct[i] {
					k++
				}
			}
		}
		fmt.Fprintf(stdout, "  %-8s %d/%d correct\n", c, k, n)
	}
	fmt.Fprintf(stdout, "firing rates (Hz, mean over units and trials): excitatory %.2f, inhibitory %.2f, all %.2f\n",
		ev.ExcRate, ev.InhRate, ev.MeanRate)
	if figDir != "" {
		files, err := writeLIFFigures(figDir, format, task, rate, ev)
		if err != nil {
			return fmt.Errorf("lif: %w", err)
		}
		for _, f := range files {
			fmt.Fprintf(stdout, "wrote %s\n", f)
		}
	}
	return nil
}

// perturbationFromArgs builds the --stim perturbation, in steps of the
// network's dt over the task's spiking trial.
func perturbationFromArgs(p *parsedArgs, net *lifsim.Network, task spikernn.Task) (*lifsim.Perturbation, error) {
	mode := strings.ToLower(p.str("stim", "none"))
	switch mode {
	case "none":
		for _, f := range []string{"stim_units", "stim_start", "stim_stop"} {
			if p.has(f) {
				return nil, fmt.Errorf("lif: --%s needs --stim exc or --stim inh", f)
			}
		}
		return nil, nil
	case "exc", "inh":
	default:
		return nil, fmt.Errorf("lif: invalid --stim %q: allowed: none, exc, inh", mode)
	}
	dt := net.Params.Dt()
	// Task.Steps columns of 5 ms plus one: the trial lasts Steps * 5 ms.
	end := float64(task.Steps()) * spikernn.StepMs / 1000
	start, err := p.float("stim_start", 0)
	if err != nil {
		return nil, err
	}
	stop, err := p.float("stim_stop", end)
	if err != nil {
		return nil, err
	}
	if !(start >= 0 && stop > start) {
		return nil, fmt.Errorf("lif: invalid perturbation window [%v, %v) s: need 0 <= start < stop", start, stop)
	}
	var units []int
	switch sel := strings.ToLower(p.str("stim_units", "all")); sel {
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
		for _, f := range strings.FieldsFunc(sel, func(r rune) bool { return r == ',' || r == ' ' }) {
			u, err := strconv.Atoi(f)
			if err != nil || u < 0 || u >= net.N {
				return nil, fmt.Errorf("lif: invalid --stim_units entry %q: give all, exc, inh or unit indices in [0, %d)", f, net.N)
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

func countTrue(b []bool) int {
	k := 0
	for _, x := range b {
		if x {
			k++
		}
	}
	return k
}

func condsInOrder(conds []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range conds {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// fmtNum prints a number compactly (25, 0.002, -65).
func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// figurePath is DIR/NAME.FORMAT.
func figurePath(dir, name, format string) string { return filepath.Join(dir, name+"."+format) }

// writeLIFFigures draws the output traces of all trials by condition and a
// raster of the first trial of each condition, and returns the files.
func writeLIFFigures(dir, format string, task spikernn.Task, rate *spikernn.Network, ev *lifsim.Evaluation) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating figure folder: %w", err)
	}
	if len(ev.Results) == 0 {
		return nil, errors.New("no trials to draw")
	}
	windows, thresholds := taskMarks(task)
	dt := ev.Results[0].Dt
	outs := make([][]float64, len(ev.Results))
	for i, r := range ev.Results {
		outs[i] = r.Out
	}
	var files []string
	fig, err := plot.Traces(dt, outs, ev.Conds, plot.TraceOptions{
		Start: dt, Separate: true, ShowTrials: 5, Thresholds: thresholds, Windows: windows,
		Title: fmt.Sprintf("LIF network output, %s (perf %.2f)", task.Name(), ev.Perf),
	})
	if err != nil {
		return nil, fmt.Errorf("output figure: %w", err)
	}
	name := figurePath(dir, "lif_outputs", format)
	if err := fig.Save(name); err != nil {
		return nil, fmt.Errorf("output figure: %w", err)
	}
	files = append(files, name)
	for _, c := range condsInOrder(ev.Conds) {
		i := 0
		for ev.Conds[i] != c {
			i++
		}
		res := ev.Results[i]
		fig, err := plot.Raster(res.Spikes, rate.Inh, plot.RasterOptions{
			SortEI: true, Duration: res.TSec, Windows: windows,
			Title: fmt.Sprintf("%s trial %d (%s), E %.1f Hz, I %.1f Hz", c, i, correctWord(ev.Correct[i]), res.ExcRate, res.InhRate),
		})
		if err != nil {
			return nil, fmt.Errorf("raster: %w", err)
		}
		name := figurePath(dir, "lif_raster_"+fileSafe(c), format)
		if err := fig.Save(name); err != nil {
			return nil, fmt.Errorf("raster: %w", err)
		}
		files = append(files, name)
	}
	return files, nil
}

// taskMarks returns the stimulus windows and decision thresholds of the
// reference tasks (none for other tasks).
func taskMarks(task spikernn.Task) ([]plot.Window, []float64) {
	sec := func(steps int) float64 { return float64(steps) * spikernn.StepMs / 1000 }
	switch t := task.(type) {
	case *spikernn.GoNoGo:
		return []plot.Window{{Start: sec(t.StimOn), Stop: sec(t.StimOn + t.StimDur), Label: "stimulus"}}, []float64{0.7, 0.3}
	case *spikernn.Mante:
		return []plot.Window{{Start: sec(t.StimOn), Stop: sec(t.StimOn + t.StimDur), Label: "stimulus"}}, []float64{0.7, -0.7}
	case *spikernn.XOR:
		return []plot.Window{{Start: sec(t.StimOn), Stop: sec(t.StimOn + t.StimDur), Label: "stimulus 1"},
			{Start: sec(t.StimOn + t.StimDur + t.Delay), Stop: sec(t.StimOn + 2*t.StimDur + t.Delay), Label: "stimulus 2"}}, []float64{0.7, -0.7}
	}
	return nil, nil
}

func correctWord(ok bool) string {
	if ok {
		return "correct"
	}
	return "wrong"
}

// fileSafe turns a condition name into a file name part.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			return r
		case r == '+':
			return 'p'
		}
		return '_'
	}, s)
}
