package sweep

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/spikernn/spikernn/internal/stats"
	"github.com/spikernn/spikernn/pipeline"
	"github.com/spikernn/spikernn/spikernn"
)

// Job is one cell of a sweep's grid.
type Job struct {
	Index    int      // position in the grid (the Slurm array index)
	Settings Settings // the base with the job's axis values
	Axes     []string // the axis names, in order
	Values   []any    // the job's value on each axis
	spec     *Spec
}

// Jobs expands the grid: every combination of the axes' values, the last
// axis varying fastest.
func (s *Spec) Jobs() ([]*Job, error) {
	n := 1
	for _, a := range s.Axes {
		n *= len(a.Values)
	}
	jobs := make([]*Job, 0, n)
	for i := range n {
		j := &Job{Index: i, Settings: s.Base, spec: s}
		j.Settings.DecayTaus = append([]float64(nil), s.Base.DecayTaus...)
		rest := i
		vals := make([]any, len(s.Axes))
		for k := len(s.Axes) - 1; k >= 0; k-- {
			a := s.Axes[k]
			vals[k] = a.Values[rest%len(a.Values)]
			rest /= len(a.Values)
		}
		for k, a := range s.Axes {
			if err := j.Settings.Set(a.Name, vals[k]); err != nil {
				return nil, fmt.Errorf("axes.%s: %w", a.Name, err)
			}
			j.Axes = append(j.Axes, a.Name)
		}
		j.Values = vals
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// Label describes the job by its axis values ("N=10 seed=3").
func (j *Job) Label() string {
	parts := make([]string, len(j.Axes))
	for k, a := range j.Axes {
		parts[k] = fmt.Sprintf("%s=%v", a, j.Values[k])
	}
	if len(parts) == 0 {
		return "the base settings"
	}
	return strings.Join(parts, " ")
}

// Key identifies the job's result: a hash of its settings, the sweep's
// conditions and stages, and spikernn.ModelFormat. The sweep's name and
// store are not part of it: two sweeps with the same cell share its result.
func (j *Job) Key() string {
	b, err := json.Marshal(struct {
		Format     int
		Settings   Settings
		Conditions []Condition
		NoSearch   bool
	}{spikernn.ModelFormat, j.Settings, j.spec.Conditions, j.spec.NoSearch})
	if err != nil {
		panic(fmt.Sprintf("sweep: job key: %v", err)) // plain data only
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:10])
}

func (j *Job) validate() error {
	if _, err := j.Settings.train(); err != nil {
		return configError(err)
	}
	if _, err := j.Settings.search(); err != nil {
		return configError(err)
	}
	if j.Settings.EvalTrials != 0 {
		if err := spikernn.CheckTrials("eval_trials", j.Settings.EvalTrials); err != nil {
			return configError(err)
		}
	}
	for _, c := range j.spec.Conditions {
		if _, err := j.Settings.merged(c.Settings).params(); err != nil {
			return fmt.Errorf("condition %s: %w", c.Name, configError(err))
		}
	}
	return nil
}

// runSpec is the job's pipeline.
func (j *Job) runSpec(workers int) (pipeline.RunSpec, error) {
	t, err := j.Settings.train()
	if err != nil {
		return pipeline.RunSpec{}, err
	}
	s, err := j.Settings.search()
	if err != nil {
		return pipeline.RunSpec{}, err
	}
	s.Workers = workers
	rs := pipeline.RunSpec{Train: t, Search: s, NoSearch: j.spec.NoSearch,
		Eval: pipeline.EvalSpec{Trials: j.Settings.EvalTrials, Seed: j.Settings.Seed, Workers: workers}}
	for _, c := range j.spec.Conditions {
		p, err := j.Settings.merged(c.Settings).params()
		if err != nil {
			return rs, err
		}
		rs.Conditions = append(rs.Conditions, pipeline.Condition{Name: c.Name, Params: p, Search: c.Search})
	}
	return rs, nil
}

// Record is a job's result, as its store keeps it (JSON) and Collect
// tabulates it.
type Record struct {
	Key    string         `json:"key"`
	Index  int            `json:"index"`
	Label  string         `json:"label"`
	Axes   map[string]any `json:"axes"`
	Status string         `json:"status"` // "done" or "failed"
	Error  string         `json:"error,omitempty"`

	Model          string `json:"model,omitempty"`           // the model file, relative to the store
	TrainingStatus string `json:"training_status,omitempty"` // trained, failed (the stopping rule not met) or unfinished
	Trials         int    `json:"trials"`                    // trials trained (the reference's tr + 1)
	TrainSeconds   Float  `json:"train_seconds"`             // NaN when the model came from the store
	FinalLoss      Float  `json:"final_loss"`                // the last evaluation's mean loss
	FinalAccuracy  Float  `json:"final_accuracy"`            // the last evaluation's accuracy
	TauMinMs       Float  `json:"-"`                         // the decay constants' range set by the settings (filled by Collect)
	TauMaxMs       Float  `json:"-"`                         // (equal to TauMinMs: one fixed, untrained constant)
	TauMeanMs      Float  `json:"tau_mean_ms"`               // the trained decay constants' mean
	TauSDMs        Float  `json:"tau_sd_ms"`
	RatePerf       Float  `json:"rate_perf"` // the rate network on fresh trials

	BestFactor      Float              `json:"best_factor"`  // opt_scaling_factor (NaN: not converted)
	SearchPerf      Float              `json:"search_perf"`  // the grid search's performance at the best factor
	SpikingPerf     Float              `json:"spiking_perf"` // the spiking network on fresh trials at the best factor
	SpikingPerfCond map[string]float64 `json:"spiking_perf_by_condition,omitempty"`
	ExcRate         Float              `json:"exc_rate_hz"`
	InhRate         Float              `json:"inh_rate_hz"`
	Conditions      []ConditionRecord  `json:"conditions,omitempty"`

	Seconds float64   `json:"seconds"` // the job's wall time
	Host    string    `json:"host"`
	Ended   time.Time `json:"ended"`
}

// ConditionRecord is the result of an extra condition.
type ConditionRecord struct {
	Name   string `json:"name"`
	Factor Float  `json:"factor"`
	Perf   Float  `json:"perf"`
}

// run runs the job with the store's models, returning its record (with the
// error recorded when the job failed). An interruption (ctx cancelled)
// returns a nil record.
func (j *Job) run(ctx context.Context, models *pipeline.Store, workers int, rep spikernn.Reporter) *Record {
	start := time.Now()
	host, _ := os.Hostname()
	nan := Float(math.NaN())
	rec := &Record{Key: j.Key(), Index: j.Index, Label: j.Label(), Axes: map[string]any{}, Status: "done", Host: host,
		TrainSeconds: nan, FinalLoss: nan, FinalAccuracy: nan, TauMeanMs: nan, TauSDMs: nan,
		RatePerf: nan, BestFactor: nan, SearchPerf: nan, SpikingPerf: nan, ExcRate: nan, InhRate: nan}
	for k, a := range j.Axes {
		rec.Axes[a] = j.Values[k]
	}
	spec, err := j.runSpec(workers)
	var res *pipeline.Result
	if err == nil {
		res, err = models.Run(ctx, spec, rep)
	}
	if ctx.Err() != nil {
		return nil
	}
	rec.fill(res, models.Dir)
	if err != nil {
		rec.Status, rec.Error = "failed", err.Error()
	}
	rec.Seconds, rec.Ended = time.Since(start).Seconds(), time.Now().UTC()
	return rec
}

// fill copies what the pipeline computed into the record.
func (rec *Record) fill(res *pipeline.Result, storeDir string) {
	if res == nil || res.Model == nil {
		return
	}
	m := res.Model
	if m.Path != "" {
		rec.Model = relPath(storeDir, m.Path)
	}
	if t := m.Net.Training; t != nil {
		rec.TrainingStatus = string(t.Status)
		rec.Trials = t.Tr + 1
		rec.FinalLoss, rec.FinalAccuracy = Float(t.EvalLossMean), Float(t.EvalPerfMean)
	}
	if m.Hist != nil {
		rec.TrainSeconds = Float(m.Hist.Wall.Seconds())
	}
	mean, sd := stats.MeanSD(m.Net.TausMs())
	rec.TauMeanMs, rec.TauSDMs = Float(mean), Float(sd)
	if res.Rate != nil {
		rec.RatePerf = Float(res.Rate.Perf)
	}
	if res.Search != nil {
		rec.BestFactor, rec.SearchPerf = Float(res.Search.Best), Float(res.Search.BestPerf)
	}
	if ev := res.Spiking; ev != nil {
		rec.SpikingPerf, rec.ExcRate, rec.InhRate = Float(ev.Perf), Float(ev.ExcRate), Float(ev.InhRate)
		rec.SpikingPerfCond = ev.PerfByCond()
	}
	for _, c := range res.Conditions {
		cr := ConditionRecord{Name: c.Name, Factor: Float(c.Scale), Perf: Float(math.NaN())}
		if c.Eval != nil {
			cr.Perf = Float(c.Eval.Perf)
		}
		rec.Conditions = append(rec.Conditions, cr)
	}
}
