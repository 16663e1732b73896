package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// notebook is the part of an nbformat 4 notebook that the scanner reads.
type notebook struct {
	NBFormat int    `json:"nbformat"`
	Cells    []cell `json:"cells"`
}

type cell struct {
	CellType       string    `json:"cell_type"`
	Source         multiline `json:"source"`
	ExecutionCount *int      `json:"execution_count"`
	Outputs        []output  `json:"outputs"`
}

type output struct {
	OutputType string                     `json:"output_type"`
	Name       string                     `json:"name"` // stream: stdout or stderr
	Text       multiline                  `json:"text"`
	Data       map[string]json.RawMessage `json:"data"`
	Ename      string                     `json:"ename"`
	Evalue     string                     `json:"evalue"`
	Traceback  []string                   `json:"traceback"`
}

// multiline is nbformat's multi-line string: a string or a list of strings
// to concatenate.
type multiline string

func (m *multiline) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*m = multiline(s)
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("want a string or a list of strings, got %.40s", b)
	}
	*m = multiline(strings.Join(list, ""))
	return nil
}

// Problem is an error found in one cell of an executed notebook.
type Problem struct {
	Cell      int    // 1-based position among all the notebook's cells
	FirstLine string // first non-empty line of the cell's source
	Kind      string // "error" (an error output) or "stderr" (a compile error, panic or go failure printed on stderr)
	Message   string // the error, a few lines at most
}

func (p Problem) String() string {
	return fmt.Sprintf("cell %d (%s): %s: %s", p.Cell, p.FirstLine, p.Kind, p.Message)
}

// Report is what the scanner found in one executed notebook.
type Report struct {
	Cells     int       // all cells
	CodeCells int       // code cells
	Executed  int       // code cells with an execution count
	Images    int       // image outputs: image/png, image/jpeg, image/svg+xml, inline <svg> in text/html
	Problems  []Problem // errors: the notebook fails
	Stderr    []Problem // other stderr output, for information
}

// scanNotebook reads an executed notebook and reports its errors and
// figures. It returns an error only when data is not a notebook.
func scanNotebook(data []byte) (*Report, error) {
	var nb notebook
	if err := json.Unmarshal(data, &nb); err != nil {
		return nil, fmt.Errorf("not a notebook: %w", err)
	}
	if nb.NBFormat != 0 && nb.NBFormat < 4 {
		return nil, fmt.Errorf("nbformat %d: want 4", nb.NBFormat)
	}
	rep := &Report{Cells: len(nb.Cells)}
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		rep.CodeCells++
		if c.ExecutionCount != nil {
			rep.Executed++
		}
		var errs, fatal, other []string
		for _, o := range c.Outputs {
			switch o.OutputType {
			case "error":
				errs = append(errs, errorMessage(o))
			case "stream":
				if o.Name != "stderr" {
					continue
				}
				text := stripANSI(string(o.Text))
				if f := fatalStderr(text); f != "" {
					fatal = append(fatal, f)
				} else if strings.TrimSpace(text) != "" {
					other = append(other, clip(text, 6))
				}
			case "display_data", "execute_result", "update_display_data":
				rep.Images += countImages(o.Data)
			}
		}
		p := Problem{Cell: i + 1, FirstLine: firstLine(string(c.Source))}
		switch {
		case len(errs) > 0 || len(fatal) > 0:
			// GoNB prints a panic on stderr and then sends an error output
			// that only says "exit status 2": show the stderr first and
			// each distinct message once.
			p.Kind = "stderr"
			if len(errs) > 0 {
				p.Kind = "error"
			}
			var msgs []string
			for _, m := range append(fatal, errs...) {
				if !slices.ContainsFunc(msgs, func(have string) bool { return strings.Contains(have, m) }) {
					msgs = append(msgs, m)
				}
			}
			p.Message = clip(strings.Join(msgs, "\n"), 10)
			rep.Problems = append(rep.Problems, p)
		case len(other) > 0:
			p.Kind = "stderr"
			p.Message = strings.Join(other, "\n")
			rep.Stderr = append(rep.Stderr, p)
		}
	}
	return rep, nil
}

// errorMessage renders an error output in a few lines: its value without
// go build's "# package" header, and GoNB's pointers into cells
// ("Cell[3]: Line 2") from the traceback.
func errorMessage(o output) string {
	var lines []string
	for line := range strings.SplitSeq(stripANSI(o.Evalue), "\n") {
		if line = strings.TrimRight(line, " \r"); line != "" && !buildHeaderRE.MatchString(line) {
			lines = append(lines, line)
		}
	}
	for _, tb := range o.Traceback {
		for line := range strings.SplitSeq(stripANSI(tb), "\n") {
			if m := cellRefRE.FindString(line); m != "" && !slices.Contains(lines, "at "+m) {
				lines = append(lines, "at "+m)
			}
		}
	}
	if len(lines) == 0 {
		for _, tb := range o.Traceback {
			if tb = strings.TrimSpace(stripANSI(tb)); tb != "" {
				lines = append(lines, tb)
			}
		}
	}
	if len(lines) == 0 {
		return strings.TrimSpace(o.Ename + " (no message)")
	}
	return clip(strings.Join(lines, "\n"), 8)
}

var (
	ansiRE        = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]`)
	buildHeaderRE = regexp.MustCompile(`^# \S+$`)
	cellRefRE     = regexp.MustCompile(`[Cc]ell ?\[\d+\]:? [Ll]ine \d+`)
	// Lines that show a failure on stderr. GoNB (with --raw_error) sends
	// compile errors as error outputs, prints a panic on stderr before an
	// error output "exit status 2", and reports a failing "!" shell line
	// only on stderr ("exit status 1") without failing the cell: the
	// scanner counts that as a failure too (end such a line with "|| true"
	// when it may fail on purpose).
	fatalLineREs = []*regexp.Regexp{
		regexp.MustCompile(`^panic: `),
		regexp.MustCompile(`^fatal error: `),
		regexp.MustCompile(`^goroutine \d+ \[`),
		regexp.MustCompile(`^exit status \d+`),                   // a failed program or "!" line
		regexp.MustCompile(`^failed to run `),                    // GoNB: a failed go build, go get or goimports
		regexp.MustCompile(`^\S+\.go:\d+:\d+: `),                 // compile or vet error: file.go:12:3: message
		regexp.MustCompile(`^# \S+$`),                            // go build's package header before compile errors
		regexp.MustCompile(`^\s*[Cc]ell ?\[\d+\]:? [Ll]ine \d+`), // GoNB's mapping of an error into a cell
		regexp.MustCompile(`^go: `),                              // go command errors (progress lines excepted, below)
		regexp.MustCompile(`missing go\.sum entry|no required module provides`),
	}
	// go command lines on stderr that only report progress.
	goProgressRE = regexp.MustCompile(`^go: (warning:|(downloading|added|upgraded|downgraded|removed|finding|extracting|found|creating|to add|module \S+ found) )`)
)

// fatalStderr returns the lines of a stderr text that show a compile error,
// a panic or a failing go command, or "" if none does.
func fatalStderr(text string) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, line := range lines {
		if goProgressRE.MatchString(line) {
			continue
		}
		for _, re := range fatalLineREs {
			if re.MatchString(line) {
				return clip(strings.Join(lines[i:], "\n"), 8)
			}
		}
	}
	return ""
}

// countImages counts the figures in a display's data bundle.
func countImages(data map[string]json.RawMessage) int {
	n := 0
	for _, mime := range []string{"image/png", "image/jpeg", "image/gif", "image/svg+xml"} {
		if _, ok := data[mime]; ok {
			n++
		}
	}
	if n > 0 {
		return n
	}
	if raw, ok := data["text/html"]; ok {
		var html multiline
		if json.Unmarshal(raw, &html) == nil {
			lower := strings.ToLower(string(html))
			n += strings.Count(lower, "<svg")
			n += strings.Count(lower, "<img ")
		}
	}
	return n
}

// firstLine returns the first non-empty line of a cell's source, shortened.
func firstLine(src string) string {
	for line := range strings.SplitSeq(src, "\n") {
		if line = strings.TrimSpace(line); line != "" && line != "%%" {
			return shorten(line, 80)
		}
	}
	return "(empty cell)"
}

// clip keeps the first n non-empty lines of s.
func clip(s string, n int) string {
	var keep []string
	for line := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if len(keep) == n {
			keep = append(keep, "...")
			break
		}
		keep = append(keep, shorten(strings.TrimRight(line, " "), 200))
	}
	return strings.Join(keep, "\n")
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-3]) + "..."
	}
	return s
}

func stripANSI(s string) string { return ansiRE.ReplaceAllString(s, "") }
