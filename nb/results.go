package nb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spikernn/spikernn/internal/atomicfile"
)

// Verdict is a replication scorecard's judgement of one comparison.
type Verdict string

// Verdicts.
const (
	Reproduced Verdict = "reproduced" // the paper's number or conclusion holds here
	Close      Verdict = "close"      // near the paper's value, within what the reduced setting allows
	Differs    Verdict = "differs"    // it does not hold; the notebook shows why, with evidence
	NotYet     Verdict = "not yet"    // not computed yet (e.g. needs a sweep that has not run)
)

// VerdictIf returns Reproduced when ok, else otherwise: the verdict of a
// comparison whose criterion a notebook computes, e.g.
// nb.VerdictIf(perf >= 0.95, nb.Differs).
func VerdictIf(ok bool, otherwise Verdict) Verdict {
	if ok {
		return Reproduced
	}
	return otherwise
}

// Result is one row of the replication scorecard: a panel of the paper or
// its SI, what is compared, the paper's value, this run's value and the
// verdict. Notebooks compute their rows and hand them to Record.
type Result struct {
	Panel    string  `json:"panel"`    // "Fig 1B", "Fig 2C", "SI S2", "SI Table S1"
	Quantity string  `json:"quantity"` // what is compared
	Paper    string  `json:"paper"`    // the paper's value
	Run      string  `json:"run"`      // this run's value, as computed
	Verdict  Verdict `json:"verdict"`
	Note     string  `json:"note,omitempty"` // one sentence: does the conclusion hold, and why not
}

// ResultsFile is what Record writes: a notebook's rows of the scorecard.
type ResultsFile struct {
	Notebook string   `json:"notebook"` // the notebook's file name, e.g. "01_gonogo.ipynb"
	Results  []Result `json:"results"`
}

// ResultsDir is the folder Record writes to: $SPIKERNN_RESULTS if set,
// else results/ next to the notebooks (GoNB runs a cell in the notebook's
// folder, $GONB_DIR).
func ResultsDir() string {
	if d := os.Getenv("SPIKERNN_RESULTS"); d != "" {
		return d
	}
	dir := os.Getenv("GONB_DIR")
	if dir == "" {
		dir = "."
	}
	return filepath.Join(dir, "results")
}

// Record shows the rows as a table of the paper's numbers next to this
// run's, with the verdicts, and merges them into the notebook's results
// file (ResultsDir()/<notebook without .ipynb>.json, written atomically;
// rows are keyed by panel and quantity, so re-running a cell replaces its
// rows). The scorecard (notebooks/README.md) is generated from these files.
func Record(notebook, title string, rows ...Result) error {
	var b strings.Builder
	if title != "" {
		fmt.Fprintf(&b, "**%s**\n\n", title)
	}
	b.WriteString("| panel | quantity | paper | this run | verdict |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdCell(r.Panel), mdCell(r.Quantity), mdCell(r.Paper), mdCell(r.Run), r.Verdict)
	}
	for _, r := range rows {
		if r.Note != "" {
			fmt.Fprintf(&b, "\n*%s:* %s\n", mdCell(r.Panel), r.Note)
		}
	}
	Markdownf("%s", b.String())
	return MergeResults(filepath.Join(ResultsDir(), strings.TrimSuffix(notebook, ".ipynb")+".json"), notebook, rows)
}

// MergeResults adds rows to the results file at path (replacing rows of
// the same panel and quantity) and writes it atomically.
func MergeResults(path, notebook string, rows []Result) error {
	for _, r := range rows {
		switch r.Verdict {
		case Reproduced, Close, Differs, NotYet:
		default:
			return fmt.Errorf("nb: result %s / %s: invalid verdict %q", r.Panel, r.Quantity, r.Verdict)
		}
	}
	rf := ResultsFile{Notebook: notebook}
	if data, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(data, &rf)
		rf.Notebook = notebook
	}
	for _, r := range rows {
		replaced := false
		for i, old := range rf.Results {
			if old.Panel == r.Panel && old.Quantity == r.Quantity {
				rf.Results[i], replaced = r, true
			}
		}
		if !replaced {
			rf.Results = append(rf.Results, r)
		}
	}
	sort.SliceStable(rf.Results, func(i, j int) bool { return panelLess(rf.Results[i].Panel, rf.Results[j].Panel) })
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "> 95%" readable in the file
	enc.SetIndent("", "  ")
	if err := enc.Encode(rf); err != nil {
		return err
	}
	data := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("nb: results folder: %w", err)
	}
	return atomicfile.Replace(path, 0o644, func(w io.Writer) error { _, err := w.Write(append(data, '\n')); return err })
}

// panelLess orders "Fig 2C" before "Fig 10A" and figures before the SI.
func panelLess(a, b string) bool {
	ka, kb := panelKey(a), panelKey(b)
	if ka.si != kb.si {
		return !ka.si
	}
	if ka.num != kb.num {
		return ka.num < kb.num
	}
	return ka.rest < kb.rest
}

type pkey struct {
	si   bool
	num  int
	rest string
}

func panelKey(p string) pkey {
	k := pkey{si: strings.HasPrefix(p, "SI")}
	s := strings.TrimLeft(strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(p, "SI"), " "), "Fig"), " S")
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		k.num = k.num*10 + int(s[i]-'0')
		i++
	}
	k.rest = s[i:]
	return k
}

// InInterval compares a fraction of networks with the paper's: Reproduced
// when the paper's value lies in this run's interval [lo, hi] (e.g. a 95%
// binomial interval), Close when it is within close of this run's value
// here, else Differs; e.g. nb.InInterval(0.94, f.P, f.Low, f.High, 0.15).
func InInterval(paper, here, lo, hi, close float64) Verdict {
	switch {
	case paper >= lo-1e-9 && paper <= hi+1e-9:
		return Reproduced
	case math.Abs(paper-here) <= close+1e-12:
		return Close
	}
	return Differs
}

// Relative compares a value with the paper's on a relative scale:
// Reproduced within the fraction reproduced of the paper's value, Close
// within close, else Differs; e.g. nb.Relative(trials, 644, 0.25, 0.5).
func Relative(here, paper, reproduced, close float64) Verdict {
	if paper == 0 {
		return Within(here, paper, 0, 0)
	}
	return Within(here/paper, 1, reproduced, close)
}

// Within compares a value with the paper's on an absolute scale:
// Reproduced within reproduced of it, Close within close, else Differs;
// e.g. nb.Within(acc, 0.987, 0.05, 0.10) for accuracies as fractions.
func Within(here, paper, reproduced, close float64) Verdict {
	switch d := math.Abs(here-paper) - 1e-12; { // 1e-12: 0.55 - 0.5 is a bit over 0.05
	case d <= reproduced:
		return Reproduced
	case d <= close:
		return Close
	}
	return Differs
}
