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

	"github.com/schollz/progressbar/v3"
	"github.com/spikernn/spikernn/gomlxmodels"
	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/spikernn"
	"golang.org/x/term"
)

// Exit statuses besides 0 (success) and 1 (error).
const (
	exitUsage       = 2   // bad command line, or an internal error (a bug: reported in one line)
	exitNotTrained  = 3   // training ran all its trials without meeting the stopping rule; the model was written
	exitInterrupted = 130 // Ctrl-C; what was computed so far was written
)

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// interruptContext returns the context every long command watches:
// cancelled by Ctrl-C (SIGINT) or SIGTERM, after which the command saves
// what it has and exits 130; a second Ctrl-C while it saves kills the
// program at once. Tests replace it.
var interruptContext = func() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // restore the default handling: the next Ctrl-C kills
	}()
	return ctx, stop
}

// interrupted reports whether err comes from a cancelled context.
func interrupted(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// networkFlags are the reference's network flags (main.py), shared by
// train, init and quickstart.
type networkFlags struct {
	task      string
	cfg       spikernn.Config
	decayTaus []float64
	act, loss string
	wDist     string
	seed      uint64
}

// declare adds the network flags to fs with the reference's defaults
// (those main.py requires are noted in the help).
func (nf *networkFlags) declare(fs *flagSet, defaultTask string) {
	d := spikernn.DefaultConfig(defaultTask)
	fs.stringVar(&nf.task, "task", defaultTask, "task: "+strings.Join(spikernn.TaskNames(), ", ")).refRequired = true
	fs.intVar(&nf.cfg.N, "N", d.N, "number of units").refRequired = true
	fs.unitVar(&nf.cfg.PInh, "P_inh", d.PInh, "probability that a unit is inhibitory")
	fs.unitVar(&nf.cfg.PRec, "P_rec", d.PRec, "recurrent connection probability")
	fs.floatVar(&nf.cfg.Gain, "gain", d.Gain, "gain of the initial Gaussian weights")
	fs.intVar(&nf.cfg.SomN, "som_N", d.SomN, "number of SOM (SST) inhibitory units").refRequired = true
	fs.stringVar(&nf.wDist, "w_dist", string(d.WeightDist), "initial weight distribution: gaus, gamma (main.py fixes gaus)")
	fs.boolVar(&nf.cfg.ApplyDale, "apply_dale", d.ApplyDale, "apply Dale's principle: True, False").refRequired = true
	fs.stringVar(&nf.act, "act", string(d.Activation), "activation: sigmoid, clipped_relu, softplus").refRequired = true
	fs.stringVar(&nf.loss, "loss_fn", string(d.LossFn), "loss: l1, l2").refRequired = true
	fs.floatsVar(&nf.decayTaus, "decay_taus", d.Taus, "synaptic decay constants in 5 ms steps: MIN MAX (trained; more values: the first two are used, as main.py) or one fixed value").refRequired = true
	fs.uintVar(&nf.seed, "seed", 1, "random seed of every draw (same seed, same result)")
}

// config returns the validated configuration; errors name the flag.
func (nf *networkFlags) config(cmd string) (spikernn.Config, error) {
	cfg := nf.cfg
	cfg.Task = strings.ToLower(nf.task)
	cfg.Taus = nf.decayTaus
	if len(cfg.Taus) > 2 {
		cfg.Taus = cfg.Taus[:2] // main.py uses decay_taus[0] and [1]
	}
	cfg.Taus = append([]float64(nil), cfg.Taus...)
	var err error
	if cfg.Activation, err = spikernn.ParseActivation(nf.act); err == nil {
		if cfg.LossFn, err = spikernn.ParseLossFn(nf.loss); err == nil {
			cfg.WeightDist, err = spikernn.ParseWeightDist(nf.wDist)
		}
	}
	if err == nil {
		err = cfg.Validate()
	}
	return cfg, flagError(cmd, err)
}

// flagError rewords a *spikernn.ConfigError as a flag error.
func flagError(cmd string, err error) error {
	var ce *spikernn.ConfigError
	if errors.As(err, &ce) {
		return fmt.Errorf("%s: invalid --%s %v: %s", cmd, ce.Field, ce.Value, ce.Allowed)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	return nil
}

// backendFlags choose the GoMLX backend.
type backendFlags struct {
	gpu     string
	gpuFrac float64
	backend string
}

func (bf *backendFlags) declare(fs *flagSet) {
	fs.stringVar(&bf.gpu, "gpu", "", "GPU to train on (the reference's CUDA_VISIBLE_DEVICES value, e.g. 0): an accelerated GoMLX backend if one is compiled in and available, else the CPU (said so)")
	fs.unitVar(&bf.gpuFrac, "gpu_frac", 0.4, "fraction of the GPU memory to preallocate (XLA backend only)")
	fs.stringVar(&bf.backend, "backend", "", "GoMLX backend configuration, e.g. go, go:ops_sequential, xla:cpu, onnx (default: $GOMLX_BACKEND, else "+gomlxmodels.DefaultBackend+")")
}

// resolve picks the backend: --backend, else $GOMLX_BACKEND, else with
// --gpu an accelerated backend if one is compiled in and available, else
// the default CPU backend; it says on w when --gpu cannot be honoured, and
// checks that the backend can be created.
func (bf *backendFlags) resolve(cmd string, w io.Writer) (string, error) {
	cfg := gomlxmodels.ResolveBackend(bf.backend)
	if bf.gpu != "" && bf.backend == "" && os.Getenv(gomlxmodels.BackendEnv) == "" {
		idx := 0
		if _, err := fmt.Sscanf(bf.gpu, "%d", &idx); err != nil || idx < 0 {
			return "", fmt.Errorf("%s: invalid --gpu %q: give a GPU index such as 0", cmd, bf.gpu)
		}
		if acc, why := gomlxmodels.AcceleratedBackend(idx, bf.gpuFrac); acc != "" {
			cfg = acc
		} else {
			fmt.Fprintf(w, "spikernn: --gpu %s: %s; training on the CPU with the GoMLX backend %s\n", bf.gpu, why, cfg)
		}
	}
	if _, err := gomlxmodels.Backend(cfg); err != nil {
		return "", fmt.Errorf("%s: %w", cmd, err)
	}
	if note := gomlxmodels.BuildNote(cfg); note != "" {
		fmt.Fprintln(w, "spikernn:", note)
	}
	return cfg, nil
}

// neuronFlags are the spiking network's flags (spec 4, SI Table S1),
// shared by lif, lambda-search and quickstart. Times in seconds, voltages
// in mV.
type neuronFlags struct {
	model                string
	p                    lifsim.Params
	bias, vpeak          float64
	initial, initialTaus bool
	workers              int
	fs                   *flagSet
}

func (nf *neuronFlags) declare(fs *flagSet) {
	nf.fs = fs
	d := lifsim.DefaultParams()
	fs.stringVar(&nf.model, "model", "lif", "neuron model: lif, or qif (SI Table S1: peak 30 mV, bias 0)")
	fs.floatVar(&nf.p.Tref, "tref", d.Tref, "refractory period, seconds (0 disables it)")
	fs.floatVar(&nf.p.Tm, "tm", d.Tm, "membrane time constant, seconds")
	fs.floatVar(&nf.p.VReset, "vreset", d.VReset, "reset voltage, mV")
	fs.floatVar(&nf.vpeak, "vpeak", d.VPeak, "spike threshold, mV (qif: 30)")
	fs.floatVar(&nf.bias, "bias", d.Bias, "bias current, mV (lif: vpeak; qif: 0)")
	fs.floatVar(&nf.p.Tr, "tr", d.Tr, "synaptic rise time, seconds; 0 selects the single-exponential filter")
	fs.floatVar(&nf.p.VInit, "vinit", d.VInit, "initial voltages are uniform in [vreset, vinit), mV")
	fs.floatVar(&nf.p.VSpike, "vspike", d.VSpike, "voltage recorded at a spike, mV")
	fs.floatVar(&nf.p.NoiseSD, "noise_sd", d.NoiseSD, "membrane noise added every step, mV (the reference's randn/10)")
	fs.intVar(&nf.p.Downsample, "downsample", d.Downsample, "keep every d-th input column and step d*0.05 ms")
	fs.switchVar(&nf.initial, "initial", "use the initial (untrained) recurrent weights w0")
	fs.switchVar(&nf.initialTaus, "initial_taus", "use the decay constants before training (extension)")
	fs.intVar(&nf.workers, "workers", 0, "parallel trials (0: all cores); results do not depend on it")
}

// params returns the validated neuron parameters.
func (nf *neuronFlags) params(cmd string) (lifsim.Params, error) {
	m, err := lifsim.ParseModel(nf.model)
	if err != nil {
		return lifsim.Params{}, fmt.Errorf("%s: invalid --model %q: allowed: lif, qif", cmd, nf.model)
	}
	base, _ := lifsim.ParamsFor(m)
	p := nf.p
	p.Model = m
	p.VPeak, p.Bias = base.VPeak, base.Bias
	if nf.fs.given("vpeak") {
		p.VPeak = nf.vpeak
		if m == lifsim.LIF {
			p.Bias = p.VPeak // the reference's BIAS = vpeak
		}
	}
	if nf.fs.given("bias") {
		p.Bias = nf.bias
	}
	p.InitialWeights, p.InitialTaus = nf.initial, nf.initialTaus
	if nf.workers < 0 {
		return p, fmt.Errorf("%s: invalid --workers %d: must be >= 0", cmd, nf.workers)
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("%s: %w", cmd, err)
	}
	return p, nil
}

// checkTrials checks a trial-count flag.
func checkTrials(cmd, flag string, n int) error {
	return flagError(cmd, spikernn.CheckTrials(flag, n))
}

// terminal shows progress on w: a progress bar per stage when w is a
// terminal, otherwise a line every lineEvery reports (0: none) and at the
// end of each stage. It implements spikernn.Reporter.
type terminal struct {
	w         io.Writer
	isTTY     bool
	stage     string
	bar       *progressbar.ProgressBar
	lineEvery int
	start     time.Time
	lastLine  int // Done of the last plain progress line
}

func newTerminal(w io.Writer, lineEvery int) *terminal {
	t := &terminal{w: w, lineEvery: lineEvery}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		t.isTTY = true
	}
	return t
}

// Report implements spikernn.Reporter.
func (t *terminal) Report(p spikernn.Progress) {
	if p.Stage != t.stage {
		t.finish()
		t.stage, t.start, t.lastLine = p.Stage, time.Now(), -1
		if t.isTTY && p.Total > 0 {
			t.bar = progressbar.NewOptions(p.Total, progressbar.OptionSetWriter(t.w), progressbar.OptionSetDescription(p.Stage),
				progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("trials"),
				progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish(),
				progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionSetWidth(30))
		}
	}
	if p.Stage == "training" && p.Evaluated {
		// Each evaluation prints a line, as the reference does.
		t.println(fmt.Sprintf("trial %d/%d  loss %.3f  eval loss %.3f  accuracy %.2f  %.1fs",
			p.Done-1, p.Total, p.Loss, p.EvalLoss, p.EvalPerf, p.Elapsed.Seconds()))
	}
	if t.bar != nil {
		desc := p.Stage
		if p.Detail != "" {
			desc += " " + p.Detail
		}
		if p.Stage == "training" {
			desc = fmt.Sprintf("loss %7.3f", p.Loss)
			if p.EvalPerf == p.EvalPerf {
				desc += fmt.Sprintf(" | eval loss %6.3f acc %.2f", p.EvalLoss, p.EvalPerf)
			}
		}
		t.bar.Describe(desc)
		_ = t.bar.Set(p.Done)
	} else if !t.isTTY && p.Stage != "training" && t.lineEvery > 0 && p.Done%t.lineEvery == 0 && p.Done != t.lastLine {
		t.lastLine = p.Done
		fmt.Fprintf(t.w, "%s: %d/%d %s %.1f s\n", p.Stage, p.Done, p.Total, p.Detail, time.Since(t.start).Seconds())
	}
	if p.Final {
		t.finish()
	}
}

func (t *terminal) println(line string) {
	if t.bar != nil {
		_ = t.bar.Clear()
	}
	fmt.Fprintln(t.w, line)
}

// finish closes the stage's bar.
func (t *terminal) finish() {
	if t.bar != nil {
		_ = t.bar.Finish()
		t.bar = nil
	}
	t.stage = ""
}
