package main

import (
	"fmt"
	"io"

	"github.com/spikernn/spikernn/pipeline"
	"github.com/spikernn/spikernn/spikernn"
)

func init() {
	register(&command{
		name:    "init",
		summary: "write an untrained rate network as a model file (reference naming) and print its path",
		run:     runInit,
	})
}

type initFlags struct {
	net      networkFlags
	outDir   string
	compress bool
}

func parseInit(args []string, w io.Writer) (*initFlags, error) {
	f := &initFlags{}
	fs := newFlagSet("init", "init --task TASK --N N --seed S --output_dir DIR [network flags]",
		"Build an untrained rate network and write it as a model file with every variable the reference writes\n"+
			"(one trial and a 100-trial evaluation of the initial weights).")
	f.net.declare(fs, "go-nogo")
	fs.stringVar(&f.outDir, "output_dir", ".", "folder under which models/<task>/... is created")
	fs.switchVar(&f.compress, "compress", "write zlib-compressed variables (like MATLAB/Octave save -v7)")
	if err := fs.parse(args, w); err != nil {
		return nil, err
	}
	return f, fs.noArgs()
}

func runInit(args []string, stdout, stderr io.Writer) error {
	f, err := parseInit(args, stdout)
	if err != nil {
		return err
	}
	cfg, err := f.net.config("init")
	if err != nil {
		return err
	}
	if err := pipeline.CheckOutput(f.outDir, cfg); err != nil {
		return fmt.Errorf("init: --output_dir: %w", err)
	}
	net, err := spikernn.NewNetwork(cfg, f.net.seed)
	if err != nil {
		return flagError("init", err)
	}
	ctx, stop := interruptContext()
	defer stop()
	term := newTerminal(stderr, 25)
	net.Training, err = net.Baseline(ctx, f.net.seed, term)
	term.finish()
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	path, err := pipeline.SaveNew(&pipeline.Model{Net: net}, f.outDir, spikernn.SaveOptions{Compress: f.compress})
	if path != "" {
		fmt.Fprintln(stdout, path)
	}
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	return nil
}
