package lifsim_test

import (
	"context"
	"fmt"
	"log"

	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/spikernn"
)

// A rate network (here untrained) mapped onto a LIF network at scaling
// factor s = 25 and run on one Go trial, in one call.
func ExampleSimulate() {
	cfg := spikernn.DefaultConfig("go-nogo")
	cfg.N = 100
	rate, err := spikernn.NewNetwork(cfg, 1)
	if err != nil {
		log.Fatal(err)
	}
	trial := spikernn.NewGoNoGo().SpikingTrial(spikernn.NewRand(2))
	res, err := lifsim.Simulate(rate, 25, trial.U, lifsim.DefaultParams(), lifsim.RunOptions{Seed: 3})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s trial: %d steps of %.2f ms (%.1f s)\n", trial.Cond, res.Nt, res.Dt*1000, res.TSec)
	fmt.Printf("%d spikes, excitatory %.1f Hz, inhibitory %.1f Hz\n", len(res.Spikes), res.ExcRate, res.InhRate)
	// Output:
	// NoGo trial: 20000 steps of 0.05 ms (1.0 s)
	// 5967 spikes, excitatory 60.5 Hz, inhibitory 53.0 Hz
}

// Recordings are opt-in and strideable: here the voltages and filtered
// rates every 5 ms, with a hyperpolarising perturbation of the excitatory
// units during the second half of the trial.
func ExampleNetwork_Run() {
	cfg := spikernn.DefaultConfig("go-nogo")
	cfg.N = 50
	rate, _ := spikernn.NewNetwork(cfg, 1)
	net, err := lifsim.FromRate(rate, 25, lifsim.QIFParams())
	if err != nil {
		log.Fatal(err)
	}
	trial := spikernn.NewGoNoGo().SpikingTrial(spikernn.NewRand(1))
	res, err := net.Run(trial.U, lifsim.RunOptions{
		Seed:    1,
		Perturb: &lifsim.Perturbation{Mode: lifsim.PerturbInh, Start: 10001, Stop: 20001, Units: rate.ExcIndices()},
		Record:  lifsim.Recording{Voltage: true, Rates: true, Stride: 100},
	})
	if err != nil {
		log.Fatal(err)
	}
	rows, cols := res.V.Dims()
	fmt.Printf("voltages %d x %d, first column at %.0f ms\n", rows, cols, res.Times()[0]*1000)
	// Output:
	// voltages 50 x 200, first column at 5 ms
}

// The scaling-factor grid search of spec 5 on a small grid; the result does
// not depend on the number of workers.
func ExampleGridSearch() {
	cfg := spikernn.DefaultConfig("go-nogo")
	cfg.N = 100
	rate, _ := spikernn.NewNetwork(cfg, 1)
	res, err := lifsim.GridSearch(context.Background(), rate, lifsim.SearchOptions{
		Factors: []float64{20, 50, 80},
		Trials:  20,
		Seed:    1,
	})
	if err != nil {
		log.Fatal(err)
	}
	for k, s := range res.Factors {
		fmt.Printf("s = %v: %.2f\n", s, res.Perfs[k])
	}
	fmt.Println("best:", res.Best)
	// Output:
	// s = 20: 0.65
	// s = 50: 0.70
	// s = 80: 0.50
	// best: 50
}

func ExampleParseFactors() {
	f, _ := lifsim.ParseFactors("20:5:75")
	fmt.Println(len(f), f[0], f[len(f)-1])
	f, _ = lifsim.ParseFactors("4:2:26")
	fmt.Println(f)
	// Output:
	// 12 20 75
	// [4 6 8 10 12 14 16 18 20 22 24 26]
}
