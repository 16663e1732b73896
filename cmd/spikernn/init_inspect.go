package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spikernn/spikernn/spikernn"
)

func init() {
	register(&command{
		name:    "init",
		usage:   "init --task TASK --N N --seed S --output_dir DIR [network flags]",
		summary: "write an untrained rate network as a model file (reference naming) and print its path",
		run:     runInit,
	})
	register(&command{
		name:    "inspect",
		usage:   "inspect FILE.mat [FILE.mat ...]",
		summary: "describe model files (spikernn's or the reference tools'): sizes, weights, decay constants, training, scaling",
		run:     runInspect,
	})
}

var initSpecs = append(append([]argSpec(nil), configSpecs...),
	argSpec{name: "compress", nargs: 0, help: "write zlib-compressed variables (like MATLAB/Octave save -v7)"})

func runInit(args []string, stdout, stderr io.Writer) error {
	p, err := parseArgs("init", args, initSpecs, stdout)
	if err != nil {
		return err
	}
	if len(p.positional) > 0 {
		return fmt.Errorf("init: unexpected argument %q", p.positional[0])
	}
	cfg, err := configFromArgs(p)
	if err != nil {
		return err
	}
	seed, err := p.uint64("seed", 1)
	if err != nil {
		return err
	}
	net, err := spikernn.NewNetwork(cfg, seed)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	// An untrained network's file still carries every reference variable:
	// one trial and a 100-trial evaluation of the initial weights.
	if net.Training, err = net.Baseline(seed); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	path, err := net.SaveNew(p.str("output_dir", "."), time.Now(), spikernn.SaveOptions{Compress: p.has("compress")})
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	fmt.Fprintln(stdout, path)
	return nil
}

func runInspect(args []string, stdout, stderr io.Writer) error {
	p, err := parseArgs("inspect", args, nil, stdout)
	if err != nil {
		return err
	}
	if len(p.positional) == 0 {
		return fmt.Errorf("inspect: give one or more model files")
	}
	for i, path := range p.positional {
		net, err := spikernn.LoadModel(path)
		if err != nil {
			return fmt.Errorf("inspect: %w", err)
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "%-13s%s\n%s", "file:", path, net.Summary())
	}
	return nil
}
