package nb

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestRecordMerges(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SPIKERNN_RESULTS", dir)
	if err := Record("01_gonogo.ipynb", "t", Result{Panel: "Fig 2B", Quantity: "q", Paper: "1", Run: "1", Verdict: Reproduced},
		Result{Panel: "Fig 10A", Quantity: "q", Paper: "1", Run: "2", Verdict: Differs}); err != nil {
		t.Fatal(err)
	}
	if err := Record("01_gonogo.ipynb", "t", Result{Panel: "Fig 2B", Quantity: "q", Paper: "1", Run: "3", Verdict: Close},
		Result{Panel: "SI S1", Quantity: "r", Paper: "x", Run: "y", Verdict: NotYet}); err != nil {
		t.Fatal(err)
	}
	var rf ResultsFile
	data, _ := os.ReadFile(filepath.Join(dir, "01_gonogo.json"))
	if err := json.Unmarshal(data, &rf); err != nil {
		t.Fatal(err)
	}
	if len(rf.Results) != 3 || rf.Results[0].Panel != "Fig 2B" || rf.Results[0].Run != "3" || rf.Results[1].Panel != "Fig 10A" || rf.Results[2].Panel != "SI S1" {
		t.Fatalf("%+v", rf.Results)
	}
	if err := Record("x.ipynb", "", Result{Panel: "Fig 1", Verdict: "great"}); err == nil {
		t.Error("invalid verdict accepted")
	}
}

func TestNbVerdictIf(t *testing.T) {
	if VerdictIf(true, Differs) != Reproduced || VerdictIf(false, Close) != Close {
		t.Error("VerdictIf: wrong verdict")
	}
}

func TestWithin(t *testing.T) {
	for _, c := range []struct {
		here, paper float64
		want        Verdict
	}{{0.96, 0.987, Reproduced}, {0.909, 0.987, Close}, {0.496, 0.597, Differs}, {0.55, 0.5, Reproduced}} {
		if got := Within(c.here, c.paper, 0.05, 0.10); got != c.want {
			t.Errorf("Within(%v, %v) = %s, want %s", c.here, c.paper, got, c.want)
		}
	}
}

func TestInIntervalAndRelative(t *testing.T) {
	// 4 of 10 successful (95% Wilson interval 17-69%) against the paper's 93%, 55% and 60%.
	for _, c := range []struct {
		paper float64
		want  Verdict
	}{{0.55, Reproduced}, {0.68, Reproduced}, {0.54, Reproduced}, {0.69, Close}, {0.80, Differs}, {0.10, Close}, {0.0, Differs}} {
		if got := InInterval(c.paper, 0.4, 0.168, 0.687, 0.3); got != c.want {
			t.Errorf("InInterval(%v) = %s, want %s", c.paper, got, c.want)
		}
	}
	for _, c := range []struct {
		here, paper float64
		want        Verdict
	}{{772, 644, Reproduced}, {950, 644, Close}, {1300, 644, Differs}, {500, 644, Reproduced}, {0, 0, Reproduced}, {1, 0, Differs}} {
		if got := Relative(c.here, c.paper, 0.25, 0.5); got != c.want {
			t.Errorf("Relative(%v, %v) = %s, want %s", c.here, c.paper, got, c.want)
		}
	}
}
