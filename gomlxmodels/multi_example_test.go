package gomlxmodels_test

import (
	"context"
	"fmt"

	"github.com/spikernn/spikernn/gomlxmodels"
	"github.com/spikernn/spikernn/spikernn"
)

// ExampleTrainMany trains three small Go-NoGo networks (different seeds
// and decay ranges, different trial caps) in one graph. Each gets what
// Train would give it; the graph shrinks as they finish.
func ExampleTrainMany() {
	var nets []*spikernn.Network
	var opts []gomlxmodels.TrainOptions
	for i, taus := range [][]float64{{4, 20}, {4, 20}, {2, 10}} {
		cfg := spikernn.DefaultConfig("go-nogo")
		cfg.N, cfg.Taus = 30, taus
		net, err := spikernn.NewNetwork(cfg, uint64(i+1))
		if err != nil {
			fmt.Println(err)
			return
		}
		nets = append(nets, net)
		opts = append(opts, gomlxmodels.TrainOptions{Trials: 20 + 10*i, Seed: uint64(i + 1), EvalEvery: 10, EvalTrials: 20})
	}
	trained, hists, err := gomlxmodels.TrainMany(context.Background(), nets, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, h := range hists {
		fmt.Println(i, "trials:", h.TrialsDone, "evaluations:", h.EvalTrials, "status:", trained[i].Training.Status)
	}
	// Output:
	// 0 trials: 20 evaluations: [1 11] status: failed
	// 1 trials: 30 evaluations: [1 11 21] status: failed
	// 2 trials: 40 evaluations: [1 11 21 31] status: failed
}
