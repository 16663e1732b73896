package gomlxmodels

import (
	"context"
	"testing"

	"github.com/spikernn/spikernn/spikernn"
)

// benchStep measures one training step (forward, BPTT, Adam) on Go-NoGo
// with N units and the given batch, trial data drawn beforehand.
func benchStep(b *testing.B, N, batchSize int, autodiff bool) {
	cfg := spikernn.DefaultConfig("go-nogo")
	cfg.N = N
	net, err := spikernn.NewNetwork(cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	task, _ := spikernn.LookupTask("go-nogo")
	be, err := Backend("")
	if err != nil {
		b.Fatal(err)
	}
	t, err := newTrainer(be, net, task, trainerOptions{Batch: batchSize, EvalTrials: 0, LR: DefaultLearningRate, Autodiff: autodiff})
	if err != nil {
		b.Fatal(err)
	}
	defer t.close()
	bt := makeBatch(task, t.spec, trainStream(1, 0, batchSize), true, 1)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		bufs, err := bt.buffers(be, t.spec)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := t.trainStep(bt, bufs); err != nil {
			b.Fatal(err)
		}
		finalizeAll(bufs)
	}
}

// BenchmarkTrainStepN200 is one Go-NoGo training trial at N=200, T=200,
// batch 1 (the reference's unit of work).
func BenchmarkTrainStepN200(b *testing.B) { benchStep(b, 200, 1, false) }

// BenchmarkTrainStepN500 is one Go-NoGo training trial at N=500, batch 1.
func BenchmarkTrainStepN500(b *testing.B) { benchStep(b, 500, 1, false) }

// BenchmarkTrainStepN200Batch16 is one step on a batch of 16 trials.
func BenchmarkTrainStepN200Batch16(b *testing.B) { benchStep(b, 200, 16, false) }

// BenchmarkTrainStepN200Autodiff is BenchmarkTrainStepN200 with GoMLX's
// reverse-mode autodiff instead of the written-out BPTT.
func BenchmarkTrainStepN200Autodiff(b *testing.B) { benchStep(b, 200, 1, true) }

// BenchmarkEval100 is one 100-trial Go-NoGo evaluation (one batched
// forward pass, N=200), trial data drawn beforehand.
func BenchmarkEval100(b *testing.B) { benchEval100(b, "go") }

// BenchmarkTrainContext300 is the context-dependent task ("mante", N=250,
// T=500, decay constants 4-20 ms) trained for 300 trials with the
// reference's evaluations after trials 1, 101 and 201: the speed table's
// context row, which scripts/bench/speed.sh runs beside the PyTorch port
// (torch_rate.py --task mante --N 250 --n_trials 300). It reports the time
// per training trial, evaluations included.
func BenchmarkTrainContext300(b *testing.B) {
	cfg := spikernn.DefaultConfig("mante")
	cfg.N = 250
	never := spikernn.Criterion{MaxLoss: -1, MinPerf: 2}
	for i := 0; b.Loop(); i++ {
		net, err := spikernn.NewNetwork(cfg, uint64(i+1))
		if err != nil {
			b.Fatal(err)
		}
		_, h, err := Train(context.Background(), net, TrainOptions{Trials: 300, Seed: uint64(i + 1), Criterion: &never})
		if err != nil {
			b.Fatal(err)
		}
		if h.TrialsDone != 300 || len(h.EvalTrials) != 3 {
			b.Fatalf("ran %d trials and %d evaluations, want 300 and 3", h.TrialsDone, len(h.EvalTrials))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(300*b.N), "ns/trial")
}

// BenchmarkTrainGoNoGo is a whole reference Go-NoGo training (N=200) to
// the stopping rule (at least 1501 trials and 16 evaluations).
func BenchmarkTrainGoNoGo(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		net, err := spikernn.NewNetwork(spikernn.DefaultConfig("go-nogo"), uint64(i+1))
		if err != nil {
			b.Fatal(err)
		}
		_, h, err := Train(context.Background(), net, TrainOptions{Trials: 3000, Seed: uint64(i + 1)})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(h.TrialsDone), "trials")
		if !h.Success {
			b.Logf("seed %d did not meet the stopping rule in %d trials", i+1, h.TrialsDone)
		}
	}
}
