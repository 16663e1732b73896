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
	for _, name := range []string{"ref_gonogo.mat", "ref_gonogo_v7.mat", "ref_xor.mat", "ref_nodale.mat"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
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
