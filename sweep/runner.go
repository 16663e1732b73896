package sweep

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/spikernn/spikernn/gomlxmodels"
	"github.com/spikernn/spikernn/pipeline"
	"github.com/spikernn/spikernn/spikernn"
)

// RunOptions controls Run.
type RunOptions struct {
	// Workers is the number of jobs run at once (0: one per core). Each
	// job then uses its share of the cores for its spiking simulations.
	Workers int
	// RetryFailed runs again the jobs whose record says they failed.
	RetryFailed bool
	// Progress receives a report after every job (Stage "sweep": Done
	// counts finished jobs, Detail says how many run and failed, and the
	// estimated time left).
	Progress spikernn.Reporter
	// JobProgress receives each job's own progress (training, search);
	// with several workers the reports of different jobs interleave.
	JobProgress spikernn.Reporter
	// NetsPerGraph, when above 1, makes Run first train the untrained
	// models of the pending jobs that many per GoMLX graph (jobs whose
	// networks can share a graph are grouped: same task, N, activation,
	// loss, Dale, decay training and batch; pipeline.Store.TrainManyOrLoad),
	// Workers graphs at a time, and then run the jobs, which load their
	// models. 1 trains every model in its job (one training per worker).
	// 0 takes gomlxmodels.DefaultNetsPerGraph for each model's backend and
	// size: 8, except on the pure-Go backend for N above
	// gomlxmodels.SmallNetwork (200), where it is 1 (8 per graph measured
	// 1.1-1.9x the trainings per hour of one training per core at N = 200,
	// 1.4-3.0x at N = 50-100). It changes no result: a model is the same bit
	// for bit in any group.
	NetsPerGraph int
}

// Report is the outcome of Run.
type Report struct {
	Summary          // the store's state at the end
	Ran      int     // jobs this call finished
	Failures []error // the errors of the jobs that failed in this call
	Elapsed  time.Duration
}

// Run runs the sweep's unfinished jobs with this process (Workers at a
// time) and returns when none is left that it could run. Jobs another
// runner holds are left to it. A cancelled ctx (Ctrl-C) stops the running
// jobs, which stay pending (their locks released), and returns an error
// wrapping ctx.Err(): a rerun resumes. Run returns no error for jobs that
// failed: their records say why (Report.Failures lists them).
func Run(ctx context.Context, spec *Spec, store *Store, opt RunOptions) (*Report, error) {
	start := time.Now()
	jobs, err := spec.Jobs()
	if err != nil {
		return nil, err
	}
	states, err := store.states(jobs)
	if err != nil {
		return nil, err
	}
	var queue []*Job
	done := 0
	for _, j := range jobs {
		switch states[j.Key()] {
		case Pending:
			queue = append(queue, j)
		case Failed:
			if opt.RetryFailed {
				queue = append(queue, j)
			} else {
				done++
			}
		case Done:
			done++
		}
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(queue)))
	perJob := max(1, runtime.GOMAXPROCS(0)/workers)
	prog := &sweepProgress{rep: opt.Progress, total: len(jobs), done: done, workers: workers, start: start}
	rep := &Report{}
	if opt.NetsPerGraph != 1 && len(queue) > 0 {
		store.pretrain(ctx, queue, workers, opt.NetsPerGraph, opt.JobProgress, func(models int) {
			if opt.Progress != nil {
				opt.Progress.Report(spikernn.Progress{Stage: "sweep", Done: done, Total: len(jobs), Elapsed: time.Since(start),
					Detail: fmt.Sprintf("training %d models several per graph before the jobs", models)})
			}
		})
	}
	var mu sync.Mutex
	next := make(chan *Job)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				prog.started()
				rec, err := store.runJob(ctx, j, opt.RetryFailed, perJob, opt.JobProgress)
				mu.Lock()
				if rec != nil {
					rep.Ran++
					if rec.Status == "failed" {
						rep.Failures = append(rep.Failures, fmt.Errorf("job %d (%s): %s", j.Index, j.Label(), rec.Error))
					}
				}
				if err != nil && !errors.Is(err, context.Canceled) {
					rep.Failures = append(rep.Failures, fmt.Errorf("job %d (%s): %w", j.Index, j.Label(), err))
				}
				mu.Unlock()
				prog.finished(rec)
			}
		}()
	}
feed:
	for _, j := range queue {
		select {
		case next <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	rep.Elapsed = time.Since(start)
	sum, _, serr := Status(spec, store)
	rep.Summary = sum
	if ctx.Err() != nil {
		return rep, fmt.Errorf("sweep: interrupted: %w (%s; run again to resume)", ctx.Err(), sum)
	}
	return rep, serr
}

// pretrain trains the untrained models of the jobs k per graph (0: each
// model's default, models whose default is 1 being left to their jobs), on
// workers goroutines (each given every workers-th model). Failures are left
// to the jobs, which train their model again (and record the error).
func (s *Store) pretrain(ctx context.Context, queue []*Job, workers, k int, rep spikernn.Reporter, notify func(models int)) {
	var specs []pipeline.TrainSpec
	seen := map[string]bool{}
	for _, j := range queue {
		t, err := j.Settings.train()
		if err != nil {
			continue
		}
		p := s.models.Path(t)
		if seen[p] || s.models.Has(t) || (k == 0 && gomlxmodels.DefaultNetsPerGraph(t.Backend, t.Config.N) <= 1) {
			continue
		}
		seen[p] = true
		specs = append(specs, t)
	}
	if len(specs) == 0 {
		return
	}
	notify(len(specs))
	per := k
	if per <= 0 {
		per = gomlxmodels.DefaultNetsPerGraph(specs[0].Backend, specs[0].Config.N)
	}
	// As many graphs at once as fill the workers: 10 models on 2 workers
	// train as two graphs of 5, not one of 8 and one of 2 after it.
	workers = max(1, min(workers, (len(specs)+per-1)/per))
	var wg sync.WaitGroup
	for w := range workers {
		var mine []pipeline.TrainSpec
		for i := w; i < len(specs); i += workers {
			mine = append(mine, specs[i])
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			models, _ := s.models.TrainManyOrLoad(ctx, mine, k, rep)
			for _, m := range models {
				if m != nil && m.Hist != nil && m.Path != "" {
					s.pretrained.Store(relPath(s.models.Dir, m.Path), m.Hist.Wall.Seconds())
				}
			}
		}()
	}
	wg.Wait()
}

// RunOne runs the job of that index if it is not finished (nor failed,
// unless retryFailed) and no other runner holds it: what a Slurm array task
// runs. It returns the job's record (nil when there was nothing to do).
func RunOne(ctx context.Context, spec *Spec, store *Store, index int, retryFailed bool, rep spikernn.Reporter) (*Record, error) {
	jobs, err := spec.Jobs()
	if err != nil {
		return nil, err
	}
	if index < 0 || index >= len(jobs) {
		return nil, fmt.Errorf("sweep: job index %d out of range: the sweep has %d jobs (0 to %d)", index, len(jobs), len(jobs)-1)
	}
	return store.runJob(ctx, jobs[index], retryFailed, runtime.GOMAXPROCS(0), rep)
}

// RunRange runs the jobs of indexes first to first+count-1 (those past the
// last job are ignored), training their untrained models count per GoMLX
// graph first (as Run with NetsPerGraph = count) and then running the jobs
// one after another: what an array task of a grouped Slurm submission runs
// (SlurmOptions.NetsPerGraph). Jobs that are finished, failed (unless
// retryFailed) or held by another runner are skipped. It returns the
// records of the jobs it ran.
func RunRange(ctx context.Context, spec *Spec, store *Store, first, count int, retryFailed bool, rep spikernn.Reporter) ([]*Record, error) {
	jobs, err := spec.Jobs()
	if err != nil {
		return nil, err
	}
	if count < 1 {
		return nil, fmt.Errorf("sweep: a range of %d jobs", count)
	}
	if first < 0 || first >= len(jobs) {
		return nil, fmt.Errorf("sweep: job index %d out of range: the sweep has %d jobs (0 to %d)", first, len(jobs), len(jobs)-1)
	}
	todo := jobs[first:min(first+count, len(jobs))]
	states, err := store.states(todo)
	if err != nil {
		return nil, err
	}
	var queue []*Job
	for _, j := range todo {
		if st := states[j.Key()]; st == Pending || (st == Failed && retryFailed) {
			queue = append(queue, j)
		}
	}
	if count > 1 {
		store.pretrain(ctx, queue, 1, count, rep, func(int) {})
	}
	var recs []*Record
	for _, j := range queue {
		rec, err := store.runJob(ctx, j, retryFailed, runtime.GOMAXPROCS(0), rep)
		if rec != nil {
			recs = append(recs, rec)
		}
		if err != nil {
			return recs, err
		}
	}
	return recs, nil
}

// runJob runs one job under its lock and writes its record; it returns a
// nil record when the job was done (or held) by someone else or was
// interrupted.
func (s *Store) runJob(ctx context.Context, j *Job, retryFailed bool, workers int, rep spikernn.Reporter) (*Record, error) {
	key := j.Key()
	lock, ok, err := s.lock(key)
	if err != nil || !ok {
		return nil, err
	}
	defer lock.Release()
	// Finished by another runner between the listing and the lock?
	prev, err := s.Record(key)
	if err != nil || (prev != nil && (prev.Status == "done" || !retryFailed)) {
		return nil, err
	}
	stop := lock.KeepFresh(time.Minute)
	rec := j.run(ctx, s.models, workers, rep)
	stop()
	if rec == nil {
		return nil, ctx.Err()
	}
	if secs, ok := s.pretrained.Load(rec.Model); ok && math.IsNaN(float64(rec.TrainSeconds)) {
		// Trained by Run before the job, several per graph: the wall time
		// of its training (shared with the other networks of its graph).
		rec.TrainSeconds = Float(secs.(float64))
	}
	return rec, s.writeRecord(rec, prev != nil)
}

// sweepProgress reports a sweep's progress with an estimate of the time
// left.
type sweepProgress struct {
	mu                          sync.Mutex
	rep                         spikernn.Reporter
	total, done, failed, active int
	ran                         int
	workers                     int
	start                       time.Time
}

func (p *sweepProgress) started() {
	p.mu.Lock()
	p.active++
	p.report(false)
	p.mu.Unlock()
}

func (p *sweepProgress) finished(rec *Record) {
	p.mu.Lock()
	p.active--
	if rec != nil {
		p.done++
		p.ran++
		if rec.Status == "failed" {
			p.failed++
		}
	}
	p.report(p.done == p.total)
	p.mu.Unlock()
}

func (p *sweepProgress) report(final bool) {
	if p.rep == nil {
		return
	}
	el := time.Since(p.start)
	detail := fmt.Sprintf("%d running, %d failed", p.active, p.failed)
	if left := p.total - p.done; p.ran > 0 && left > 0 {
		per := el / time.Duration(p.ran)
		eta := per * time.Duration(left)
		detail += fmt.Sprintf(", about %s left", eta.Round(time.Second))
	}
	p.rep.Report(spikernn.Progress{Stage: "sweep", Done: p.done, Total: p.total, Detail: detail, Final: final, Elapsed: el})
}
