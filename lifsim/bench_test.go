package lifsim

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/spikernn/spikernn/spikernn"
)

// threadCPU returns the CPU time of the calling OS thread (lock it first):
// on a machine shared with other work it measures the simulator's own cost
// where wall time also counts the waits for a core.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processCPU returns the CPU time of the whole process (all threads).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchNet(b testing.TB, N int, seed uint64) *spikernn.Network {
	b.Helper()
	cfg := spikernn.DefaultConfig("go-nogo")
	cfg.N = N
	net, err := spikernn.NewNetwork(cfg, seed)
	if err != nil {
		b.Fatal(err)
	}
	return net
}

// benchTrials runs one 1-second Go-NoGo trial (20,000 steps of 0.05 ms) per
// iteration and reports the thread's CPU time per trial, spikes per CPU
// second and the mean firing rate.
func benchTrials(b *testing.B, rate *spikernn.Network, s float64) {
	net, err := FromRate(rate, s, DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	tr := spikernn.NewGoNoGo().SpikingTrial(spikernn.NewRand(3))
	var spikes int
	var hz float64
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	c0 := threadCPU()
	for i := 0; i < b.N; i++ {
		res, err := net.Run(tr.U, RunOptions{Seed: 7, Stream: uint64(i)})
		if err != nil {
			b.Fatal(err)
		}
		spikes += len(res.Spikes)
		hz += res.MeanRate
	}
	cpu := threadCPU() - c0
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(spikes)/cpu.Seconds(), "spikes/cpu-s")
	b.ReportMetric(hz/float64(b.N), "Hz")
}

// BenchmarkTrial: random (untrained) networks at the paper's s = 25.
func BenchmarkTrial(b *testing.B) {
	for _, N := range []int{200, 1000, 5000} {
		b.Run(fmt.Sprintf("N=%d", N), func(b *testing.B) { benchTrials(b, benchNet(b, N, 1), 25) })
	}
}

// BenchmarkTrialTrained: the trained Go-NoGo fixture at its best factor.
func BenchmarkTrialTrained(b *testing.B) {
	if _, err := os.Stat(fixturePath); err != nil {
		b.Skip("no trained fixture")
	}
	rate, err := spikernn.LoadModel(fixturePath)
	if err != nil {
		b.Fatal(err)
	}
	benchTrials(b, rate, 20)
}

func BenchmarkNormals200(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	g := NewNoise(1, 1)
	z := make([]float64, 200)
	c0 := threadCPU()
	for i := 0; i < b.N; i++ {
		g.Normals(z)
	}
	b.ReportMetric(float64((threadCPU()-c0).Nanoseconds())/float64(b.N*200), "cpu-ns/normal")
}

// loadFixture returns the trained Go-NoGo fixture (N = 200), or skips.
func loadFixture(b *testing.B) *spikernn.Network {
	b.Helper()
	rate, err := spikernn.LoadModel(fixturePath)
	if err != nil {
		b.Skip("no trained fixture: ", err)
	}
	return rate
}

// BenchmarkBatch times the batched kernel: eight 1-second Go-NoGo trials
// (alternately Go and NoGo) per batch on one core, and reports the
// effective time per trial (wall and thread CPU). "trained" is the fixture
// at its best factor s = 20 (about 3 Hz), "random" an untrained N = 200
// network at s = 25 (about 83 Hz).
func BenchmarkBatch(b *testing.B) {
	for _, name := range []string{"trained", "random"} {
		b.Run(name, func(b *testing.B) {
			var rate *spikernn.Network
			s := 25.0
			if name == "trained" {
				rate, s = loadFixture(b), 20
			} else {
				rate = benchNet(b, 200, 1)
			}
			net, err := FromRate(rate, s, DefaultParams())
			if err != nil {
				b.Fatal(err)
			}
			task := spikernn.NewGoNoGo()
			var trials [lanes]laneTrial
			for l := range trials {
				tr := task.SpikingTrial(spikernn.NewRand(uint64(l)))
				trials[l] = laneTrial{u: tr.U, seed: 7}
			}
			bt := net.newBatch()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ResetTimer()
			c0, w0 := threadCPU(), time.Now()
			for i := 0; i < b.N; i++ {
				for l := range trials {
					trials[l].stream = uint64(i*lanes + l)
				}
				if _, _, err := bt.run(trials[:], nil, false); err != nil {
					b.Fatal(err)
				}
			}
			cpu, wall := threadCPU()-c0, time.Since(w0)
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*lanes), "cpu-ns/trial")
			b.ReportMetric(float64(wall.Nanoseconds())/float64(b.N*lanes), "ns/trial")
		})
	}
}

// BenchmarkGridSearchTrained is the grid-search row: the trained
// Go-NoGo fixture, the paper's grid (12 factors x 100 trials), two
// workers; "single" is the default (one trial at a time on the
// single-trial kernel), "batched" eight trials per batch on the batched
// kernel (useBatch), in the same run for the ratio.
func BenchmarkGridSearchTrained(b *testing.B) {
	rate := loadFixture(b)
	for _, mode := range []string{"batched", "single"} {
		b.Run(mode, func(b *testing.B) {
			defer setBatch(mode == "batched")()
			c0 := processCPU()
			for i := 0; i < b.N; i++ {
				if _, err := GridSearch(context.Background(), rate, SearchOptions{Seed: uint64(i), Workers: 2}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((processCPU()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkGridSearch times the whole Go-NoGo grid search of spec 5 (12
// factors x 100 trials) of a random N = 200 network and of the trained
// fixture with all cores, and reports the process CPU time (all threads).
func BenchmarkGridSearch(b *testing.B) {
	nets := map[string]*spikernn.Network{"random": benchNet(b, 200, 1)}
	if rate, err := spikernn.LoadModel(fixturePath); err == nil {
		nets["trained"] = rate
	}
	for _, name := range []string{"random", "trained"} {
		rate := nets[name]
		if rate == nil {
			continue
		}
		b.Run(name, func(b *testing.B) {
			c0 := processCPU()
			for i := 0; i < b.N; i++ {
				if _, err := GridSearch(context.Background(), rate, SearchOptions{Seed: uint64(i)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((processCPU()-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkNormalsLanes: the batched kernel's draws, 200 per lane.
func BenchmarkNormalsLanes(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var gs [lanes]FastNoise
	for l := range gs {
		gs[l].Reset(1, uint64(l))
	}
	z := make([][lanes]float64, 200)
	c0 := threadCPU()
	for i := 0; i < b.N; i++ {
		normalsLanes(&gs, z)
	}
	b.ReportMetric(float64((threadCPU()-c0).Nanoseconds())/float64(b.N*200*lanes), "cpu-ns/normal")
}

// BenchmarkBatchNoNoise is BenchmarkBatch without the normal draws (the
// membrane noise stays zero): the cost of the batched update alone.
func BenchmarkBatchNoNoise(b *testing.B) {
	benchSkipNoise = true
	defer func() { benchSkipNoise = false }()
	BenchmarkBatch(b)
}
