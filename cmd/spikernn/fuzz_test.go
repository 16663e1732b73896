package main

import (
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/spikernn/spikernn/spikernn"
)

// FuzzFlags feeds arbitrary command lines through the flag parser with the
// flags train, init, lif and lambda-search declare (the reference's
// network flags, the neuron flags, the backend flags, lists, switches and
// numbers). Parsing and validation must return values or an error naming
// the problem, never panic, and what they accept must be usable: a
// configuration that validates, finite numbers, a network size within the
// limits.
func FuzzFlags(f *testing.F) {
	for _, s := range []string{
		"--mode train --N 200 --som_N 0 --task go-nogo --act sigmoid --loss_fn l2 --output_dir out",
		"--n_tr 500 --gain 1.5 --decay_taus 4 20 --apply_dale False",
		"--decay_taus=4,20,30 --P_inh 0.2 --P_rec=0.2 --w_dist gamma",
		"--model qif --tref 0 --vpeak 30 --bias 0 --tr 0 --noise_sd 0.1 --initial",
		"--N -1", "--N 3000000000", "--gain NaN", "--P_inh 1e400", "--decay_taus", "--", "-", "--=",
		"--seed 18446744073709551615", "--seed -1", "--apply_dale maybe", "--act Sigmoid --loss_fn L1",
		"MODEL.mat --force maybe", "--workers -3 --downsample 0", "--gpu 0 --gpu_frac 2",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var argv []string
		if strings.ContainsRune(line, 0) {
			argv = strings.Split(line, "\x00")
		} else {
			argv = strings.Fields(line)
		}
		fs := newFlagSet("fuzz", "fuzz [flags]", "")
		var nf networkFlags
		nf.declare(fs, "go-nogo")
		var lf neuronFlags
		lf.declare(fs)
		var bf backendFlags
		bf.declare(fs)
		var trials int
		var force bool
		fs.intVar(&trials, "n_trials", 100, "")
		fs.boolVar(&force, "force", false, "")
		err := fs.parse(argv, io.Discard)
		if err != nil {
			if errors.Is(err, errHelp) {
				return
			}
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		cfg, err := nf.config("fuzz")
		if err == nil {
			if cfg.Validate() != nil {
				t.Fatalf("accepted an invalid configuration: %+v", cfg)
			}
			if spikernn.CheckN("N", cfg.N) != nil {
				t.Fatalf("accepted N = %d", cfg.N)
			}
			for _, x := range append([]float64{cfg.Gain, cfg.PInh, cfg.PRec}, cfg.Taus...) {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Fatalf("accepted a non-finite number: %+v", cfg)
				}
			}
		}
		if p, err := lf.params("fuzz"); err == nil {
			if p.Validate() != nil {
				t.Fatalf("accepted invalid neuron parameters: %+v", p)
			}
		}
		_ = checkTrials("fuzz", "n_trials", trials)
	})
}
