package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/plot"
	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

// referenceCheck runs what the reference's eval_go_nogo.m runs: the LIF
// network of a Go-NoGo model at its opt_scaling_factor on one NoGo trial
// (u = zeros(1, 201)) and one Go trial with the pulse at columns 31-50
// (MATLAB's u(31:50) = 1), and prints what its figures show: the two
// output traces and the spikes.
func referenceCheck(f *lifFlags, rate *spikernn.Network, net *lifsim.Network, w io.Writer) error {
	if rate.Config.Task != "go-nogo" {
		return fmt.Errorf("lif: --reference-check is the reference's Go-NoGo check; %s is a %s model", f.path, rate.Config.Task)
	}
	if !f.fs.given("scale") && !rate.Scaling.Finished() {
		return errors.New("lif: --reference-check needs opt_scaling_factor (run lambda-search first) or --scale")
	}
	nogo := mat.NewDense(1, 201, nil)
	gou := mat.NewDense(1, 201, nil)
	for c := 30; c < 50; c++ { // MATLAB columns 31..50
		gou.Set(0, c, 1)
	}
	fmt.Fprintf(w, "model: %s\nreference check (eval_go_nogo.m): LIF network at s = %s (lambda = 1/%s), seed %d\n",
		f.path, fmtNum(net.Scale), fmtNum(net.Scale), f.seed)
	fmt.Fprintf(w, "%-6s %8s %8s %8s %8s %10s %10s %8s\n", "trial", "out@0.25", "out@0.5", "out@0.75", "out@1.0", "max(t>=.5)", "E/I (Hz)", "spikes")
	var outs [][]float64
	var results []*lifsim.Result
	for i, tr := range []struct {
		name string
		u    *mat.Dense
	}{{"NoGo", nogo}, {"Go", gou}} {
		res, err := net.Run(tr.u, lifsim.RunOptions{Seed: f.seed, Stream: uint64(i)})
		if err != nil {
			return fmt.Errorf("lif: reference check: %w", err)
		}
		at := func(t float64) float64 { return res.Out[min(max(int(t/res.Dt+0.5)-1, 0), len(res.Out)-1)] }
		peak := res.Out[int(0.5/res.Dt)-1]
		for _, v := range res.Out[int(0.5/res.Dt)-1:] {
			peak = max(peak, v)
		}
		fmt.Fprintf(w, "%-6s %8.3f %8.3f %8.3f %8.3f %10.3f %4.1f/%-5.1f %8d\n", tr.name, at(0.25), at(0.5), at(0.75), at(1.0),
			peak, res.ExcRate, res.InhRate, len(res.Spikes))
		outs, results = append(outs, res.Out), append(results, res)
	}
	if f.figures == "" {
		return nil
	}
	fw, _ := newFigureWriter(f.figures, f.format)
	dt := results[0].Dt
	if err := fw.save("reference_check_outputs")(plot.Traces(dt, outs, []string{"NoGo", "Go"},
		plot.TraceOptions{Start: dt, Title: "eval_go_nogo.m: LIF output, NoGo and Go (pulse at 150-250 ms)"})); err != nil {
		return fmt.Errorf("lif: %w", err)
	}
	for i, name := range []string{"NoGo", "Go"} {
		if err := fw.save("reference_check_raster_" + name)(plot.Raster(results[i].Spikes, rate.Inh,
			plot.RasterOptions{Duration: results[i].TSec, Title: name + " trial"})); err != nil {
			return fmt.Errorf("lif: %w", err)
		}
	}
	for _, p := range fw.files {
		fmt.Fprintf(w, "wrote %s\n", p)
	}
	return nil
}
