package pipeline

import (
	"context"
	"testing"

	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

// TestTrainManyOrLoad trains four specs (three sharing a graph, one with
// another N; one already in the store) two per graph, and checks that each
// model is the one TrainOrLoad gives, saved in the store, and that a second
// call loads them all.
func TestTrainManyOrLoad(t *testing.T) {
	ctx := context.Background()
	store, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ref, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	specs := []TrainSpec{tinySpec(1), tinySpec(2), tinySpec(3), tinySpec(4)}
	for i := range specs {
		specs[i].Trials = 8
	}
	specs[3].Config.N = 16
	pre, err := store.TrainOrLoad(ctx, specs[2], nil)
	if err != nil {
		t.Fatal(err)
	}
	finals := 0
	rep := spikernn.ReporterFunc(func(p spikernn.Progress) {
		if p.Final {
			finals++
		}
	})
	models, err := store.TrainManyOrLoad(ctx, specs, 2, rep)
	if err != nil {
		t.Fatal(err)
	}
	if finals != 3 {
		t.Errorf("%d final reports, want 3 (one per network trained)", finals)
	}
	for i, spec := range specs {
		m := models[i]
		if m == nil || m.Path != store.Path(spec) || m.Key != spec.Key() {
			t.Fatalf("spec %d: model %+v", i, m)
		}
		if m.Loaded != (i == 2) {
			t.Errorf("spec %d: loaded = %v", i, m.Loaded)
		}
		want, err := ref.TrainOrLoad(ctx, spec, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !mat.Equal(m.Net.W, want.Net.W) || m.Net.Training.Status != want.Net.Training.Status {
			t.Errorf("spec %d: the model differs from TrainOrLoad's", i)
		}
	}
	if !mat.Equal(models[2].Net.W, pre.Net.W) {
		t.Error("the stored model was not the one loaded")
	}
	again, err := store.TrainManyOrLoad(ctx, specs, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range again {
		if !m.Loaded || !mat.Equal(m.Net.W, models[i].Net.W) {
			t.Errorf("spec %d: not loaded the second time", i)
		}
	}
}

// TestTrainManyOrLoadErrors: an invalid spec fails alone, naming itself.
func TestTrainManyOrLoadErrors(t *testing.T) {
	store, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bad := tinySpec(2)
	bad.Batch = -1
	good := tinySpec(1)
	good.Trials = 3
	models, err := store.TrainManyOrLoad(context.Background(), []TrainSpec{good, bad}, 0, nil)
	if err == nil || models[0] == nil || models[1] != nil {
		t.Fatalf("models %v, error %v", models, err)
	}
	t.Log(err)
}
