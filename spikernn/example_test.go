package spikernn_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

// Build an untrained Go-NoGo network with the reference defaults.
func ExampleNewNetwork() {
	cfg := spikernn.DefaultConfig("go-nogo")
	cfg.N = 200
	cfg.Taus = []float64{4, 10} // 20 to 50 ms, as in the paper's Fig 1
	net, err := spikernn.NewNetwork(cfg, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("units:", net.N(), "inputs:", net.NIn)
	fmt.Println("E + I:", len(net.ExcIndices())+len(net.InhIndices()))
	taus := net.TausMs()
	fmt.Println("decay constants within 20..50 ms:", minF(taus) >= 20 && maxF(taus) <= 50)
	// Output:
	// units: 200 inputs: 1
	// E + I: 200
	// decay constants within 20..50 ms: true
}

// Draw a trial of a task, run the rate network on it and score it.
func ExampleTask() {
	task, _ := spikernn.LookupTask("go-nogo")
	tr := task.NewTrial(spikernn.NewRand(7))
	fmt.Println("condition:", tr.Cond, "input:", dims(tr.U), "target steps:", len(tr.Target))

	// A hand-made output: silent until step 100, then 1.
	o := make([]float64, task.Steps()-1)
	for k := 100; k < len(o); k++ {
		o[k] = 1
	}
	fmt.Println("Go trial with a response correct:", task.Correct(o, spikernn.Trial{Label: 1}))
	fmt.Println("NoGo trial with a response correct:", task.Correct(o, spikernn.Trial{Label: 0}))

	cfg := spikernn.DefaultConfig("go-nogo")
	cfg.N = 50
	net, _ := spikernn.NewNetwork(cfg, 2)
	res, _ := net.Run(tr.U, spikernn.RunOptions{Rng: spikernn.NewRand(3)})
	fmt.Println("outputs:", len(res.O))
	// Output:
	// condition: NoGo input: 1x200 target steps: 200
	// Go trial with a response correct: true
	// NoGo trial with a response correct: false
	// outputs: 199
}

// Save a network in the reference's folder layout and load it back.
func ExampleNetwork_SaveNew() {
	dir, _ := os.MkdirTemp("", "spikernn")
	defer os.RemoveAll(dir)
	cfg := spikernn.DefaultConfig("mante")
	cfg.N = 40
	net, _ := spikernn.NewNetwork(cfg, 5)
	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	path, err := net.SaveNew(dir, when, spikernn.SaveOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	rel, _ := filepath.Rel(dir, path)
	fmt.Println(filepath.ToSlash(rel))
	back, err := spikernn.LoadModel(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("same weights:", mat.Equal(net.W, back.W), "task:", back.Config.Task)
	// Output:
	// models/mante/P_rec_0.2_Taus_4.0_20.0/Task_mante_N_40_Taus_4.0_20.0_Act_sigmoid_2026_01_02_030405.mat
	// same weights: true task: mante
}

// Define a task in a notebook and register it, without forking spikernn.
func ExampleCustomTask() {
	const T = 100
	hold := &spikernn.CustomTask{
		TaskName: "pulse-hold",
		Inputs:   1,
		T:        T,
		Generate: func(rng *rand.Rand) spikernn.Trial {
			u := mat.NewDense(1, T, nil)
			z := make([]float64, T)
			sign := 1.0
			if rng.Float64() < 0.5 {
				sign = -1
			}
			for k := 20; k < 30; k++ {
				u.Set(0, k, sign)
			}
			for k := 40; k < T; k++ {
				z[k] = sign
			}
			return spikernn.Trial{U: u, Target: z, Label: sign}
		},
		Score: func(o []float64, tr spikernn.Trial) bool {
			last := o[len(o)-1]
			return last*tr.Label > 0.7
		},
	}
	if err := spikernn.RegisterTask(hold); err != nil {
		fmt.Println(err)
		return
	}
	cfg := spikernn.DefaultConfig("pulse-hold")
	net, err := spikernn.NewNetwork(cfg, 1)
	fmt.Println(err == nil, net.NIn)
	// Output: true 1
}

func dims(m *mat.Dense) string {
	r, c := m.Dims()
	return fmt.Sprintf("%dx%d", r, c)
}

func minF(x []float64) float64 {
	m := x[0]
	for _, v := range x {
		m = min(m, v)
	}
	return m
}

func maxF(x []float64) float64 {
	m := x[0]
	for _, v := range x {
		m = max(m, v)
	}
	return m
}
