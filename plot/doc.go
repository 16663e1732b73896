// Package plot draws the figures of the spikernn replication notebooks and
// command line with gonum.org/v1/plot: output traces over many trials,
// spike rasters, firing-rate and decay-constant distributions, rate vs LIF
// scatter plots, the scaling-factor search, training curves, PCA of
// population trajectories, eigenvalue spectra and weight matrices.
//
// Every figure function takes plain data (slices, gonum matrices and
// spikernn types), validates it and returns a *Figure or an error wrapping
// ErrInput; it never panics on bad input. A Figure renders to PNG, SVG or
// PDF bytes, or saves atomically to a file named by its format:
//
//	fig, err := plot.Raster(spikes, net.Inh, plot.RasterOptions{SortEI: true})
//	if err != nil { ... }
//	png, err := fig.PNG()             // e.g. gonbui.DisplayPNG(png)
//	err = fig.Save("fig2_raster.svg") // .png, .svg or .pdf
//
// Times are given in seconds throughout (the rate network's step is
// spikernn.StepMs milliseconds) and drawn in ms or s. Excitatory units are
// drawn in ExcColor (red) and inhibitory units in InhColor (blue), as in the
// paper. Panels are ordinary *gonum.org/v1/plot.Plot values that a notebook
// may adjust (Figure.Panel) before rendering, and Grid combines panels of
// several figures.
//
// The package imports neither GoMLX nor the notebook kernel, so the command
// line and the notebooks share it.
package plot
