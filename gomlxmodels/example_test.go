package gomlxmodels_test

import (
	"context"
	"fmt"

	"github.com/spikernn/spikernn/gomlxmodels"
	"github.com/spikernn/spikernn/spikernn"
)

// ExampleTrain trains a small Go-NoGo network for 200 trials: too few for
// the reference's stopping rule (more than 1500 trials), so the run ends
// "failed" after two evaluations (after trials 1 and 101).
func ExampleTrain() {
	cfg := spikernn.DefaultConfig("go-nogo")
	cfg.N = 50
	net, err := spikernn.NewNetwork(cfg, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	evaluations := 0
	trained, hist, err := gomlxmodels.Train(context.Background(), net, gomlxmodels.TrainOptions{
		Trials: 200,
		Seed:   1,
		Progress: spikernn.ReporterFunc(func(p spikernn.Progress) {
			// Called after every trial; p.Loss is its loss, p.EvalLoss and
			// p.EvalPerf those of the latest evaluation.
			if p.Evaluated {
				evaluations++
			}
		}),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("trials:", hist.TrialsDone, "evaluations:", hist.EvalTrials, "status:", trained.Training.Status)
	fmt.Println("losses recorded:", len(trained.Training.Losses), "progress evaluations:", evaluations)
	// Output:
	// trials: 200 evaluations: [1 101] status: failed
	// losses recorded: 200 progress evaluations: 2
}
