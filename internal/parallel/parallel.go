// Package parallel runs independent jobs on a pool of goroutines,
// deterministically: job i sees only its index and its worker's scratch, so
// results do not depend on the number of workers or on the schedule.
//
// It is the one worker pool of spikernn: rate-network evaluations, spiking
// evaluations and grid searches, training-batch generation and sweeps use it.
package parallel

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// Workers returns the number of goroutines For uses for n jobs when asked
// for workers: GOMAXPROCS when workers <= 0, never more than n, at least 1.
func Workers(n, workers int) int {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return max(min(workers, n), 1)
}

// For runs job(scratch, i) for every i in [0, n) on Workers(n, workers)
// goroutines. Each goroutine makes its scratch once with newScratch (which
// may be nil: the zero S) and reuses it for every job it runs, so jobs must
// not keep results in the scratch.
//
// For stops handing out jobs at the first error or when ctx is done and
// waits for the running ones. It returns the error of the lowest-indexed
// job that failed, wrapped with its index only by the job itself; or, when
// ctx ended the run, an error wrapping ctx.Err() (errors.Is(err,
// context.Canceled) holds). A job that panics fails with an error holding
// the panic value instead of crashing the program.
func For[S any](ctx context.Context, n, workers int, newScratch func() S, job func(s S, i int) error) error {
	if n <= 0 {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	w := Workers(n, workers)
	var (
		next    atomic.Int64
		stop    atomic.Bool
		mu      sync.Mutex
		firstI  = n
		firstE  error
		ctxDone error
	)
	fail := func(i int, err error) {
		mu.Lock()
		if i < firstI {
			firstI, firstE = i, err
		}
		mu.Unlock()
		stop.Store(true)
	}
	run := func(s S, i int) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("job %d panicked: %v", i, r)
			}
		}()
		return job(s, i)
	}
	worker := func() {
		var s S
		if newScratch != nil {
			s = newScratch()
		}
		for !stop.Load() {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			if err := ctx.Err(); err != nil {
				mu.Lock()
				ctxDone = err
				mu.Unlock()
				stop.Store(true)
				return
			}
			if err := run(s, i); err != nil {
				fail(i, err)
				return
			}
		}
	}
	if w == 1 {
		worker()
	} else {
		var wg sync.WaitGroup
		for range w {
			wg.Add(1)
			go func() {
				defer wg.Done()
				worker()
			}()
		}
		wg.Wait()
	}
	switch {
	case firstE != nil && !(ctxDone != nil && isCtxErr(firstE)):
		return firstE
	case ctxDone != nil || firstE != nil:
		if ctxDone == nil {
			ctxDone = firstE
		}
		return fmt.Errorf("interrupted: %w", ctxDone)
	}
	return nil
}

// Each is For without scratch.
func Each(ctx context.Context, n, workers int, job func(i int) error) error {
	return For(ctx, n, workers, nil, func(_ struct{}, i int) error { return job(i) })
}

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Counter reports progress from concurrent jobs in order: Step calls fn
// with done = 1, 2, ... total, one call at a time.
type Counter struct {
	mu    sync.Mutex
	done  int
	total int
	fn    func(done, total int)
}

// NewCounter returns a Counter of total steps reporting to fn (nil: none).
func NewCounter(total int, fn func(done, total int)) *Counter {
	return &Counter{total: total, fn: fn}
}

// Step counts one finished job.
func (c *Counter) Step() {
	if c == nil || c.fn == nil {
		return
	}
	c.mu.Lock()
	c.done++
	c.fn(c.done, c.total)
	c.mu.Unlock()
}
