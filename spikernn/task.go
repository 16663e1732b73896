package spikernn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// SpikingDt is the spiking network's reference time step in seconds (0.05
// ms, spec 4): the tasks' spiking scoring windows are stated in its steps
// (MATLAB's out(10000:end) is t >= 0.5 s), and the simulator steps by it
// (times a downsampling factor).
const SpikingDt = 0.00005

// Trial is one trial of a task: its input, target and label.
type Trial struct {
	U      *mat.Dense         // input, NIn x T for the rate network (NIn x (T+1) for the spiking one)
	Target []float64          // target z, length T (rate trials)
	Label  float64            // go-nogo: 1 Go, 0 NoGo; mante and xor: +1 or -1
	Cond   string             // human-readable condition, e.g. "Go", "NoGo", "same", "ctx1 +"
	Info   map[string]float64 // task-specific details (offsets, context, stimulus signs)
}

// Criterion is a task's training stopping rule (spec 1.4): stop when the
// mean evaluation loss is below MaxLoss, the mean evaluation performance is
// above MinPerf, and the trial index is at least MinTrial.
type Criterion struct {
	MaxLoss  float64
	MinPerf  float64
	MinTrial int
}

// Met reports whether an evaluation at trial tr meets the criterion.
func (c Criterion) Met(tr int, evalLoss, evalPerf float64) bool {
	return evalLoss < c.MaxLoss && evalPerf > c.MinPerf && tr >= c.MinTrial
}

// DefaultCriterion returns the reference rule: loss < 7 and performance > 0.95.
func DefaultCriterion() Criterion { return Criterion{MaxLoss: 7, MinPerf: 0.95} }

// Task is a cognitive task on both sides of the framework: it generates
// training trials and scores the rate network's output, and it generates the
// spiking network's input and scores the spiking output (as the reference's MATLAB scripts do).
type Task interface {
	// Name is the task's registry name (lower case, as in model file names).
	Name() string
	// NumInputs is the number of input channels (rows of U).
	NumInputs() int
	// Steps is the trial length T in 5 ms steps.
	Steps() int
	// NewTrial draws a fresh training trial: U is NumInputs x T, Target has T entries.
	NewTrial(rng *rand.Rand) Trial
	// Correct scores a rate output o (T-1 entries, o[k] = o_{k+1}).
	Correct(o []float64, tr Trial) bool
	// SpikingTrial draws a spiking-network input: U is NumInputs x (T+1).
	SpikingTrial(rng *rand.Rand) Trial
	// SpikingCorrect scores a spiking output sampled every dt seconds
	// (out[k] is the output at time (k+1)*dt).
	SpikingCorrect(out []float64, dt float64, tr Trial) bool
	// Criterion is the training stopping rule.
	Criterion() Criterion
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Task{}
)

// RegisterTask adds a task to the registry, so that configurations, model
// files and the command line can name it. Names are case-insensitive; a name
// already taken is an error.
func RegisterTask(t Task) error {
	if t == nil || t.Name() == "" {
		return fmt.Errorf("spikernn: RegisterTask: the task needs a name")
	}
	if t.NumInputs() < 1 || t.Steps() < 2 || t.NumInputs() > 1000 || t.Steps() > MaxSteps {
		return fmt.Errorf("spikernn: RegisterTask %q: need 1 to 1000 inputs and 2 to %d steps (got %d inputs, %d steps)", t.Name(), MaxSteps, t.NumInputs(), t.Steps())
	}
	key := strings.ToLower(t.Name())
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, ok := registry[key]; ok {
		return fmt.Errorf("spikernn: RegisterTask: a task named %q is already registered", key)
	}
	registry[key] = t
	return nil
}

// LookupTask returns the registered task of that name (case-insensitive).
func LookupTask(name string) (Task, error) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	if t, ok := registry[strings.ToLower(name)]; ok {
		return t, nil
	}
	names := make([]string, 0, len(registry))
	for k := range registry {
		names = append(names, k)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("spikernn: unknown task %q (registered: %s)", name, strings.Join(names, ", "))
}

// TaskNames lists the registered tasks, sorted.
func TaskNames() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for k := range registry {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func init() {
	for _, t := range []Task{NewGoNoGo(), NewMante(), NewXOR()} {
		if err := RegisterTask(t); err != nil {
			panic(err)
		}
	}
}

// CustomTask lets a notebook user define a task from functions, without
// declaring a type. Generate and Score are required. SpikingInput defaults to
// the rate trial's input with one zero column appended; SpikingScore defaults
// to Score applied to the spiking output resampled every 5 ms; Stop defaults
// to DefaultCriterion.
type CustomTask struct {
	TaskName     string
	Inputs       int
	T            int
	Generate     func(rng *rand.Rand) Trial
	Score        func(o []float64, tr Trial) bool
	SpikingInput func(rng *rand.Rand) Trial
	SpikingScore func(out []float64, dt float64, tr Trial) bool
	Stop         *Criterion
}

// Name implements Task.
func (c *CustomTask) Name() string { return c.TaskName }

// NumInputs implements Task.
func (c *CustomTask) NumInputs() int { return c.Inputs }

// Steps implements Task.
func (c *CustomTask) Steps() int { return c.T }

// NewTrial implements Task.
func (c *CustomTask) NewTrial(rng *rand.Rand) Trial { return c.Generate(rng) }

// Correct implements Task.
func (c *CustomTask) Correct(o []float64, tr Trial) bool { return c.Score(o, tr) }

// SpikingTrial implements Task.
func (c *CustomTask) SpikingTrial(rng *rand.Rand) Trial {
	if c.SpikingInput != nil {
		return c.SpikingInput(rng)
	}
	return padTrial(c.Generate(rng))
}

// SpikingCorrect implements Task.
func (c *CustomTask) SpikingCorrect(out []float64, dt float64, tr Trial) bool {
	if c.SpikingScore != nil {
		return c.SpikingScore(out, dt, tr)
	}
	// Resample at the rate network's steps: o[k] is the output at (k+1) * 5 ms.
	step := StepMs / 1000
	o := make([]float64, c.T-1)
	for k := range o {
		idx := int(math.Round(float64(k+1)*step/dt)) - 1
		idx = min(max(idx, 0), len(out)-1)
		if len(out) > 0 {
			o[k] = out[idx]
		}
	}
	return c.Score(o, tr)
}

// Criterion implements Task.
func (c *CustomTask) Criterion() Criterion {
	if c.Stop != nil {
		return *c.Stop
	}
	return DefaultCriterion()
}

// padTrial appends one zero column to a rate trial's input: the spiking
// network's input has T+1 columns.
func padTrial(tr Trial) Trial {
	r, c := tr.U.Dims()
	u := mat.NewDense(r, c+1, nil)
	u.Slice(0, r, 0, c).(*mat.Dense).Copy(tr.U)
	tr.U = u
	return tr
}

// windowStart returns the 0-based index into a spiking output (sampled every
// dt seconds, out[k] at time (k+1)*dt) of the first sample at or after t
// seconds: MATLAB's out(t/dt:end) at the reference step of 0.05 ms.
func windowStart(t, dt float64) int {
	return max(int(math.Round(t/dt))-1, 0)
}

func maxOf(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, v)
	}
	return m
}

func minOf(x []float64) float64 {
	m := math.Inf(1)
	for _, v := range x {
		m = min(m, v)
	}
	return m
}

func maxAbsOf(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, math.Abs(v))
	}
	return m
}

// tail returns x[from:], empty when from is past the end.
func tail(x []float64, from int) []float64 {
	if from >= len(x) {
		return nil
	}
	return x[max(from, 0):]
}

// Spike is one spike of a spiking network: the unit that fired and the time
// in seconds from the start of the trial.
type Spike struct {
	Unit int
	Time float64
}
