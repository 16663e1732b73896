// Package examples names the trained models that ship with spikernn and the
// notebooks use, so that every notebook runs in seconds on a fresh clone and
// retrains only on request. Each model is a pipeline.TrainSpec with a fixed
// seed (and the grid search it is converted with); the files live in the
// model store examples/models, made by spikernn itself with one command:
//
//	go run ./cmd/spikernn models --regenerate
//
// A model missing from the store (or stale: the store key includes
// spikernn.ModelFormat) is trained on first use and stored.
package examples

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/pipeline"
	"github.com/spikernn/spikernn/spikernn"
	"github.com/spikernn/spikernn/sweep"
)

// Entry is one shipped model.
type Entry struct {
	Name    string // e.g. "gonogo-fig1"
	Purpose string // the paper's figures it stands for
	Train   pipeline.TrainSpec
	Search  pipeline.SearchSpec
}

// The shipped models.
const (
	GoNoGo         = "gonogo-fig1"     // Fig 1B, Fig 2, SI S1, S2: Go-NoGo, N = 200, tau 20-50 ms
	ContextFig4    = "mante-fig4"      // Fig 4A-C: context task, N = 250, tau 20-50 ms
	ContextFig6    = "mante-fig6"      // Fig 6: context task, N = 250, tau 20-100 ms
	XOR            = "xor"             // the XOR task, N = 200, tau 20-100 ms
	GoNoGoSST      = "gonogo-sst"      // SI S3: 20 SST units
	GoNoGoNoDale   = "gonogo-nodale"   // SI S4: without Dale's principle
	ContextS5      = "mante-s5"        // SI S5, S7: context task, N = 400, tau 20-100 ms
	GoNoGoSoftplus = "gonogo-softplus" // Fig 7, SI S6: softplus units, N = 250
	GoNoGoPoor     = "gonogo-fig2c-s2" // Fig 2C: network 2 of N = 200 of the Fig 1C sweep, a poor LIF network
)

func config(task string, n int, taus ...float64) spikernn.Config {
	c := spikernn.DefaultConfig(task)
	c.N, c.Taus = n, taus
	return c
}

// Models returns the shipped models.
func Models() []Entry {
	paper := pipeline.SearchSpec{Trials: 100, Seed: 1}
	small := pipeline.SearchSpec{Factors: lifsim.Range(4, 2, 26), Trials: 100, Seed: 1} // softplus and ReLU (paper: 4:2:26)
	sst := config("go-nogo", 200, 4, 10)
	sst.SomN, sst.PInh = 20, 0.33
	nodale := config("go-nogo", 200, 4, 10)
	nodale.ApplyDale = false
	soft := config("go-nogo", 250, 4, 10)
	soft.Activation = spikernn.Softplus
	entry := func(name, purpose string, cfg spikernn.Config, seed uint64, s pipeline.SearchSpec) Entry {
		return Entry{Name: name, Purpose: purpose, Train: pipeline.TrainSpec{Config: cfg, Seed: seed, Trials: 6000}, Search: s}
	}
	// The Fig 1C sweep's settings (examples/sweeps/fig1c.toml): no 1500-trial floor.
	noFloor := spikernn.DefaultCriterion()
	poor := entry(GoNoGoPoor, "Fig 2C (why conversion fails)", config("go-nogo", 200, 4, 10), 2, paper)
	poor.Train.Criterion = &noFloor
	return []Entry{
		entry(GoNoGo, "Fig 1B, Fig 2, SI S1, S2", config("go-nogo", 200, 4, 10), 4, paper),
		entry(ContextFig4, "Fig 4A-C", config("mante", 250, 4, 10), 1, paper),
		entry(ContextFig6, "Fig 6A-B", config("mante", 250, 4, 20), 1, paper),
		entry(XOR, "XOR task", config("xor", 200, 4, 20), 4, paper),
		entry(GoNoGoSST, "SI S3", sst, 1, paper),
		entry(GoNoGoNoDale, "SI S4", nodale, 1, paper),
		entry(ContextS5, "SI S5, S7", config("mante", 400, 4, 20), 1, paper),
		entry(GoNoGoSoftplus, "Fig 7, SI S6", soft, 1, small),
		poor,
	}
}

// Lookup returns the shipped model of that name.
func Lookup(name string) (Entry, error) {
	for _, e := range Models() {
		if e.Name == name {
			return e, nil
		}
	}
	return Entry{}, fmt.Errorf("examples: no shipped model %q", name)
}

// Dir returns the shipped model store: $SPIKERNN_MODELS if set, else
// examples/models in the module that contains the working folder.
func Dir() string {
	if d := os.Getenv("SPIKERNN_MODELS"); d != "" {
		return d
	}
	return filepath.Join(examplesDir(), "models")
}

// examplesDir is the examples folder of the module that contains the
// working folder (a notebook's cells run in the notebooks folder).
func examplesDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return "examples"
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "examples")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "examples"
		}
		dir = parent
	}
}

// SweepSpec loads the example sweep examples/sweeps/NAME.toml.
func SweepSpec(name string) (*sweep.Spec, error) {
	return sweep.LoadSpec(filepath.Join(examplesDir(), "sweeps", name+".toml"))
}

// SweepResults loads the committed results table of an example sweep,
// examples/sweeps/results/NAME.csv (what `spikernn sweep collect` wrote
// after running it), so that a notebook draws its figure without rerunning
// the sweep.
func SweepResults(name string) (*sweep.Table, error) {
	return sweep.LoadCSV(filepath.Join(examplesDir(), "sweeps", "results", name+".csv"))
}

// Load returns the named model from the shipped store (Dir()), with its
// grid search done, training and searching first (and storing the result)
// if the store lacks it.
func Load(ctx context.Context, name string, rep spikernn.Reporter) (*pipeline.Model, error) {
	return LoadFrom(ctx, Dir(), name, rep)
}

// Open returns the model store in dir, writing compressed model files (as
// the shipped store is kept in version control).
func Open(dir string) (*pipeline.Store, error) {
	st, err := pipeline.OpenStore(dir)
	if err != nil {
		return nil, err
	}
	st.Compress = true
	return st, nil
}

// Path returns the file of the named model in the store in dir.
func Path(dir, name string) (string, error) {
	e, err := Lookup(name)
	if err != nil {
		return "", err
	}
	return (&pipeline.Store{Dir: dir}).Path(e.Train), nil
}

// LoadFrom is Load with the store in dir.
func LoadFrom(ctx context.Context, dir, name string, rep spikernn.Reporter) (*pipeline.Model, error) {
	e, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	st, err := Open(dir)
	if err != nil {
		return nil, err
	}
	m, err := st.TrainOrLoad(ctx, e.Train, rep)
	if err != nil {
		return m, err
	}
	if !m.Trained() {
		return m, errors.New("examples: " + name + " did not meet its stopping rule: choose another seed")
	}
	if _, err := pipeline.SearchOrLoad(ctx, m, e.Search, rep); err != nil {
		return m, err
	}
	return m, nil
}

// LoadSeed returns the named model with its grid search: the shipped one
// (Load) when seed is 0 or the shipped model's seed, else the same
// specification built and trained with that seed, trained and searched
// into the store in dir (a notebook's git-ignored output folder) on first
// use and loaded from it later. Notebooks use it to let a reader train a
// network of their own with one setting.
func LoadSeed(ctx context.Context, name string, seed uint64, dir string, rep spikernn.Reporter) (*pipeline.Model, error) {
	e, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	if seed == 0 || seed == e.Train.Seed {
		return Load(ctx, name, rep)
	}
	st, err := pipeline.OpenStore(dir)
	if err != nil {
		return nil, err
	}
	e.Train.Seed = seed
	m, err := st.TrainOrLoad(ctx, e.Train, rep)
	if err != nil {
		return m, err
	}
	if !m.Trained() {
		return m, fmt.Errorf("examples: %s with seed %d did not meet its stopping rule in %d trials: try another seed", name, seed, e.Train.Trials)
	}
	if _, err := pipeline.SearchOrLoad(ctx, m, e.Search, rep); err != nil {
		return m, err
	}
	return m, nil
}
