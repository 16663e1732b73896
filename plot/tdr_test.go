package plot

import (
	"math"
	"testing"
)

func TestStateSpace(t *testing.T) {
	var tracks []StateTrack
	for i, off := range []float64{-0.5, -0.1, 0.1, 0.5} {
		var x, y []float64
		for k := range 15 {
			x, y = append(x, off*float64(k)/5), append(y, off*math.Sin(float64(k)/5))
		}
		tracks = append(tracks, StateTrack{X: x, Y: y, Shade: math.Abs(off) / 0.5, Filled: i >= 2})
	}
	fig, err := StateSpace(tracks, StateSpaceOptions{Title: "ctx 1", XLabel: "Choice", YLabel: "Mod 1", FilledLabel: "+ choice", OpenLabel: "- choice"})
	if err != nil {
		t.Fatal(err)
	}
	paths := render(t, "statespace", fig)
	// One line per track in its shade: dark for the small offsets, light for the large.
	for _, tr := range tracks {
		if n := countPaths(paths, "stroke:"+svgColor(shade(StateGreen, tr.Shade)), "stroke-width:1"); n < 1 {
			t.Errorf("no line in the shade %v", tr.Shade)
		}
	}
	if shade(StateGreen, 0) == shade(StateGreen, 1) {
		t.Error("dark and light shades are equal")
	}
	if fig.Panel(0, 0).X.Min > -0.5*14/5 || fig.Panel(0, 0).X.Max < 0.5*14/5 {
		t.Error("x range does not hold the tracks")
	}
	for _, bad := range [][]StateTrack{nil, {{X: []float64{1}, Y: nil}}, {{X: []float64{1}, Y: []float64{math.NaN()}}}, {{X: []float64{1}, Y: []float64{1}, Shade: math.Inf(1)}}} {
		if _, err := StateSpace(bad, StateSpaceOptions{}); err == nil {
			t.Errorf("StateSpace(%v): no error", bad)
		}
	}
}
