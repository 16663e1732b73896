package nb

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Panel is one panel (or group of panels) of the paper and its SI that the
// replication scorecard reports on, with what must hold for it to count as
// replicated (the acceptance criteria of the paper's description).
type Panel struct {
	ID       string   // "1C", "3B/C", "S5"
	Criteria string   // what must hold
	Names    []string // the Result.Panel values that report on it ("Fig 1C")
}

// Panels returns every panel of the paper and its SI that the scorecard
// covers, in the paper's order.
func Panels() []Panel {
	p := func(id, criteria string, names ...string) Panel {
		if len(names) == 0 {
			if strings.HasPrefix(id, "S") {
				names = []string{"SI " + id}
			} else {
				names = []string{"Fig " + id}
			}
		}
		return Panel{ID: id, Criteria: criteria, Names: names}
	}
	return []Panel{
		p("1B", "tau mean within about 3 ms of 28.2; Go > 0.7, NoGo < 0.3 after 0.5 s"),
		p("1C", "% trained below 100 only at N = 10; trials fall with N"),
		p("2B", "lambda = 1: no Go/NoGo split; 1/10: noisy; the optimum clean", "Fig 2B", "Fig 2"),
		p("2C", "LIF success about 0 at N <= 50, >= 85% for N >= 150"),
		p("2D", "mean tau grows with tau_max, sublinearly"),
		p("2E", "a fixed 20-ms tau gives the lowest LIF success"),
		p("3B/C", "% trained rises with N (0 at N = 10); 4-5k trials", "Fig 3B", "Fig 3C", "Fig 3"),
		p("4A-C", "LIF >= 95% near lambda = 1/60; tau skewed towards 50 ms", "Fig 4", "Fig 4A", "Fig 4B", "Fig 4C"),
		p("4D", "LIF success rises with N, >= 80% for N >= 200"),
		p("4E", "a fixed 20-ms tau: none trained; the others convert"),
		p("5", "fixed and tuned tau convert equally well"),
		p("6A", "2 ms >= 0 ms; performance falls from 10 ms on"),
		p("6B", "single and double exponential synapses alike"),
		p("6C", "no trend with the gain"),
		p("7", "sigmoid > softplus > ReLU; rate networks all train"),
		p("S1", "E rates mostly below 2 Hz, I broader"),
		p("S2", "top 3 PCs explain >= about 95%"),
		p("S3", "SST > PV > PYR rates; the task is done"),
		p("S4", "a network without Dale's principle converts"),
		p("S5", "the relevant offset is ordered on the choice axis, the irrelevant not"),
		p("S6", "softplus LIF below sigmoid; NoGo false alarms"),
		p("S7", "QIF accuracy >= about 90%"),
	}
}

// verdictRank orders verdicts from best to worst for a panel's summary.
var verdictRank = map[Verdict]int{Reproduced: 0, Close: 1, Differs: 2, NotYet: 3}

// LoadResults reads every results file in dir (what Record writes), in
// file-name order.
func LoadResults(dir string) ([]ResultsFile, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []ResultsFile
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("nb: %w", err)
		}
		var rf ResultsFile
		if err := json.Unmarshal(data, &rf); err != nil {
			return nil, fmt.Errorf("nb: results file %s: %w", f, err)
		}
		out = append(out, rf)
	}
	return out, nil
}

// Scorecard renders the replication scorecard as a Markdown table: one row
// per panel of Panels, with the number of comparisons the notebooks made
// for it by verdict, the panel's verdict (that of its conclusion row when
// there is one, else the worst of its rows; "not yet" without rows) and
// links to the notebooks. Rows whose panel is not in Panels (e.g. the XOR
// task, which the paper does not show) are listed after the table.
func Scorecard(files []ResultsFile) string {
	var b strings.Builder
	b.WriteString("| panel | what must hold | comparisons (reproduced / close / differs) | verdict | notebooks |\n|---|---|---|---|---|\n")
	used := map[string]bool{}
	for _, p := range Panels() {
		count := map[Verdict]int{}
		verdict, conclusion := Verdict(""), Verdict("")
		var nbs []string
		for _, f := range files {
			inFile := false
			for _, r := range f.Results {
				if !containsFold(p.Names, r.Panel) {
					continue
				}
				used[r.Panel] = true
				inFile = true
				count[r.Verdict]++
				if verdict == "" || verdictRank[r.Verdict] > verdictRank[verdict] {
					verdict = r.Verdict
				}
				if strings.HasPrefix(r.Quantity, "conclusion") {
					conclusion = r.Verdict
				}
			}
			if inFile {
				nbs = append(nbs, fmt.Sprintf("[%s](%s)", strings.TrimSuffix(f.Notebook, ".ipynb"), f.Notebook))
			}
		}
		if conclusion != "" {
			verdict = conclusion
		}
		if verdict == "" {
			verdict = NotYet
		}
		fmt.Fprintf(&b, "| %s | %s | %d / %d / %d | %s | %s |\n", p.ID, mdCell(p.Criteria),
			count[Reproduced], count[Close], count[Differs], verdict, strings.Join(nbs, ", "))
	}
	var extra []string
	for _, f := range files {
		for _, r := range f.Results {
			if !used[r.Panel] && !slices.Contains(extra, r.Panel) {
				extra = append(extra, r.Panel)
			}
		}
	}
	if len(extra) > 0 {
		fmt.Fprintf(&b, "\nAlso compared (not a panel of the paper): %s.\n", strings.Join(extra, ", "))
	}
	return b.String()
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

// scorecardBlock matches the generated part of notebooks/README.md.
var scorecardBlock = regexp.MustCompile(`(?s)<!-- scorecard: generated.*?-->.*<!-- end of scorecard -->`)

// UpdateScorecard replaces the scorecard block of the Markdown file at
// path (between "<!-- scorecard: generated ... -->" and
// "<!-- end of scorecard -->") with Scorecard(files) and reports whether
// the file changed.
func UpdateScorecard(path string, files []ResultsFile) (bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("nb: %w", err)
	}
	if !scorecardBlock.Match(data) {
		return false, fmt.Errorf("nb: %s has no scorecard block (<!-- scorecard: generated ... --> ... <!-- end of scorecard -->)", path)
	}
	block := "<!-- scorecard: generated by `go run ./nb/scorecard` from notebooks/results; do not edit -->\n" +
		Scorecard(files) + "<!-- end of scorecard -->"
	out := scorecardBlock.ReplaceAllLiteral(data, []byte(block))
	if string(out) == string(data) {
		return false, nil
	}
	return true, os.WriteFile(path, out, 0o644)
}
