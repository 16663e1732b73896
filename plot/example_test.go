package plot_test

import (
	"bytes"
	"fmt"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/spikernn/spikernn/plot"
	"github.com/spikernn/spikernn/spikernn"
)

// tempDir returns a fresh directory for an example's files.
func tempDir() string {
	dir, err := os.MkdirTemp("", "spikernn-plot-example")
	if err != nil {
		log.Fatal(err)
	}
	return dir
}

// pngSize reports the pixel size of a PNG file.
func pngSize(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		log.Fatal(err)
	}
	return fmt.Sprintf("%dx%d", img.Bounds().Dx(), img.Bounds().Dy())
}

// A raster of 40 units (every fifth inhibitory) firing regularly over 1 s.
func ExampleRaster() {
	dir := tempDir()
	defer os.RemoveAll(dir)

	inh := make([]bool, 40)
	var spikes []spikernn.Spike
	for u := range inh {
		inh[u] = u%5 == 4
		rate := 10.0 + float64(u%7) // Hz
		for t := 0.01 * float64(u%10); t < 1; t += 1 / rate {
			spikes = append(spikes, spikernn.Spike{Unit: u, Time: t})
		}
	}
	fig, err := plot.Raster(spikes, inh, plot.RasterOptions{SortEI: true, Duration: 1})
	if err != nil {
		log.Fatal(err)
	}
	path := filepath.Join(dir, "raster.png")
	if err := fig.Save(path); err != nil {
		log.Fatal(err)
	}
	fmt.Println("raster.png", pngSize(path))
	// Output: raster.png 990x570
}

// Mean +/- SD outputs of Go and NoGo trials with their targets and the
// decision thresholds, as in Fig 1 of the paper.
func ExampleTraces() {
	dir := tempDir()
	defer os.RemoveAll(dir)

	const T = 200 // steps of 5 ms
	var trials [][]float64
	var conds []string
	for i := range 20 {
		o := make([]float64, T-1)
		for k := range o {
			noise := 0.05 * math.Sin(float64(7*k+13*i))
			if i%2 == 0 {
				o[k] = 1/(1+math.Exp(-float64(k-85)/4)) + noise
			} else {
				o[k] = noise
			}
		}
		trials = append(trials, o)
		conds = append(conds, map[bool]string{true: "Go", false: "NoGo"}[i%2 == 0])
	}
	zGo := make([]float64, T)
	for k := 75; k < T; k++ {
		zGo[k] = 1
	}
	fig, err := plot.Traces(spikernn.StepMs/1000, trials, conds, plot.TraceOptions{
		Targets:    map[string][]float64{"Go": zGo, "NoGo": make([]float64, T)},
		Thresholds: []float64{0.7, 0.3},
		Windows:    []plot.Window{{Start: 0.25, Stop: 0.375, Label: "stimulus"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := fig.Save(filepath.Join(dir, "outputs.svg")); err != nil {
		log.Fatal(err)
	}
	fmt.Println(fig.Panel(0, 0).X.Label.Text)
	// Output: Time (ms)
}

// PCA of trajectories that lie on a plane: two components explain all the
// variance.
func ExamplePCA() {
	dir := tempDir()
	defer os.RemoveAll(dir)

	var trajs [][][]float64
	var conds []string
	for i := range 10 {
		sign := float64(2*(i%2) - 1)
		var tr [][]float64
		for t := range 50 {
			a, b := float64(t)/50, sign*math.Sin(float64(t)/10)
			tr = append(tr, []float64{a + b, a - b, 2 * a, b, 0.5})
		}
		trajs = append(trajs, tr)
		conds = append(conds, map[bool]string{true: "A", false: "B"}[sign > 0])
	}
	fig, explained, err := plot.PCA(trajs, conds, 3)
	if err != nil {
		log.Fatal(err)
	}
	if err := fig.Save(filepath.Join(dir, "pca.png")); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("top 2 PCs explain %.1f%%\n", 100*(explained[0]+explained[1]))
	// Output: top 2 PCs explain 100.0%
}

// The scaling-factor grid search of a model, best factor marked.
func ExamplePerformanceVsScale() {
	dir := tempDir()
	defer os.RemoveAll(dir)

	factors := []float64{20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75}
	perfs := []float64{0.62, 0.96, 0.93, 0.9, 0.85, 0.8, 0.71, 0.66, 0.6, 0.55, 0.52, 0.5}
	fig, err := plot.PerformanceVsScale(factors, perfs, 0) // 0: mark the best factor
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(fig.Panel(0, 0).X.Label.Text)
	fmt.Println(fig.Save(filepath.Join(dir, "scaling.pdf")))
	// Output:
	// Scaling factor 1/λ
	// <nil>
}

// A weight matrix with the excitatory units first and a line at the
// boundary.
func ExampleHeatmap() {
	inh := []bool{false, true, false, false, true, false}
	w := mat.NewDense(6, 6, nil)
	for i := range 6 {
		for j := range 6 {
			v := float64((i*7+j*3)%5) / 10
			if inh[j] {
				v = -v
			}
			w.Set(i, j, v)
		}
	}
	order, nExc := plot.SortEI(inh)
	fig, err := plot.Heatmap(w, plot.HeatmapOptions{Order: order, Separators: []int{nExc}})
	if err != nil {
		log.Fatal(err)
	}
	svg, err := fig.SVG()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(order, nExc, bytes.Contains(svg, []byte("<image")))
	// Output: [0 2 3 5 1 4] 4 true
}

// Bad input gives an error wrapping plot.ErrInput, never a panic.
func ExampleScatter_error() {
	_, err := plot.Scatter([]float64{1, 2}, []float64{1}, plot.ScatterOptions{})
	fmt.Println(err)
	// Output: plot: invalid input: x has 2 entries, y 1
}

// Panels of several figures combined side by side, sized in pixels.
func ExampleGrid() {
	a, err := plot.Histogram([]float64{20, 25, 25, 30, 35, 40, 45, 50}, 6, "Decay constant (ms)")
	if err != nil {
		log.Fatal(err)
	}
	b, err := plot.Eigenspectrum([]complex128{0.5, complex(0.2, 0.4), complex(0.2, -0.4), -0.9}, plot.EigenOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fig, err := plot.Grid(1, 2, slices.Concat(a.Panels(), b.Panels())...)
	if err != nil {
		log.Fatal(err)
	}
	fig.WithPixels(1200, 450).WithTitle("Two panels")
	b2, err := fig.PNG()
	if err != nil {
		log.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b2))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(img.Bounds().Size())
	// Output: (1200,450)
}
