package spikernn

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/spikernn/spikernn/matfile"
)

// FuzzLoadModel feeds arbitrary bytes through the model loader: it must
// return a network or an error, never panic, and a network it returns must be
// consistent enough to simulate.
func FuzzLoadModel(f *testing.F) {
	// Every model and MAT fixture seeds the corpus, whole and truncated.
	// Run it with a minimisation budget (CI: -fuzzminimizetime 10s):
	// minimising a new input of a 100 KB model otherwise takes a minute.
	var files []string
	for _, pat := range []string{"testdata/*.mat", "../matfile/testdata/*.mat"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			f.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 10 {
		f.Fatalf("only %d fixtures found", len(files))
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/3])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		mf, err := matfile.Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		net, err := fromMat(mf, "fuzz.mat")
		if err != nil {
			return
		}
		task, err := LookupTask(net.Config.Task)
		if err != nil || task.NumInputs() != net.NIn || net.N() > 64 {
			return
		}
		_ = net.Summary()
		tr := task.NewTrial(NewRand(1))
		_, _ = net.Run(tr.U, RunOptions{})
	})
}
