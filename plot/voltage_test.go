package plot

import (
	"testing"
)

func TestVoltage(t *testing.T) {
	tt := make([]float64, 100)
	v := make([]float64, 100)
	for i := range tt {
		tt[i] = float64(i+1) * 0.001
		v[i] = -65 + float64(i%20)
	}
	tr := VoltageTrace{Label: "mod1 +", T: tt, V: v, Spikes: []float64{0.0205, 0.0605}, Color: ExcColor}
	x, y := withSpikes(tt, v, tr.Spikes, 30)
	peaks := 0
	for i := range y {
		if y[i] == 30 {
			peaks++
			if x[i] != 0.0205 && x[i] != 0.0605 {
				t.Errorf("peak at %v", x[i])
			}
		}
	}
	if peaks != 2 || len(x) != 106 {
		t.Errorf("%d peaks, %d points; want 2 and 106", peaks, len(x))
	}
	inh := tr
	inh.Color, inh.Label = InhColor, "other"
	fig, err := Voltage([][]VoltageTrace{{tr, tr}, {inh, inh}}, VoltageOptions{Titles: []string{"Exc", "Inh"}, Windows: []Window{{Start: 0.02, Stop: 0.05}}})
	if err != nil {
		t.Fatal(err)
	}
	if fig.Rows() != 2 || fig.Cols() != 2 || fig.Panel(0, 0).Y.Label.Text != "mod1 +" || fig.Panel(0, 1).Y.Label.Text != "" || fig.Panel(0, 1).Title.Text != "Inh" {
		t.Error("layout: rows of conditions, columns of units, labels on the left")
	}
	if u := unlabelled([]Window{{Start: 1, Stop: 2, Label: "stimulus"}}); u[0].Label != "" || u[0].Stop != 2 {
		t.Errorf("unlabelled: %+v", u)
	}
	paths := render(t, "voltage", fig)
	if n := countPaths(paths, "stroke:"+svgColor(InhColor)); n != 2 {
		t.Errorf("%d inhibitory traces, want 2", n)
	}
	bad := [][][]VoltageTrace{nil, {{tr}, {}}, {{{T: tt, V: v[:5]}}}}
	for _, b := range bad {
		if _, err := Voltage(b, VoltageOptions{}); err == nil {
			t.Errorf("Voltage(%d columns): no error", len(b))
		}
	}
	if _, err := Voltage([][]VoltageTrace{{tr}}, VoltageOptions{Titles: []string{"a", "b"}}); err == nil {
		t.Error("titles: no error")
	}
}
