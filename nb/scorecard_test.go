package nb

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScorecard(t *testing.T) {
	files := []ResultsFile{
		{Notebook: "01_gonogo.ipynb", Results: []Result{
			{Panel: "Fig 1C", Quantity: "trained at N = 10", Verdict: Differs},
			{Panel: "Fig 1C", Quantity: "trained at N = 50", Verdict: Reproduced},
			{Panel: "Fig 1C", Quantity: "conclusion: ...", Verdict: Reproduced},
			{Panel: "SI S2", Quantity: "top 3 PCs", Verdict: Close},
			{Panel: "XOR", Quantity: "LIF accuracy", Verdict: Reproduced},
		}},
		{Notebook: "05_populations.ipynb", Results: []Result{{Panel: "Fig 1C", Quantity: "trials", Verdict: Close}}},
	}
	sc := Scorecard(files)
	lines := strings.Split(sc, "\n")
	row := func(id string) string {
		for _, l := range lines {
			if strings.HasPrefix(l, "| "+id+" |") {
				return l
			}
		}
		t.Fatalf("no row for panel %s:\n%s", id, sc)
		return ""
	}
	// The conclusion row decides; counts add up over notebooks; both are linked.
	if r := row("1C"); !strings.Contains(r, "| 2 / 1 / 1 | reproduced |") || !strings.Contains(r, "[01_gonogo](01_gonogo.ipynb), [05_populations](05_populations.ipynb)") {
		t.Errorf("1C row: %s", r)
	}
	if r := row("S2"); !strings.Contains(r, "| 0 / 1 / 0 | close |") {
		t.Errorf("S2 row: %s", r)
	}
	if r := row("6C"); !strings.Contains(r, "| 0 / 0 / 0 | not yet |") {
		t.Errorf("6C row: %s", r)
	}
	if !strings.Contains(sc, "Also compared (not a panel of the paper): XOR.") {
		t.Errorf("extra panels:\n%s", sc)
	}
}

// TestScorecardCoversThePaper: the committed notebooks/README.md holds a
// generated scorecard with a row for every panel of the paper and its SI
// (Panels: the acceptance table of the paper's description, 22 panels).
// That the block is the one the committed results give is checked by
// `go run ./nb/scorecard -check` in CI, before the notebooks run.
func TestScorecardCoversThePaper(t *testing.T) {
	if n := len(Panels()); n != 22 {
		t.Errorf("%d panels, want the paper's 22", n)
	}
	data, err := os.ReadFile(filepath.Join("..", "notebooks", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !scorecardBlock.MatchString(text) {
		t.Fatal("notebooks/README.md has no scorecard block")
	}
	for _, p := range Panels() {
		if !strings.Contains(text, "\n| "+p.ID+" | ") {
			t.Errorf("the scorecard has no row for panel %s", p.ID)
		}
	}
}
