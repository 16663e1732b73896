package sweep

import (
	"math"
	"strings"
	"testing"

	"github.com/spikernn/spikernn/plot"
)

const plotCSV = `N,seed,gain,trained,successful,spiking_perf
10,1,1.5,0,,
10,2,1.5,1,0,0.6
10,3,1.5,1,1,0.96
10,4,1.5,0,,
50,1,1.5,1,1,1
50,2,1.5,1,0,0.9
50,3,1.5,1,1,0.98
50,4,1.5,1,1,0.97
`

func TestFractionAndMeanBy(t *testing.T) {
	tab, err := ReadCSV(strings.NewReader(plotCSV))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := tab.FractionBy("N", "trained")
	if err != nil {
		t.Fatal(err)
	}
	if len(tr) != 2 || tr[0].X != 10 || tr[0].N != 4 || tr[0].Y != 0.5 || tr[1].Y != 1 {
		t.Fatalf("trained by N = %+v", tr)
	}
	// Wilson 95% for 2/4 is [0.150, 0.850]; for 4/4 [0.510, 1].
	if math.Abs(tr[0].Lo-0.1500) > 1e-3 || math.Abs(tr[0].Hi-0.8500) > 1e-3 || math.Abs(tr[1].Lo-0.5101) > 1e-3 || tr[1].Hi != 1 {
		t.Errorf("intervals %+v", tr)
	}
	// successful counts only the converted (non-empty) networks.
	su, _ := tab.FractionBy("N", "successful")
	if su[0].N != 2 || su[0].Y != 0.5 || su[1].N != 4 || su[1].Y != 0.75 {
		t.Errorf("successful by N = %+v", su)
	}
	m, err := tab.MeanBy("N", "spiking_perf")
	if err != nil {
		t.Fatal(err)
	}
	if m[0].N != 2 || math.Abs(m[0].Y-0.78) > 1e-12 || math.Abs(m[1].Y-0.9625) > 1e-12 || math.Abs(m[0].SD-0.18) > 1e-12 {
		t.Errorf("mean by N = %+v", m)
	}
	for _, f := range []func() error{
		func() error { _, err := tab.PlotFraction("N", "trained", "", plot.SweepOptions{}); return err },
		func() error { _, err := tab.PlotFraction("N", "trained", "gain", plot.SweepOptions{}); return err },
		func() error {
			_, err := tab.PlotMetric("N", "spiking_perf", "", plot.SweepOptions{Percent: true})
			return err
		},
		func() error { _, err := tab.PlotDistribution("spiking_perf", "N", plot.DistOptions{}); return err },
	} {
		if err := f(); err != nil {
			t.Error(err)
		}
	}
	if _, err := tab.PlotFraction("N", "no_such", "", plot.SweepOptions{}); err == nil || !strings.Contains(err.Error(), "no_such") {
		t.Errorf("unknown column: %v", err)
	}
	if _, err := tab.PlotMetric("N", "trained", "", plot.SweepOptions{LogX: true}); err != nil {
		t.Error(err)
	}
	if _, err := tab.PlotMetrics("N", []string{"spiking_perf", "trained"}, []string{"LIF", "trained"}, plot.SweepOptions{Percent: true}); err != nil {
		t.Error(err)
	}
	if _, err := tab.PlotMetrics("N", []string{"no_such", "nor_this"}, nil, plot.SweepOptions{}); err == nil || !strings.Contains(err.Error(), "no_such") {
		t.Errorf("PlotMetrics of unknown columns: %v", err)
	}
	if _, err := tab.PlotMetrics("N", []string{"spiking_perf"}, []string{"a", "b"}, plot.SweepOptions{}); err == nil {
		t.Error("PlotMetrics with 2 labels for 1 column: no error")
	}
	empty := tab.Filter(func(row func(string) string) bool { return row("spiking_perf") == "" })
	if _, err := empty.PlotDistribution("spiking_perf", "N", plot.DistOptions{}); err == nil {
		t.Error("no values: no error")
	}
}
