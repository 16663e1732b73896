package plot

import (
	"strings"
	"testing"
)

func TestBoxDots(t *testing.T) {
	groups := []BoxGroup{
		{Label: "PYR", Values: []float64{0, 1, 2, 3, 10}, Color: ExcColor},
		{Label: "PV", Values: []float64{5, 8, 11}, Color: InhColor},
		{Label: "SST", Values: []float64{25}, Color: SSTColor},
	}
	fig, err := BoxDots(groups, BoxOptions{YLabel: "Firing rate (Hz)", MeanSD: true})
	if err != nil {
		t.Fatal(err)
	}
	paths := render(t, "boxdots", fig)
	// The median of each group is dashed in its colour.
	dashed := 0
	for _, p := range paths {
		if strings.Contains(p.Style, "stroke-dasharray") && (strings.Contains(p.Style, "#D62728") || strings.Contains(p.Style, "#1F77B4") || strings.Contains(p.Style, "#E6B400")) {
			dashed++
		}
	}
	if dashed != 3 {
		t.Errorf("dashed medians: %d, want 3", dashed)
	}
	if _, err := BoxDots(nil, BoxOptions{}); err == nil {
		t.Error("no groups: no error")
	}
	if _, err := BoxDots([]BoxGroup{{Label: "x"}}, BoxOptions{}); err == nil {
		t.Error("empty group: no error")
	}
}
