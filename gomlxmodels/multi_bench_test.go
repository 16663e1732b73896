package gomlxmodels

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spikernn/spikernn/spikernn"
)

// BenchmarkTrainManyStep times one training step of K Go-NoGo networks
// (N = 200, batch 1) in one graph, trial data drawn beforehand, and
// reports the time per network-step (compare BenchmarkTrainStepN200).
func BenchmarkTrainManyStep(b *testing.B) {
	for _, c := range []struct{ N, K int }{{50, 1}, {50, 2}, {50, 4}, {50, 8}, {200, 1}, {200, 2}, {200, 4}, {200, 8}} {
		N, K := c.N, c.K
		b.Run(fmt.Sprintf("N=%d/K=%d", N, K), func(b *testing.B) {
			var nets []*spikernn.Network
			var opts []TrainOptions
			for i := range K {
				nets = append(nets, newNet(b, "go-nogo", N, uint64(i+1), nil))
				opts = append(opts, TrainOptions{Trials: 100000, Seed: uint64(i + 1), EvalEvery: 100000})
			}
			g, err := newManyGroup(nets, opts, ManyOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer g.close()
			if err := g.fill(context.Background()); err != nil {
				b.Fatal(err)
			}
			// Feed every network the same pre-drawn trial, as
			// BenchmarkTrainStepN200 does (no drawing during the steps).
			for _, n := range g.inSlot {
				p := <-n.ready
				n.stop()
				ch := make(chan manyBatch, 1)
				n.ready, n.stop = ch, nil
				done := make(chan struct{})
				defer close(done)
				go func() {
					for {
						select {
						case ch <- p:
						case <-done:
							return
						}
					}
				}()
			}
			start := time.Now()
			for b.Loop() {
				if err := g.step(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N*K)/1000, "ms/net-step")
		})
	}
}

// BenchmarkTrainManyThroughput trains 16 Go-NoGo networks (N = 200, the
// reference configuration, and N = 50, capped at 300 trials:
// sweep/bench_test.go's unit) with Train, one at a time or one per worker, and with TrainManyWith,
// K networks per graph on one worker or on two (each worker a group of
// its own), and reports trainings per hour. Run with -benchtime=1x;
// SPIKERNN_BENCH_N=100,150 measures other sizes.
func BenchmarkTrainManyThroughput(b *testing.B) {
	if testing.Short() {
		b.Skip("trains networks")
	}
	const jobs = 16
	type mode struct {
		name    string
		N       int
		workers int
		k       int // 0: Train
	}
	sizes := []int{200, 50}
	if env := os.Getenv("SPIKERNN_BENCH_N"); env != "" {
		sizes = nil
		for _, f := range strings.Split(env, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				b.Fatalf("SPIKERNN_BENCH_N=%q: %v", env, err)
			}
			sizes = append(sizes, n)
		}
	}
	var modes []mode
	for _, N := range sizes {
		for _, w := range []int{1, 2} {
			modes = append(modes, mode{fmt.Sprintf("N=%d/Train/workers=%d", N, w), N, w, 0})
			for _, k := range []int{1, 2, 4, 8} {
				modes = append(modes, mode{fmt.Sprintf("N=%d/K=%d/workers=%d", N, k, w), N, w, k})
			}
		}
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			for b.Loop() {
				var nets []*spikernn.Network
				var opts []TrainOptions
				for i := range jobs {
					nets = append(nets, newNet(b, "go-nogo", m.N, uint64(i+1), nil))
					opts = append(opts, TrainOptions{Trials: 300, Seed: uint64(i + 1)})
				}
				start := time.Now()
				var wg sync.WaitGroup
				errs := make(chan error, jobs)
				for w := range m.workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						var mine []int
						for i := w; i < jobs; i += m.workers {
							mine = append(mine, i)
						}
						if m.k == 0 {
							for _, i := range mine {
								if _, _, err := Train(context.Background(), nets[i], opts[i]); err != nil {
									errs <- err
								}
							}
							return
						}
						var ns []*spikernn.Network
						var os []TrainOptions
						for _, i := range mine {
							ns, os = append(ns, nets[i]), append(os, opts[i])
						}
						if _, _, err := TrainManyWith(context.Background(), ns, os, ManyOptions{NetsPerGraph: m.k}); err != nil {
							errs <- err
						}
					}()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					b.Fatal(err)
				}
				b.ReportMetric(float64(jobs)/time.Since(start).Hours(), "trainings/h")
			}
		})
	}
}
