package pipeline

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/matfile"
	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

// tinySpec trains a 20-unit Go-NoGo network for 30 trials: fast, untrained.
func tinySpec(seed uint64) TrainSpec {
	cfg := spikernn.DefaultConfig("go-nogo")
	cfg.N = 20
	return TrainSpec{Config: cfg, Seed: seed, Trials: 30, EvalTrials: 5}
}

func TestKeys(t *testing.T) {
	base := tinySpec(1)
	k := base.Key()
	same := base
	same.Backend = "go"
	same.Batch, same.LearningRate, same.EvalEvery = 1, 0.01, 100
	if same.Key() != k {
		t.Error("the backend or explicit defaults changed the key")
	}
	for name, f := range map[string]func(*TrainSpec){
		"seed":      func(s *TrainSpec) { s.Seed = 2 },
		"N":         func(s *TrainSpec) { s.Config.N = 21 },
		"taus":      func(s *TrainSpec) { s.Config.Taus = []float64{4, 10} },
		"trials":    func(s *TrainSpec) { s.Trials = 31 },
		"criterion": func(s *TrainSpec) { s.Criterion = &spikernn.Criterion{MaxLoss: 7, MinPerf: 0.95} },
		"act":       func(s *TrainSpec) { s.Config.Activation = spikernn.Softplus },
	} {
		s := base
		s.Config.Taus = append([]float64(nil), base.Config.Taus...)
		f(&s)
		if s.Key() == k {
			t.Errorf("changing %s kept the key", name)
		}
	}
	if (SearchSpec{}).Key() != (SearchSpec{Factors: lifsim.PaperFactors(), Trials: 100}).Key() {
		t.Error("search defaults change the search key")
	}
	p := lifsim.DefaultParams()
	p.Tref = 0
	if (SearchSpec{Params: &p}).Key() == (SearchSpec{}).Key() {
		t.Error("neuron parameters do not change the search key")
	}
}

func TestTrainOrLoad(t *testing.T) {
	st, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var trainings atomic.Int32
	rep := spikernn.ReporterFunc(func(p spikernn.Progress) {
		if p.Stage == "training" && p.Done == 1 {
			trainings.Add(1)
		}
	})
	// Two concurrent callers train once.
	var wg sync.WaitGroup
	models := make([]*Model, 2)
	for i := range models {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := st.TrainOrLoad(ctx, tinySpec(1), rep)
			if err != nil {
				t.Error(err)
			}
			models[i] = m
		}()
	}
	wg.Wait()
	if trainings.Load() != 1 {
		t.Fatalf("%d trainings for one spec", trainings.Load())
	}
	if models[0].Path != st.Path(tinySpec(1)) || models[0].Path != models[1].Path {
		t.Errorf("paths %q %q", models[0].Path, models[1].Path)
	}
	again, err := st.TrainOrLoad(ctx, tinySpec(1), rep)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Loaded || trainings.Load() != 1 {
		t.Error("a stored model was trained again")
	}
	if !mat.Equal(again.Net.W, models[0].Net.W) && !mat.Equal(again.Net.W, models[1].Net.W) {
		t.Error("loaded weights differ from the trained ones")
	}
	other, err := st.TrainOrLoad(ctx, tinySpec(2), rep)
	if err != nil {
		t.Fatal(err)
	}
	if other.Loaded || other.Path == again.Path || trainings.Load() != 2 {
		t.Error("a new seed did not train a new model")
	}
	if _, err := os.Stat(again.Path + ".lock"); !os.IsNotExist(err) {
		t.Error("lock file left behind")
	}
	// An interrupted training is stored as unfinished and trained again.
	cctx, cancel := context.WithCancel(ctx)
	spec := tinySpec(3)
	m, err := st.TrainOrLoad(cctx, spec, spikernn.ReporterFunc(func(p spikernn.Progress) {
		if p.Done == 5 {
			cancel()
		}
	}))
	if err == nil || m == nil || m.Net.Training.Status != spikernn.StatusUnfinished {
		t.Fatalf("interrupted training: %v", err)
	}
	if _, err := st.Load(spec); err == nil {
		t.Error("an unfinished model loads as the spec's result")
	}
	if m, err := st.TrainOrLoad(ctx, spec, nil); err != nil || m.Loaded || m.Net.Training.Status == spikernn.StatusUnfinished {
		t.Errorf("retraining an unfinished model: %v", err)
	}
}

// trainedModel copies the trained Go-NoGo fixture into dir.
func trainedModel(t *testing.T, dir string) *Model {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "lifsim", "testdata", "gonogo_trained.mat"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "gonogo.mat")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	net, err := spikernn.LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	net.Scaling = nil
	return &Model{Net: net, Path: path}
}

func TestSearchOrLoad(t *testing.T) {
	m := trainedModel(t, t.TempDir())
	ctx := context.Background()
	spec := SearchSpec{Factors: []float64{20, 60}, Trials: 8, Seed: 3}
	res, err := SearchOrLoad(ctx, m, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Skipped || !m.Net.Scaling.Finished() || m.Net.Scaling.Key != spec.Key() {
		t.Fatalf("search not recorded in the network: %+v", m.Net.Scaling)
	}
	back, err := spikernn.LoadModel(m.Path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Scaling == nil || back.Scaling.Key != spec.Key() || back.Scaling.Trials != 8 || back.Scaling.OptScalingFactor != res.Best {
		t.Fatalf("search not recorded in the file: %+v", back.Scaling)
	}
	again, err := SearchOrLoad(ctx, &Model{Net: back, Path: m.Path}, spec, nil)
	if err != nil || !again.Skipped || again.Best != res.Best {
		t.Errorf("same settings searched again: %v %+v", err, again)
	}
	spec.Trials = 9
	third, err := SearchOrLoad(ctx, m, spec, nil)
	if err != nil || third.Skipped {
		t.Errorf("new settings reused an old search: %v", err)
	}
}

func TestSearchFileReferenceRules(t *testing.T) {
	dir := t.TempDir()
	m := trainedModel(t, dir)
	if err := m.Net.Save(m.Path, spikernn.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	spec := SearchSpec{Factors: []float64{20, 40}, Trials: 6, Seed: 1}

	// A NaN written by another program (the reference's lock) is skipped
	// while fresh, retaken when stale.
	if err := matfile.UpdateFile(m.Path, []*matfile.Var{matfile.NewScalar("opt_scaling_factor", matfile.Double, math.NaN())}, matfile.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	fs, err := SearchFile(ctx, m.Path, spec, SearchFileOptions{})
	if err != nil || !fs.Skipped || !strings.Contains(fs.Reason, "another program") {
		t.Fatalf("fresh NaN: %v %+v", err, fs)
	}
	past := time.Now().Add(-4 * time.Hour)
	os.Chtimes(m.Path, past, past)
	fs, err = SearchFile(ctx, m.Path, spec, SearchFileOptions{})
	if err != nil || fs.Skipped || fs.Written != m.Path {
		t.Fatalf("stale NaN not retaken: %v %+v", err, fs)
	}
	// A finished search is skipped whatever its settings, unless forced.
	fs, err = SearchFile(ctx, m.Path, SearchSpec{Trials: 3}, SearchFileOptions{})
	if err != nil || !fs.Skipped || !strings.Contains(fs.Reason, "already searched") {
		t.Fatalf("finished search: %v %+v", err, fs)
	}
	// A held lock: skipped.
	if err := os.WriteFile(m.Path+".lock", []byte(`{"host":"other-node","pid":1,"since":"2026-01-01T00:00:00Z"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	fs, err = SearchFile(ctx, m.Path, spec, SearchFileOptions{Force: true})
	if err != nil || !fs.Skipped || !strings.Contains(fs.Reason, "other-node") {
		t.Fatalf("locked file: %v %+v", err, fs)
	}
	os.Remove(m.Path + ".lock")
	// The file changes during the search: the result goes next to it.
	var once sync.Once
	fs, err = SearchFile(ctx, m.Path, spec, SearchFileOptions{Force: true, Progress: spikernn.ReporterFunc(func(p spikernn.Progress) {
		once.Do(func() {
			matfile.UpdateFile(m.Path, []*matfile.Var{matfile.NewString("note", "touched")}, matfile.WriteOptions{})
		})
	})})
	if err == nil || fs.Written == m.Path || !strings.Contains(err.Error(), "changed by another program") {
		t.Fatalf("changed file overwritten: %v %+v", err, fs)
	}
	var side map[string]any
	data, rerr := os.ReadFile(fs.Written)
	if rerr != nil || json.Unmarshal(data, &side) != nil || side["opt_scaling_factor"] == nil {
		t.Fatalf("side file %s: %v %s", fs.Written, rerr, data)
	}
}

func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a network to the stopping rule")
	}
	st, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := spikernn.DefaultConfig("go-nogo")
	cfg.Taus = []float64{4, 10}
	spec := RunSpec{
		Train:  TrainSpec{Config: cfg, Seed: 4, Trials: 3000},
		Search: SearchSpec{Factors: []float64{20, 25, 30}, Trials: 30, Seed: 4},
		Eval:   EvalSpec{Trials: 40, Seed: 9},
		Conditions: []Condition{{Name: "single exponential", Params: func() lifsim.Params {
			p := lifsim.DefaultParams()
			p.Tr = 0
			return p
		}()}},
	}
	res, err := st.Run(context.Background(), spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Model.Trained() || res.Rate.Perf < 0.95 || res.Search == nil || res.Spiking.Perf < 0.85 {
		t.Fatalf("trained %v, rate %v, spiking %v", res.Model.Trained(), res.Rate.Perf, res.Spiking)
	}
	if len(res.Conditions) != 1 || res.Conditions[0].Eval == nil {
		t.Fatal("condition missing")
	}
	// Again: everything from the store.
	again, err := st.Run(context.Background(), spec, nil)
	if err != nil || !again.Model.Loaded || !again.Search.Skipped || again.Spiking.Perf != res.Spiking.Perf {
		t.Fatalf("second run: %v loaded %v", err, again.Model.Loaded)
	}
}
