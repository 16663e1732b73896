package plot

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	gplot "gonum.org/v1/plot"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"

	"github.com/spikernn/spikernn/spikernn"
)

func TestTraces(t *testing.T) {
	rng := newRng(1)
	trials, conds, targets := goNoGoOutputs(rng, 30, 20)
	fig, err := Traces(0.005, trials, conds, TraceOptions{
		Targets:    targets,
		Thresholds: []float64{0.7, 0.3},
		ShowTrials: 5,
		Windows:    []Window{{Start: 0.25, Stop: 0.375, Label: "stimulus"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	paths := render(t, "traces", fig)
	// 5 thin traces per condition, drawn in the condition colours with
	// opacity; one mean line of width 1.6 per condition (+ its legend thumb).
	if n := countPaths(paths, "stroke:"+svgColor(withAlpha(Color(0), 0.3)), "stroke-width:0.5"); n != 5 {
		t.Errorf("Go thin traces: %d, want 5", n)
	}
	if n := countPaths(paths, "stroke:#FF7F0E", "stroke-width:1.6"); n != 2 {
		t.Errorf("NoGo mean lines (plot + legend): %d, want 2", n)
	}
	p := fig.Panel(0, 0)
	if p.X.Label.Text != "Time (ms)" || p.X.Max != 995 { // 199 outputs of 5 ms
		t.Errorf("x axis %q up to %v", p.X.Label.Text, p.X.Max)
	}

	// Separate panels share the y axis; seconds on request; no conditions.
	fig, err = Traces(0.005, trials, conds, TraceOptions{Separate: true, TimeUnit: "s", Title: "LIF"})
	if err != nil {
		t.Fatal(err)
	}
	if fig.Cols() != 2 || fig.Panel(0, 0).Title.Text != "Go" || fig.Panel(0, 0).Y.Max != fig.Panel(0, 1).Y.Max {
		t.Error("separate panels")
	}
	if fig.Panel(0, 1).X.Label.Text != "Time (s)" {
		t.Error("time unit s")
	}
	render(t, "traces_separate", fig)
	fig, err = Traces(5e-5, [][]float64{make([]float64, 30000)}, nil, TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	paths = render(t, "traces_long", fig)
	for _, p := range paths {
		if n := strings.Count(p.D, "L"); n > 2000 {
			t.Errorf("a path has %d segments; MaxPoints should cap it at 2000", n)
		}
	}

	good := [][]float64{{0, 1}, {1, 2}}
	for name, f := range map[string]func() error{
		"no trials":    func() error { _, err := Traces(1, nil, nil, TraceOptions{}); return err },
		"dt 0":         func() error { _, err := Traces(0, good, nil, TraceOptions{}); return err },
		"ragged":       func() error { _, err := Traces(1, [][]float64{{0, 1}, {1}}, nil, TraceOptions{}); return err },
		"empty trial":  func() error { _, err := Traces(1, [][]float64{{}}, nil, TraceOptions{}); return err },
		"NaN":          func() error { _, err := Traces(1, [][]float64{{0, math.NaN()}}, nil, TraceOptions{}); return err },
		"conds length": func() error { _, err := Traces(1, good, []string{"a"}, TraceOptions{}); return err },
		"unit":         func() error { _, err := Traces(1, good, nil, TraceOptions{TimeUnit: "min"}); return err },
		"target cond": func() error {
			_, err := Traces(1, good, nil, TraceOptions{Targets: map[string][]float64{"x": {1}}})
			return err
		},
		"target NaN": func() error {
			_, err := Traces(1, good, nil, TraceOptions{Targets: map[string][]float64{"": {math.NaN()}}})
			return err
		},
		"threshold Inf": func() error {
			_, err := Traces(1, good, nil, TraceOptions{Thresholds: []float64{math.Inf(1)}})
			return err
		},
		"window reverse": func() error {
			_, err := Traces(1, good, nil, TraceOptions{Windows: []Window{{Start: 2, Stop: 1}}})
			return err
		},
	} {
		wantInputError(t, name, f())
	}
}

func TestRaster(t *testing.T) {
	rng := newRng(2)
	inh := cellTypes(rng, 120)
	sp := poissonSpikes(rng, inh, 1)
	nInh := 0
	for _, s := range sp {
		if inh[s.Unit] {
			nInh++
		}
	}
	fig, err := Raster(sp, inh, RasterOptions{SortEI: true, Duration: 1, Windows: []Window{{Start: 0.25, Stop: 0.375}}})
	if err != nil {
		t.Fatal(err)
	}
	paths := render(t, "raster", fig)
	// One subpath per spike, in red for excitatory and blue for inhibitory units.
	if got := countMoves(paths, "stroke:#D62728", "stroke-width:0.6"); got != len(sp)-nInh {
		t.Errorf("excitatory marks: %d, want %d", got, len(sp)-nInh)
	}
	if got := countMoves(paths, "stroke:#1F77B4", "stroke-width:0.6"); got != nInh {
		t.Errorf("inhibitory marks: %d, want %d", got, nInh)
	}
	// Sorted: all inhibitory marks above all excitatory marks (SVG
	// coordinates keep the y axis pointing up).
	_, excY := markYs(paths, "stroke:#D62728;stroke-width:0.6")
	_, inhY := markYs(paths, "stroke:#1F77B4;stroke-width:0.6")
	if len(excY) == 0 || len(inhY) == 0 || maxOf(excY) >= minOf(inhY) {
		t.Errorf("SortEI: excitatory marks should lie below inhibitory ones")
	}

	// A shorter Duration drops the later spikes from the drawing.
	fig, err = Raster(sp, inh, RasterOptions{Duration: 0.5, TimeUnit: "s"})
	if err != nil {
		t.Fatal(err)
	}
	paths = render(t, "raster_half", fig)
	early := 0
	for _, s := range sp {
		if s.Time <= 0.5 {
			early++
		}
	}
	if got := countMoves(paths, "stroke-width:0.6"); got != early {
		t.Errorf("marks within 0.5 s: %d, want %d", got, early)
	}
	// Without cell types: black marks, no legend; a silent network.
	if fig, err = Raster(sp[:10], nil, RasterOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := countMoves(render(t, "raster_untyped", fig), "stroke:#000000", "stroke-width:0.6"); got != 10 {
		t.Errorf("untyped marks: %d, want 10", got)
	}
	if _, err = Raster(nil, inh, RasterOptions{Duration: 1}); err != nil {
		t.Errorf("silent network: %v", err)
	}

	for name, f := range map[string]func() error{
		"nothing":     func() error { _, err := Raster(nil, nil, RasterOptions{}); return err },
		"no duration": func() error { _, err := Raster(nil, inh, RasterOptions{}); return err },
		"unit range": func() error {
			_, err := Raster([]spikernn.Spike{{Unit: 120, Time: 0.1}}, inh, RasterOptions{})
			return err
		},
		"negative unit": func() error {
			_, err := Raster([]spikernn.Spike{{Unit: -1, Time: 0.1}}, inh, RasterOptions{})
			return err
		},
		"NaN time": func() error {
			_, err := Raster([]spikernn.Spike{{Unit: 1, Time: math.NaN()}}, inh, RasterOptions{})
			return err
		},
		"negative time": func() error {
			_, err := Raster([]spikernn.Spike{{Unit: 1, Time: -1}}, inh, RasterOptions{})
			return err
		},
		"bad unit name": func() error { _, err := Raster(sp, inh, RasterOptions{TimeUnit: "h"}); return err },
	} {
		wantInputError(t, name, f())
	}
}

func TestHistograms(t *testing.T) {
	rng := newRng(3)
	inh := cellTypes(rng, 200)
	rates := firingRates(poissonSpikes(rng, inh, 1), 200, 1)
	fig, err := RateHistogram(rates, inh, 0)
	if err != nil {
		t.Fatal(err)
	}
	paths := render(t, "rates", fig)
	if countPaths(paths, "fill:"+svgColor(withAlpha(ExcColor, 0.75))) == 0 || countPaths(paths, "fill:"+svgColor(withAlpha(InhColor, 0.75))) == 0 {
		t.Error("rate histogram lacks red or blue bars")
	}
	if fig.Cols() != 2 || !strings.HasPrefix(fig.Panel(0, 0).Title.Text, "Excitatory") {
		t.Error("E/I panels")
	}
	taus := make([]float64, 250)
	for i := range taus {
		taus[i] = 20 + 30*sigm(rng.NormFloat64())
	}
	fig, err = Histogram(taus, 12, "Decay constant (ms)")
	if err != nil {
		t.Fatal(err)
	}
	render(t, "hist", fig)
	// Every value lands in a bin.
	var total float64
	for _, c := range binCounts(taus, binEdges([][]float64{taus}, 12)) {
		total += c
	}
	if total != 250 {
		t.Errorf("histogram holds %v values, want 250", total)
	}
	if c := binCounts([]float64{0, 1, 2, 3, 4}, []float64{0, 2, 4}); c[0] != 2 || c[1] != 3 {
		t.Errorf("binCounts = %v, want [2 3]", c)
	}
	if got := formatMeanSD(38.91, 9.34); got != "38.9 ± 9.3" {
		t.Errorf("formatMeanSD = %q", got)
	}
	// Constant values still plot.
	if _, err := Histogram([]float64{5, 5, 5}, 0, "x"); err != nil {
		t.Error(err)
	}

	for name, f := range map[string]func() error{
		"empty":    func() error { _, err := Histogram(nil, 0, ""); return err },
		"NaN":      func() error { _, err := Histogram([]float64{1, math.NaN()}, 0, ""); return err },
		"length":   func() error { _, err := HistogramEI([]float64{1, 2}, []bool{true}, 0, ""); return err },
		"negative": func() error { _, err := RateHistogram([]float64{1, -2}, []bool{true, false}, 0); return err },
	} {
		wantInputError(t, name, f())
	}
}

func TestScatter(t *testing.T) {
	rng := newRng(4)
	inh := cellTypes(rng, 100)
	x, y := make([]float64, 100), make([]float64, 100)
	nInh := 0
	for i := range x {
		x[i] = rng.Float64()
		y[i] = 2*x[i] + 1
		if inh[i] {
			nInh++
		}
	}
	fig, err := Scatter(x, y, ScatterOptions{Inh: inh, Fit: true, Identity: true, XLabel: "r", YLabel: "Hz"})
	if err != nil {
		t.Fatal(err)
	}
	paths := render(t, "scatter", fig)
	// One filled circle per point (plus one legend glyph per population).
	if got := countPaths(paths, "fill:"+svgColor(withAlpha(InhColor, 0.7))); got != nInh+1 {
		t.Errorf("inhibitory points: %d, want %d", got, nInh+1)
	}
	if got := countPaths(paths, "fill:"+svgColor(withAlpha(ExcColor, 0.7))); got != 100-nInh+1 {
		t.Errorf("excitatory points: %d, want %d", got, 100-nInh+1)
	}
	p := fig.Panel(0, 0)
	if p.X.Min != p.Y.Min || p.X.Max != p.Y.Max {
		t.Error("Identity should give equal ranges")
	}
	if !legendHas(p, "y = 2 x + 1 (r = 1.00)") {
		t.Error("fit legend")
	}
	for name, f := range map[string]func() error{
		"empty":  func() error { _, err := Scatter(nil, nil, ScatterOptions{}); return err },
		"length": func() error { _, err := Scatter([]float64{1}, []float64{1, 2}, ScatterOptions{}); return err },
		"NaN":    func() error { _, err := Scatter([]float64{1}, []float64{math.NaN()}, ScatterOptions{}); return err },
		"inh":    func() error { _, err := Scatter([]float64{1}, []float64{1}, ScatterOptions{Inh: []bool{}}); return err },
		"flat fit": func() error {
			_, err := Scatter([]float64{1, 1}, []float64{1, 2}, ScatterOptions{Fit: true})
			return err
		},
	} {
		wantInputError(t, name, f())
	}
}

func TestPerformanceVsScale(t *testing.T) {
	fac := []float64{20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75}
	perf := []float64{0.6, 0.97, 0.97, 0.9, 0.88, 0.8, 0.7, 0.66, 0.6, 0.55, 0.52, 0.5}
	fig, err := PerformanceVsScale(fac, perf, 0)
	if err != nil {
		t.Fatal(err)
	}
	render(t, "scale", fig)
	p := fig.Panel(0, 0)
	if !legendHas(p, "1/λ = 25 (97%)") {
		t.Error("best = 0 should pick the first best factor, 25")
	}
	if !strings.Contains(p.X.Label.Text, "1/λ") {
		t.Errorf("x label %q", p.X.Label.Text)
	}
	fig, err = Scaling(&spikernn.ScalingSearch{OptScalingFactor: 60, ScalingFactors: fac, AllPerfs: perf})
	if err != nil {
		t.Fatal(err)
	}
	if !legendHas(fig.Panel(0, 0), "1/λ = 60 (60%)") {
		t.Error("Scaling should mark OptScalingFactor")
	}
	// An unfinished search: the factors scored so far, the best of them.
	nan := math.NaN()
	fig, err = Scaling(&spikernn.ScalingSearch{OptScalingFactor: nan, ScalingFactors: fac[:4], AllPerfs: []float64{0.6, 0.8, nan, nan}})
	if err != nil {
		t.Fatal(err)
	}
	if !legendHas(fig.Panel(0, 0), "1/λ = 25 (80%)") {
		t.Error("Scaling of an unfinished search should mark its best factor so far")
	}
	for name, f := range map[string]func() error{
		"empty":    func() error { _, err := PerformanceVsScale(nil, nil, 0); return err },
		"length":   func() error { _, err := PerformanceVsScale(fac, perf[1:], 0); return err },
		"not grid": func() error { _, err := PerformanceVsScale(fac, perf, 33); return err },
		"over 1":   func() error { _, err := PerformanceVsScale([]float64{1}, []float64{97}, 0); return err },
		"NaN":      func() error { _, err := PerformanceVsScale([]float64{1}, []float64{math.NaN()}, 0); return err },
		"nil":      func() error { _, err := Scaling(nil); return err },
		"none scored": func() error {
			_, err := Scaling(&spikernn.ScalingSearch{OptScalingFactor: math.NaN(), ScalingFactors: fac[:1], AllPerfs: []float64{math.NaN()}})
			return err
		},
	} {
		wantInputError(t, name, f())
	}
}

func TestSweepAndBars(t *testing.T) {
	mark := 2.0
	fig, err := Sweep([]Series{
		{Label: "rate", X: []float64{10, 50, 100, 250, 400}, Y: []float64{0.69, 0.95, 0.99, 1, 1}},
		{Label: "LIF", X: []float64{400, 10, 50, 100, 250}, Y: []float64{0.9, 0.2, 0.6, 0.8, 0.93}, SD: []float64{0.05, 0.2, 0.15, 0.1, 0.05}},
	}, SweepOptions{XLabel: "Network size N", YLabel: "Success (%)", Percent: true, LogX: true})
	if err != nil {
		t.Fatal(err)
	}
	render(t, "sweep", fig)
	fig, err = Sweep([]Series{{X: []float64{0, 2, 5, 10, 20, 50}, Y: []float64{0.928, 0.97, 0.95, 0.9, 0.7, 0.4}}},
		SweepOptions{XLabel: "Refractory period (ms)", YLabel: "Performance", Mark: &mark, MarkLabel: "2 ms"})
	if err != nil {
		t.Fatal(err)
	}
	render(t, "sweep_mark", fig)
	// A binomial interval is asymmetric: 10 of 10 has no room above.
	fig, err = Sweep([]Series{{X: []float64{10, 50, 100}, Y: []float64{0.2, 0.7, 1},
		Lo: []float64{0.06, 0.4, 0.72}, Hi: []float64{0.51, 0.89, 1}}},
		SweepOptions{XLabel: "N", YLabel: "Trained (%)", Percent: true})
	if err != nil {
		t.Fatal(err)
	}
	render(t, "sweep_interval", fig)
	// Fig 2D: the trained mean against the largest allowed decay constant, under y = x.
	fig, err = Sweep([]Series{{X: []float64{20, 50, 200, 1000}, Y: []float64{20, 33, 97, 345}, SD: []float64{0, 3, 10, 30}}},
		SweepOptions{XLabel: "tau_max (ms)", YLabel: "mean tau (ms)", Identity: true, IdentityLabel: "y = x"})
	if err != nil {
		t.Fatal(err)
	}
	if p := fig.Panel(0, 0); p.Y.Max < 1000 || p.Y.Min > 20 {
		t.Errorf("the identity line is not inside the y range %v-%v", p.Y.Min, p.Y.Max)
	}
	render(t, "sweep_identity", fig)
	fig, err = Distributions([]Distribution{
		{Label: "tuned", Values: []float64{0.9, 0.95, 0.97, 0.6, 1}},
		{Label: "fixed", Values: []float64{0.5, 0.7, 0.8}},
	}, DistOptions{YLabel: "LIF performance (%)", Percent: true})
	if err != nil {
		t.Fatal(err)
	}
	render(t, "distributions", fig)
	fig, err = Bars([]string{"single", "double"}, []float64{0.957, 0.970}, []float64{0.073, 0.066}, "Performance")
	if err != nil {
		t.Fatal(err)
	}
	render(t, "bars", fig)
	for name, f := range map[string]func() error{
		"no series": func() error { _, err := Sweep(nil, SweepOptions{}); return err },
		"length": func() error {
			_, err := Sweep([]Series{{X: []float64{1, 2}, Y: []float64{1}}}, SweepOptions{})
			return err
		},
		"SD length": func() error {
			_, err := Sweep([]Series{{X: []float64{1}, Y: []float64{1}, SD: []float64{}}}, SweepOptions{})
			return err
		},
		"log x": func() error {
			_, err := Sweep([]Series{{X: []float64{0}, Y: []float64{1}}}, SweepOptions{LogX: true})
			return err
		},
		"NaN mark": func() error {
			nan := math.NaN()
			_, err := Sweep([]Series{{X: []float64{1}, Y: []float64{1}}}, SweepOptions{Mark: &nan})
			return err
		},
		"interval below Y": func() error {
			_, err := Sweep([]Series{{X: []float64{1}, Y: []float64{0.5}, Lo: []float64{0.6}, Hi: []float64{0.9}}}, SweepOptions{})
			return err
		},
		"SD and interval": func() error {
			_, err := Sweep([]Series{{X: []float64{1}, Y: []float64{0.5}, SD: []float64{0.1}, Lo: []float64{0.4}, Hi: []float64{0.6}}}, SweepOptions{})
			return err
		},
		"Hi missing": func() error {
			_, err := Sweep([]Series{{X: []float64{1}, Y: []float64{0.5}, Lo: []float64{0.4}}}, SweepOptions{})
			return err
		},
		"no groups":   func() error { _, err := Distributions(nil, DistOptions{}); return err },
		"empty group": func() error { _, err := Distributions([]Distribution{{Label: "a"}}, DistOptions{}); return err },
		"NaN value": func() error {
			_, err := Distributions([]Distribution{{Label: "a", Values: []float64{math.NaN()}}}, DistOptions{})
			return err
		},
		"no bars":    func() error { _, err := Bars(nil, nil, nil, ""); return err },
		"bar length": func() error { _, err := Bars([]string{"a"}, []float64{1, 2}, nil, ""); return err },
		"bar SD NaN": func() error { _, err := Bars([]string{"a"}, []float64{1}, []float64{math.NaN()}, ""); return err },
	} {
		wantInputError(t, name, f())
	}
}

func TestTrainingCurves(t *testing.T) {
	rng := newRng(5)
	l, et, el, ep := lossCurve(rng, 1500)
	padded := append(append([]float64(nil), l...), make([]float64, 500)...) // trials not run
	fig, err := TrainingCurves(padded, et, el, ep)
	if err != nil {
		t.Fatal(err)
	}
	render(t, "training", fig)
	if fig.Cols() != 2 {
		t.Fatalf("%d panels, want 2", fig.Cols())
	}
	if xmax := fig.Panel(0, 0).X.Max; xmax != 1499 {
		t.Errorf("loss panel runs to trial %v; trailing zeros should be dropped", xmax)
	}
	fig, err = Training(&spikernn.TrainingRecord{Losses: l, EvalTrials: et, EvalLosses: el, EvalPerfs: ep})
	if err != nil || fig.Cols() != 2 {
		t.Errorf("Training: %v", err)
	}
	// Losses only: one panel.
	if fig, err = TrainingCurves(l, nil, nil, nil); err != nil || fig.Cols() != 1 {
		t.Errorf("losses only: %v", err)
	}
	for name, f := range map[string]func() error{
		"nothing":    func() error { _, err := TrainingCurves(nil, nil, nil, nil); return err },
		"all zero":   func() error { _, err := TrainingCurves([]float64{0, 0}, nil, nil, nil); return err },
		"NaN":        func() error { _, err := TrainingCurves([]float64{1, math.NaN(), 1}, nil, nil, nil); return err },
		"eval len":   func() error { _, err := TrainingCurves(l, et, el[1:], nil); return err },
		"no trials":  func() error { _, err := TrainingCurves(l, nil, nil, ep); return err },
		"perf NaN":   func() error { _, err := TrainingCurves(l, []float64{1}, nil, []float64{math.NaN()}); return err },
		"nil record": func() error { _, err := Training(nil); return err },
	} {
		wantInputError(t, name, f())
	}
}

func TestPCA(t *testing.T) {
	rng := newRng(6)
	trajs, conds := trajectories(rng, []string{"Go", "NoGo"}, 20, 100, 40)
	fig, ve, err := PCA(trajs, conds, 8)
	if err != nil {
		t.Fatal(err)
	}
	render(t, "pca", fig)
	if len(ve) != 8 {
		t.Fatalf("%d components, want 8", len(ve))
	}
	var sum float64
	for i, v := range ve {
		sum += v
		if v < 0 || (i > 0 && v > ve[i-1]+1e-12) {
			t.Errorf("variance explained %v not non-negative and decreasing", ve)
		}
	}
	if sum > 1+1e-9 {
		t.Errorf("variance explained sums to %v > 1", sum)
	}
	if top3 := ve[0] + ve[1] + ve[2]; top3 < 0.97 {
		t.Errorf("3-dimensional data: top 3 PCs explain %v", top3)
	}

	// Points on a line: PC1 explains everything.
	dir := []float64{1, -2, 0.5, 3}
	var line [][][]float64
	for tr := range 3 {
		var traj [][]float64
		for k := range 50 {
			s := float64(k) + 10*float64(tr)
			x := make([]float64, 4)
			for i := range x {
				x[i] = 7 + s*dir[i]
			}
			traj = append(traj, x)
		}
		line = append(line, traj)
	}
	_, ve, err = PCA(line, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ve) != 4 || math.Abs(ve[0]-1) > 1e-9 {
		t.Errorf("line: variance explained %v, want [1 0 0 0]", ve)
	}

	// Same variances as gonum's stat.PC on the pooled data.
	var rows []float64
	n := 0
	for _, tr := range trajs[:5] {
		for _, x := range tr {
			rows = append(rows, x...)
			n++
		}
	}
	var pc stat.PC
	if !pc.PrincipalComponents(mat.NewDense(n, 40, rows), nil) {
		t.Fatal("stat.PC failed")
	}
	vars := pc.VarsTo(nil)
	var tot float64
	for _, v := range vars {
		tot += v
	}
	_, ve, err = PCA(trajs[:5], nil, 5)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ve {
		if math.Abs(ve[i]-vars[i]/tot) > 1e-9 {
			t.Errorf("PC %d: %v, stat.PC gives %v", i+1, ve[i], vars[i]/tot)
		}
	}
	// Trajectory turns units x time states into time x units rows.
	st := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	if got := Trajectory(st); len(got) != 3 || got[2][0] != 3 || got[2][1] != 6 {
		t.Errorf("Trajectory = %v", got)
	}

	for name, f := range map[string]func() error{
		"empty":    func() error { _, _, err := PCA(nil, nil, 3); return err },
		"no time":  func() error { _, _, err := PCA([][][]float64{{}}, nil, 3); return err },
		"ragged":   func() error { _, _, err := PCA([][][]float64{{{1, 2}, {1}}}, nil, 3); return err },
		"one unit": func() error { _, _, err := PCA([][][]float64{{{1}, {2}}}, nil, 3); return err },
		"NaN":      func() error { _, _, err := PCA([][][]float64{{{1, 2}, {math.NaN(), 1}}}, nil, 3); return err },
		"conds":    func() error { _, _, err := PCA(trajs, conds[1:], 3); return err },
		"constant": func() error { _, _, err := PCA([][][]float64{{{1, 2}, {1, 2}}}, nil, 3); return err },
	} {
		wantInputError(t, name, f())
	}
}

func TestEigenspectrum(t *testing.T) {
	rng := newRng(7)
	inh := cellTypes(rng, 150)
	w0, w := daleWeights(rng, inh, 1.5), daleWeights(rng, inh, 1.5)
	fig, err := Eigenspectrum(eigs(w), EigenOptions{Before: eigs(w0)})
	if err != nil {
		t.Fatal(err)
	}
	paths := render(t, "eigen", fig)
	// One dot per eigenvalue (plus the legend's).
	if got := countPaths(paths, "fill:"+svgColor(withAlpha(ExcColor, 0.75))); got != 151 {
		t.Errorf("after-training dots: %d, want 151", got)
	}
	p := fig.Panel(0, 0)
	if p.X.Min != p.Y.Min || p.X.Max != p.Y.Max || p.X.Max < spikernn.SpectralRadius(w) {
		t.Error("axes should be equal and hold the spectrum")
	}
	if fig, err = Eigenspectrum([]complex128{0.5, complex(0, 0.5)}, EigenOptions{Radius: -1}); err != nil {
		t.Fatal(err)
	}
	if legendHas(fig.Panel(0, 0), "|λ| = 1") {
		t.Error("Radius < 0 should drop the circle")
	}
	for name, f := range map[string]func() error{
		"empty": func() error { _, err := Eigenspectrum(nil, EigenOptions{}); return err },
		"NaN": func() error {
			_, err := Eigenspectrum([]complex128{complex(math.NaN(), 0)}, EigenOptions{})
			return err
		},
		"before Inf": func() error {
			_, err := Eigenspectrum([]complex128{1}, EigenOptions{Before: []complex128{complex(0, math.Inf(1))}})
			return err
		},
	} {
		wantInputError(t, name, f())
	}
}

func TestHeatmap(t *testing.T) {
	rng := newRng(8)
	inh := cellTypes(rng, 100)
	w := daleWeights(rng, inh, 1.5)
	order, nExc := SortEI(inh)
	for i, u := range order {
		if inh[u] != (i >= nExc) {
			t.Fatalf("SortEI: position %d holds unit %d (inh %v), nExc %d", i, u, inh[u], nExc)
		}
	}
	fig, err := Heatmap(w, HeatmapOptions{Order: order, Separators: []int{nExc}, Title: "W"})
	if err != nil {
		t.Fatal(err)
	}
	render(t, "heatmap", fig)
	fig, err = Heatmap(mat.NewDense(2, 3, []float64{1, -1, 0, 0.5, -0.5, 2}), HeatmapOptions{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	render(t, "heatmap_small", fig)
	// The image: pixel (j, i) is entry (i, j); red for positive, blue for
	// negative, white at 0, clamped beyond Limit.
	img := matrixRGBA(mat.NewDense(2, 3, []float64{1, -1, 0, 0.5, -0.5, 2}), nil, newDiverging(-1, 1))
	pos, neg, zero := img.RGBAAt(0, 0), img.RGBAAt(1, 0), img.RGBAAt(2, 0)
	if !(pos.R > 90 && pos.B < 60) || !(neg.B > 90 && neg.R < 60) || zero.R != 255 || zero.G != 255 || zero.B != 255 {
		t.Errorf("colours: +1 %v, -1 %v, 0 %v", pos, neg, zero)
	}
	if c := img.RGBAAt(2, 1); c != pos {
		t.Errorf("values beyond Limit should clamp: %v vs %v", c, pos)
	}
	order2 := matrixRGBA(mat.NewDense(2, 2, []float64{1, 0, 0, -1}), []int{1, 0}, newDiverging(-1, 1))
	if order2.RGBAAt(0, 0) != neg {
		t.Error("Order should permute rows and columns")
	}
	up := upscale(img, 9, 4, true)
	if b := up.Bounds(); b.Dx() != 9 || b.Dy() != 4 {
		t.Errorf("upscale to 9 x 4: %v", b)
	}
	if c := up.(*image.RGBA).RGBAAt(0, 3); c != pos {
		t.Errorf("flipped upscale: bottom-left %v, want %v", c, pos)
	}
	for name, f := range map[string]func() error{
		"nil":   func() error { _, err := Heatmap(nil, HeatmapOptions{}); return err },
		"empty": func() error { _, err := Heatmap(&mat.Dense{}, HeatmapOptions{}); return err },
		"NaN": func() error {
			_, err := Heatmap(mat.NewDense(1, 1, []float64{math.NaN()}), HeatmapOptions{})
			return err
		},
		"order rect": func() error { _, err := Heatmap(mat.NewDense(1, 2, nil), HeatmapOptions{Order: []int{0}}); return err },
		"order perm": func() error {
			_, err := Heatmap(mat.NewDense(2, 2, nil), HeatmapOptions{Order: []int{0, 0}})
			return err
		},
		"separator": func() error {
			_, err := Heatmap(mat.NewDense(2, 2, nil), HeatmapOptions{Separators: []int{2}})
			return err
		},
		"limit < 0": func() error { _, err := Heatmap(mat.NewDense(2, 2, nil), HeatmapOptions{Limit: -1}); return err },
	} {
		wantInputError(t, name, f())
	}
}

// legendHas reports whether p, rendered alone to SVG, shows text s.
func legendHas(p *gplot.Plot, s string) bool {
	fig := NewFigure(1, 1)
	fig.SetPanel(0, 0, p)
	b, err := fig.SVG()
	if err != nil {
		return false
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if cd, ok := tok.(xml.CharData); ok && strings.Contains(string(cd), s) {
			return true
		}
	}
}

// markYs returns the x and y coordinates of the M commands of the paths
// whose style contains style.
func markYs(paths []svgPath, style string) (xs, ys []float64) {
	for _, p := range paths {
		if !strings.Contains(p.Style, style) {
			continue
		}
		for _, seg := range strings.Split(p.D, "M")[1:] {
			pt := strings.SplitN(seg, "L", 2)[0]
			var x, y float64
			if _, err := fmt.Sscanf(pt, "%g,%g", &x, &y); err == nil {
				xs, ys = append(xs, x), append(ys, y)
			}
		}
	}
	return xs, ys
}

func maxOf(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, v)
	}
	return m
}

func minOf(x []float64) float64 {
	m := math.Inf(1)
	for _, v := range x {
		m = min(m, v)
	}
	return m
}

// svgColor is how gonum's SVG backend writes colour c (un-premultiplied,
// truncated).
func svgColor(c color.Color) string {
	r, g, b, a := c.RGBA()
	f := 255.0 / float64(a)
	return fmt.Sprintf("#%02X%02X%02X", int(float64(r)*f), int(float64(g)*f), int(float64(b)*f))
}

func TestNoPanicOnOverflow(t *testing.T) {
	// Values whose mean overflows: an error, not a panic.
	_, err := Traces(1, [][]float64{{1e308, 1e308}, {1e308, 1e308}}, nil, TraceOptions{})
	if err == nil {
		t.Error("overflowing traces: no error")
	}
	_, err = Histogram([]float64{1, 2}, 1e9, "")
	wantInputError(t, "too many bins", err)
}

func TestSeriesIntervals(t *testing.T) {
	s := Series{Y: []float64{0.2, 1}, Lo: []float64{0.05, 0.7}, Hi: []float64{0.5, 1}}
	lo, hi, err := s.intervals("s")
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]float64{{0.15, 0.3}, {0.3, 0}}
	for i := range want {
		if math.Abs(lo[i]-want[i][0]) > 1e-12 || math.Abs(hi[i]-want[i][1]) > 1e-12 {
			t.Errorf("point %d: bars -%v +%v, want -%v +%v", i, lo[i], hi[i], want[i][0], want[i][1])
		}
	}
	s = Series{Y: []float64{0.2}, SD: []float64{0.1}}
	if lo, hi, err = s.intervals("s"); err != nil || lo[0] != 0.1 || hi[0] != 0.1 {
		t.Errorf("SD bars: -%v +%v, %v", lo, hi, err)
	}
}

// TestFlatSeries: every point equal up to rounding (all networks 99%
// correct, an SD of 1e-16) once made the tick search loop for ever.
func TestFlatSeries(t *testing.T) {
	y := []float64{0.99, 0.99, 0.9900000000000001}
	fig, err := Sweep([]Series{{X: []float64{10, 50, 100}, Y: y, Lo: []float64{0.99, 0.99, 0.99}, Hi: []float64{0.9900000000000002, 0.99, 0.9900000000000002}}},
		SweepOptions{YLabel: "Accuracy (%)", Percent: true})
	if err != nil {
		t.Fatal(err)
	}
	render(t, "sweep_flat", fig)
	ticks := niceTicks{}.Ticks(99, 99+1e-13)
	if len(ticks) > 100 {
		t.Errorf("%d ticks for a span of 1e-13", len(ticks))
	}
}
