package sweep

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"

	"github.com/spikernn/spikernn/spikernn"
)

// Cost model of one job, from measured speeds (see the README's speed
// table): a training trial costs T * (opStep + trainUnit * N^2) seconds
// and an evaluation trial a third of that; a spiking trial costs lifUnit
// seconds per unit and 0.05-ms step.
const (
	opStep    = 5e-6    // per time step of a trial: graph-operation overhead
	trainUnit = 7.5e-10 // per N^2 and time step: forward, BPTT and Adam
	lifUnit   = 2.75e-9 // per unit and spiking step
)

// Plan is a sweep's jobs, their state and an estimate of its cost.
type Plan struct {
	Jobs    []*Job
	Summary Summary
	// CoreSeconds is the estimated CPU time of the unfinished jobs, at
	// most: every training runs to its trial cap.
	CoreSeconds float64
	// Measured is the mean wall time of the finished jobs (NaN: none yet).
	Measured float64
}

// MakePlan expands the sweep and estimates the cost of what is left.
func MakePlan(spec *Spec, store *Store) (*Plan, error) {
	jobs, err := spec.Jobs()
	if err != nil {
		return nil, err
	}
	sum, states, err := Status(spec, store)
	if err != nil {
		return nil, err
	}
	p := &Plan{Jobs: jobs, Summary: sum, Measured: math.NaN()}
	var secs float64
	var n int
	for _, j := range jobs {
		switch states[j.Index] {
		case Done, Failed:
			if r, err := store.Record(j.Key()); err == nil && r != nil {
				secs += r.Seconds
				n++
			}
		default:
			p.CoreSeconds += j.cost(spec.NoSearch)
		}
	}
	if n > 0 {
		p.Measured = secs / float64(n)
	}
	return p, nil
}

// cost estimates a job's CPU seconds (training to the cap).
func (j *Job) cost(noSearch bool) float64 {
	t, err := j.Settings.train()
	if err != nil {
		return 0
	}
	task, err := spikernn.LookupTask(t.Config.Task)
	if err != nil {
		return 0
	}
	N, T := float64(t.Config.N), float64(task.Steps())
	trials := float64(t.Trials)
	if trials == 0 {
		trials = 6000
	}
	trial := T * (opStep + trainUnit*N*N)
	c := trials*trial + trials*trial/3 // training plus its evaluations (100 trials every 100)
	if noSearch {
		return c
	}
	s, _ := j.Settings.search()
	factors := float64(len(s.Factors))
	if factors == 0 {
		factors = 12
	}
	st := float64(s.Trials)
	if st == 0 {
		st = 100
	}
	et := float64(j.Settings.EvalTrials)
	if et == 0 {
		et = 100
	}
	lif := N * T * 100 * lifUnit // T steps of 5 ms = 100 spiking steps each
	return c + (factors*st+et*float64(1+len(j.spec.Conditions)))*lif
}

// Describe writes the plan for people: the jobs, what is done, and the
// cost of the rest on this machine and on a cluster.
func (p *Plan) Describe(workers int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", p.Summary)
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	left := p.Summary.Pending + p.Summary.Running
	core := time.Duration(p.CoreSeconds * float64(time.Second))
	fmt.Fprintf(&b, "estimated cost of the %d unfinished jobs (every training to its trial cap, so an upper bound): %s of CPU time (%.2f core-hours)\n",
		left, core.Round(time.Second), core.Hours())
	fmt.Fprintf(&b, "  here with %d workers: about %s; on a cluster with 100 cores: about %s\n",
		workers, (core / time.Duration(workers)).Round(time.Second), (core / 100).Round(time.Second))
	if !math.IsNaN(p.Measured) {
		fmt.Fprintf(&b, "finished jobs took %.1f s each on average (wall time)\n", p.Measured)
	}
	return b.String()
}
