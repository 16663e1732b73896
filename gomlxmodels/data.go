package gomlxmodels

import (
	"context"
	"math/rand/v2"

	"github.com/gomlx/compute"
	"github.com/spikernn/spikernn/internal/parallel"
	"github.com/spikernn/spikernn/spikernn"
)

// batch is one batch of trials in the graph's layout (time-major).
type batch struct {
	trials []spikernn.Trial
	u      []float32 // [T-1, B, NIn]: u_0..u_{T-2}
	noise  []float32 // [T-1, B, N]: noise of steps 1..T-1, N(0,1)/10
	x0     []float32 // [B, N]: N(0,1)/100
	z      []float32 // [T-1, B]: z_0..z_{T-2}; nil without targets
}

// makeBatch draws b trials of task. Trial i draws, from streamFor(i) and in
// this order, the trial itself (task.NewTrial), x_0 (N values) and the noise
// of steps 1..T-1 (N values each): the order spikernn.Network.Run uses, so
// the same stream gives the same trial in both. Trials are drawn on up to
// workers goroutines; the result does not depend on it.
func makeBatch(task spikernn.Task, s netSpec, streamFor func(i int) *rand.Rand, withTarget bool, workers int) *batch {
	B, N, NIn, K := s.B, s.N, s.NIn, s.steps()
	bt := &batch{
		trials: make([]spikernn.Trial, B),
		u:      make([]float32, K*B*NIn),
		noise:  make([]float32, K*B*N),
		x0:     make([]float32, B*N),
	}
	if withTarget {
		bt.z = make([]float32, K*B)
	}
	fill := func(b int) {
		rng := streamFor(b)
		tr := task.NewTrial(rng)
		bt.trials[b] = tr
		for i := range N {
			bt.x0[b*N+i] = float32(rng.NormFloat64() / 100)
		}
		for k := range K {
			row := bt.noise[(k*B+b)*N : (k*B+b+1)*N]
			for i := range row {
				row[i] = float32(rng.NormFloat64() / 10)
			}
			for c := range NIn {
				bt.u[(k*B+b)*NIn+c] = float32(tr.U.At(c, k))
			}
			if withTarget {
				bt.z[k*B+b] = float32(tr.Target[k])
			}
		}
	}
	_ = parallel.Each(context.Background(), B, workers, func(b int) error {
		fill(b)
		return nil
	})
	return bt
}

// buffers uploads the batch: u, noise, x0 and, if present, z.
func (bt *batch) buffers(be compute.Backend, s netSpec) ([]compute.Buffer, error) {
	sh := s.batchShapes(bt.z != nil)
	data := [][]float32{bt.u, bt.noise, bt.x0}
	if bt.z != nil {
		data = append(data, bt.z)
	}
	out := make([]compute.Buffer, 0, len(data))
	for i, d := range data {
		b, err := bufferOf(be, d, sh[i])
		if err != nil {
			finalizeAll(out)
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// Random streams. Every draw of a training run comes from the run's seed
// through spikernn.SubRand, one stream per trial, so that the same seed
// gives the same run whatever the batch layout or the number of goroutines.
const (
	tagTrain    = 0x7a1e5eed00000001
	tagEval     = 0x7a1e5eed00000002
	tagBaseline = 0x7a1e5eed00000003
)

// mixSeed derives an independent seed from seed, a tag and an index
// (splitmix64 finaliser).
func mixSeed(seed, tag, idx uint64) uint64 {
	z := seed ^ tag ^ (idx * 0x9e3779b97f4a7c15)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// trainStream returns the stream of trial b of training step tr.
func trainStream(seed uint64, tr, batchSize int) func(b int) *rand.Rand {
	s := mixSeed(seed, tagTrain, 0)
	return func(b int) *rand.Rand { return spikernn.SubRand(s, uint64(tr)*uint64(batchSize)+uint64(b)) }
}

// EvalSeed returns the seed of the evaluation after training trial tr of a
// run with the given seed: its trial i is drawn from spikernn.SubRand(EvalSeed,
// i), as spikernn.Network.Evaluate draws them, so that
// net.Evaluate(task, spikernn.EvalOptions{Seed: EvalSeed(seed, tr)}) repeats
// the evaluation in plain Go.
func EvalSeed(seed uint64, tr int) uint64 { return mixSeed(seed, tagEval, uint64(tr)) }

func evalStream(seed uint64) func(i int) *rand.Rand {
	return func(i int) *rand.Rand { return spikernn.SubRand(seed, uint64(i)) }
}
