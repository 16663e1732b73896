package analysis

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/spikernn/spikernn/internal/parallel"
	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/spikernn"
)

// Condition is one condition of the context-dependent integration task:
// the cued input (Context 1 or 2) and the signed offsets of the two
// sensory inputs.
type Condition struct {
	Context          int
	Offset1, Offset2 float64
}

// ContextGrid returns every condition of 2 contexts x (+/- each magnitude)
// for input 1 x (+/- each magnitude) for input 2: 2 * (2m)^2 conditions
// for m magnitudes (SI Fig S5B: 5 magnitudes per sign).
func ContextGrid(magnitudes []float64) ([]Condition, error) {
	if len(magnitudes) == 0 {
		return nil, errors.New("analysis: ContextGrid: no magnitudes")
	}
	var offs []float64
	for _, m := range magnitudes {
		if !(m > 0) || math.IsInf(m, 0) {
			return nil, fmt.Errorf("analysis: ContextGrid: magnitude %v: must be a finite number > 0", m)
		}
		offs = append(offs, -m, m)
	}
	var c []Condition
	for ctx := 1; ctx <= 2; ctx++ {
		for _, o1 := range offs {
			for _, o2 := range offs {
				c = append(c, Condition{ctx, o1, o2})
			}
		}
	}
	return c, nil
}

// contextTask is the reference context task whose trials draw their
// condition from a list instead of (+/-0.5, +/-0.5, context 1 or 2).
type contextTask struct {
	*spikernn.Mante
	conds []Condition
}

// ContextTask returns the context-dependent integration task of the
// shipped networks (spikernn.NewMante: the same timing, noise, targets and
// scoring) whose trials take their condition uniformly at random from
// conds: give one condition to run that condition only. Every offset must
// be non-zero (its sign is the target).
func ContextTask(conds []Condition) (spikernn.Task, error) {
	if len(conds) == 0 {
		return nil, errors.New("analysis: ContextTask: no conditions")
	}
	for i, c := range conds {
		if c.Context != 1 && c.Context != 2 {
			return nil, fmt.Errorf("analysis: ContextTask: condition %d: context %d: must be 1 or 2", i, c.Context)
		}
		for _, o := range []float64{c.Offset1, c.Offset2} {
			if o == 0 || math.IsNaN(o) || math.IsInf(o, 0) {
				return nil, fmt.Errorf("analysis: ContextTask: condition %d: offset %v: must be a finite non-zero number", i, o)
			}
		}
	}
	return &contextTask{Mante: spikernn.NewMante(), conds: append([]Condition(nil), conds...)}, nil
}

// Name implements spikernn.Task.
func (m *contextTask) Name() string { return "mante-conditions" }

// NewTrial implements spikernn.Task: as spikernn.Mante's, with the drawn condition.
func (m *contextTask) NewTrial(rng *rand.Rand) spikernn.Trial {
	c := m.conds[0]
	if len(m.conds) > 1 {
		c = m.conds[rng.IntN(len(m.conds))]
	}
	u := mat.NewDense(4, m.T, nil)
	off := [2]float64{c.Offset1, c.Offset2}
	for row := range 2 {
		for t := m.StimOn; t < m.StimOn+m.StimDur; t++ {
			u.Set(row, t, rng.NormFloat64()+off[row])
		}
	}
	for t := range m.T {
		u.Set(1+c.Context, t, 1)
	}
	label := math.Copysign(1, off[c.Context-1])
	z := make([]float64, m.T)
	for t := m.StimOn + m.StimDur; t < m.T; t++ {
		z[t] = label
	}
	return spikernn.Trial{U: u, Target: z, Label: label, Cond: fmt.Sprintf("ctx%d %+g %+g", c.Context, c.Offset1, c.Offset2),
		Info: map[string]float64{"context": float64(c.Context), "offset1": c.Offset1, "offset2": c.Offset2}}
}

// SpikingTrial implements spikernn.Task: the rate trial with one more
// column, the cued context still on (as spikernn.Mante's).
func (m *contextTask) SpikingTrial(rng *rand.Rand) spikernn.Trial {
	tr := m.NewTrial(rng)
	rows, cols := tr.U.Dims()
	u := mat.NewDense(rows, cols+1, nil)
	u.Slice(0, rows, 0, cols).(*mat.Dense).Copy(tr.U)
	u.Set(1+int(tr.Info["context"]), cols, 1)
	tr.U = u
	return tr
}

// Data are trials of the context task binned for FitTDR and MixedSelectivity.
type Data struct {
	Bin     float64       // bin width, seconds
	Rates   [][][]float64 // Rates[trial][unit][bin]: spikes per second (spiking) or mean rate r (rate network)
	Counts  [][]float64   // Counts[trial][unit]: spike count of the whole trial (spiking) or mean rate (rate network)
	Vars    []Vars        // per trial: choice, offsets, context (+1: input 1 cued)
	Correct []bool        // per trial, as the task scores it
}

// Signs returns the trials' levels of the three task variables of SI Fig
// S5A (the sign of offset 1, the sign of offset 2, the context) and their
// names, for MixedSelectivity.
func (d *Data) Signs() ([][]float64, []string) {
	lv := make([][]float64, 3)
	for _, x := range d.Vars {
		lv[0] = append(lv[0], math.Copysign(1, x.Offset1))
		lv[1] = append(lv[1], math.Copysign(1, x.Offset2))
		lv[2] = append(lv[2], x.Context)
	}
	return lv, []string{"mod1 sign", "mod2 sign", "context"}
}

// Accuracy returns the fraction of correct trials.
func (d *Data) Accuracy() float64 {
	k := 0
	for _, c := range d.Correct {
		if c {
			k++
		}
	}
	return float64(k) / float64(max(1, len(d.Correct)))
}

// CollectOptions controls RateTrials and SpikingTrials.
type CollectOptions struct {
	Trials int    // number of trials (0: 100)
	Seed   uint64 // trial i draws from spikernn.SubRand(Seed, StreamOffset+i)
	// StreamOffset is the first random stream (pipeline.EvalStreams keeps
	// the trials apart from a grid search's).
	StreamOffset uint64
	Bin          float64 // bin width in seconds (0: 0.05), a multiple of 5 ms
	// Decision is the start of the window (seconds) whose mean output
	// gives the choice (0: 1.3 s, the spiking scoring window).
	Decision float64
	Workers  int               // goroutines (0: all cores)
	Progress spikernn.Reporter // optional, one report per trial
}

func (o CollectOptions) check() (CollectOptions, error) {
	if o.Trials == 0 {
		o.Trials = 100
	}
	if o.Bin == 0 {
		o.Bin = 0.05
	}
	if o.Decision == 0 {
		o.Decision = 1.3
	}
	if err := spikernn.CheckTrials("trials", o.Trials); err != nil {
		return o, err
	}
	steps := o.Bin / (spikernn.StepMs / 1000)
	if !(o.Bin > 0) || math.Abs(steps-math.Round(steps)) > 1e-6 {
		return o, fmt.Errorf("bin %v s: must be a positive multiple of %g s", o.Bin, spikernn.StepMs/1000)
	}
	if !(o.Decision > 0) || math.IsInf(o.Decision, 0) {
		return o, fmt.Errorf("decision time %v s: must be a finite number > 0", o.Decision)
	}
	return o, nil
}

// varsOf returns a trial's task variables; choice is the sign of the mean
// of out[k] (at time (k+1)*dt) from the decision time on.
func varsOf(tr spikernn.Trial, out []float64, dt, decision float64) (Vars, error) {
	ctx, ok := tr.Info["context"]
	if !ok || (ctx != 1 && ctx != 2) {
		return Vars{}, fmt.Errorf("trial %q has no context 1 or 2: not a context-task trial", tr.Cond)
	}
	var s float64
	n := 0
	for k, o := range out {
		if float64(k+1)*dt >= decision-1e-9 {
			s, n = s+o, n+1
		}
	}
	if n == 0 {
		return Vars{}, fmt.Errorf("the trial ends before the decision time %g s", decision)
	}
	return Vars{Choice: math.Copysign(1, s), Offset1: tr.Info["offset1"], Offset2: tr.Info["offset2"], Context: 3 - 2*ctx}, nil
}

// progress reports trials done.
type progress struct {
	rep   spikernn.Reporter
	stage string
	total int
	done  atomic.Int64
	start time.Time
}

func (p *progress) step() {
	if p.rep != nil {
		d := int(p.done.Add(1))
		spikernn.Report(p.rep, spikernn.Progress{Stage: p.stage, Done: d, Total: p.total, Elapsed: time.Since(p.start)})
	}
}

func (p *progress) finish() {
	spikernn.Report(p.rep, spikernn.Progress{Stage: p.stage, Done: p.total, Total: p.total, Final: true, Elapsed: time.Since(p.start)})
}

// RateTrials runs opt.Trials trials of task (nil: the network's own)
// through the rate network, with noise as its evaluation does, and bins
// each unit's rate r into opt.Bin bins (the mean of the 5-ms steps).
func RateTrials(ctx context.Context, net *spikernn.Network, task spikernn.Task, opt CollectOptions) (*Data, error) {
	opt, err := opt.check()
	if err != nil {
		return nil, fmt.Errorf("analysis: RateTrials: %w", err)
	}
	if net == nil {
		return nil, errors.New("analysis: RateTrials: nil network")
	}
	if task == nil {
		if task, err = spikernn.LookupTask(net.Config.Task); err != nil {
			return nil, fmt.Errorf("analysis: RateTrials: %w", err)
		}
	}
	if task.NumInputs() != net.NIn {
		return nil, fmt.Errorf("analysis: RateTrials: task %s has %d inputs, the network %d", task.Name(), task.NumInputs(), net.NIn)
	}
	d := &Data{Bin: opt.Bin, Rates: make([][][]float64, opt.Trials), Counts: make([][]float64, opt.Trials), Vars: make([]Vars, opt.Trials), Correct: make([]bool, opt.Trials)}
	per := int(math.Round(opt.Bin / (spikernn.StepMs / 1000)))
	prog := &progress{rep: opt.Progress, stage: "rate trials", total: opt.Trials, start: time.Now()}
	err = parallel.Each(ctx, opt.Trials, opt.Workers, func(i int) error {
		rng := spikernn.SubRand(opt.Seed, opt.StreamOffset+uint64(i))
		tr := task.NewTrial(rng)
		res, err := net.Run(tr.U, spikernn.RunOptions{Rng: rng, Record: true})
		if err != nil {
			return fmt.Errorf("trial %d: %w", i, err)
		}
		if d.Vars[i], err = varsOf(tr, res.O, spikernn.StepMs/1000, opt.Decision); err != nil {
			return fmt.Errorf("trial %d: %w", i, err)
		}
		d.Correct[i] = task.Correct(res.O, tr)
		N, T := res.R.Dims()
		bins := T / per
		d.Rates[i], d.Counts[i] = make([][]float64, N), make([]float64, N)
		for u := range N {
			row := res.R.RawRowView(u)
			d.Rates[i][u] = make([]float64, bins)
			for b := range bins {
				for _, x := range row[b*per : (b+1)*per] {
					d.Rates[i][u][b] += x / float64(per)
				}
			}
			for _, x := range row {
				d.Counts[i][u] += x / float64(T)
			}
		}
		prog.step()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("analysis: RateTrials: %w", err)
	}
	prog.finish()
	return d, nil
}

// SpikingTrials runs opt.Trials trials of task (nil: the network's own)
// through the spiking network (lifsim.Network.Evaluate, a few trials at a
// time, so memory stays bounded) and bins each unit's spikes into opt.Bin
// bins (spikes per second); Counts are the trials' spike counts
// (lifsim.Result.Counts). The trials are those of one Evaluate call with
// the same Seed and StreamOffset.
func SpikingTrials(ctx context.Context, net *lifsim.Network, task spikernn.Task, opt CollectOptions) (*Data, error) {
	opt, err := opt.check()
	if err != nil {
		return nil, fmt.Errorf("analysis: SpikingTrials: %w", err)
	}
	if net == nil {
		return nil, errors.New("analysis: SpikingTrials: nil network")
	}
	d := &Data{Bin: opt.Bin}
	prog := &progress{rep: opt.Progress, stage: "spiking trials", total: opt.Trials, start: time.Now()}
	chunk := 4 * parallel.Workers(opt.Trials, opt.Workers)
	for lo := 0; lo < opt.Trials; lo += chunk {
		n := min(chunk, opt.Trials-lo)
		ev, err := net.Evaluate(ctx, lifsim.EvalOptions{Task: task, Trials: n, Seed: opt.Seed, StreamOffset: opt.StreamOffset + uint64(lo), Workers: opt.Workers, Keep: true})
		if err != nil {
			return nil, fmt.Errorf("analysis: SpikingTrials: %w", err)
		}
		for i, res := range ev.Results {
			v, err := varsOf(ev.Trials[i], res.Out, res.Dt, opt.Decision)
			if err != nil {
				return nil, fmt.Errorf("analysis: SpikingTrials: trial %d: %w", lo+i, err)
			}
			bins := int(math.Floor(res.TSec/opt.Bin + 1e-9))
			rates := make([][]float64, net.N)
			for u := range rates {
				rates[u] = make([]float64, bins)
			}
			for _, s := range res.Spikes {
				if b := int(math.Floor(s.Time/opt.Bin + 1e-9)); b >= 0 && b < bins {
					rates[s.Unit][b] += 1 / opt.Bin
				}
			}
			counts := make([]float64, net.N)
			for u, c := range res.Counts {
				counts[u] = float64(c)
			}
			d.Rates, d.Counts = append(d.Rates, rates), append(d.Counts, counts)
			d.Vars, d.Correct = append(d.Vars, v), append(d.Correct, ev.Correct[i])
			prog.step()
		}
	}
	prog.finish()
	return d, nil
}
