package main

import (
	"fmt"
	"io"

	"github.com/spikernn/spikernn/spikernn"
)

func init() {
	register(&command{
		name:    "inspect",
		summary: "describe model files (spikernn's or the reference tools'): sizes, weights, decay constants, training, scaling",
		run:     runInspect,
	})
}

type inspectFlags struct {
	files    []string
	spectrum bool
}

func parseInspect(args []string, w io.Writer) (*inspectFlags, error) {
	f := &inspectFlags{}
	fs := newFlagSet("inspect", "inspect FILE.mat [FILE.mat ...]",
		"Describe model files: task, sizes, E/I/SOM units, weights, spectral radius, decay constants, training, scaling factor.")
	fs.switchVar(&f.spectrum, "full_spectrum", fmt.Sprintf("compute the spectral radius from the full eigenvalue spectrum at any N (default: above N = %d an iterative estimate)", spikernn.FullSpectrumMaxN))
	if err := fs.parse(args, w); err != nil {
		return nil, err
	}
	if len(fs.args) == 0 {
		return nil, fmt.Errorf("inspect: give one or more model files")
	}
	var err error
	if f.files, err = fs.files("model file"); err != nil {
		return nil, err
	}
	return f, nil
}

func runInspect(args []string, stdout, stderr io.Writer) error {
	f, err := parseInspect(args, stdout)
	if err != nil {
		return err
	}
	for i, path := range f.files {
		net, err := spikernn.LoadModel(path)
		if err != nil {
			return fmt.Errorf("inspect: %w", err)
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "%-13s%s\n%s", "file:", path, net.SummaryWith(spikernn.SummaryOptions{FullSpectrum: f.spectrum}))
	}
	return nil
}
