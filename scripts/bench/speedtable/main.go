// Command speedtable turns the raw results of scripts/bench/speed.sh into
// the README's speed table: the median of each row's spikernn benchmark in
// the default build and with GOEXPERIMENT=simd, the peer measured in the same
// run (the PyTorch port of the reference's training, the Brian2 port of its
// LIF simulator), their ratio and the target the project set for it.
//
//	go run ./scripts/bench/speedtable -results scripts/bench/speed-results.txt [-readme README.md]
//
// Without -readme it prints the table; with it, it replaces the text between
// the README's "<!-- speed-table -->" and "<!-- /speed-table -->" markers
// (atomically) and fails if the markers are missing.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Markers around the generated part of the README.
const (
	beginMarker = "<!-- speed-table -->"
	endMarker   = "<!-- /speed-table -->"
)

// results holds one speed.sh run: header facts, the benchmark metrics per
// build and name, and the peers' JSON records.
type results struct {
	header map[string]string
	// bench[build][name][metric] lists the values of the runs.
	bench map[string]map[string]map[string][]float64
	// peers["torch gonogo"] lists the peer's JSON records.
	peers map[string][]map[string]any
}

var benchSuffix = regexp.MustCompile(`-\d+$`)

// parse reads a results file. Unknown lines are an error, so that a
// malformed file is not turned into an empty table silently.
func parse(r io.Reader) (*results, error) {
	res := &results{header: map[string]string{}, bench: map[string]map[string]map[string][]float64{}, peers: map[string][]map[string]any{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, "#"):
			k, v, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), " ")
			res.header[k] = strings.TrimSpace(v)
		case f[0] == "go" && len(f) >= 4:
			build, name := f[1], benchSuffix.ReplaceAllString(f[2], "")
			if res.bench[build] == nil {
				res.bench[build] = map[string]map[string][]float64{}
			}
			if res.bench[build][name] == nil {
				res.bench[build][name] = map[string][]float64{}
			}
			// f[3] is the iteration count; then value-unit pairs.
			for i := 4; i+1 < len(f); i += 2 {
				v, err := strconv.ParseFloat(f[i], 64)
				if err != nil {
					return nil, fmt.Errorf("line %d: value %q of %s: %w", ln, f[i], name, err)
				}
				res.bench[build][name][f[i+1]] = append(res.bench[build][name][f[i+1]], v)
			}
		case (f[0] == "torch" || f[0] == "brian") && len(f) >= 3:
			var rec map[string]any
			js := strings.TrimSpace(line[strings.Index(line, "{"):])
			if err := json.Unmarshal([]byte(js), &rec); err != nil {
				return nil, fmt.Errorf("line %d: %s %s record: %w", ln, f[0], f[1], err)
			}
			key := f[0] + " " + f[1]
			res.peers[key] = append(res.peers[key], rec)
		default:
			return nil, fmt.Errorf("line %d: not a speed.sh result: %.60q", ln, line)
		}
	}
	return res, sc.Err()
}

// median returns the median of x (NaN when empty).
func median(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := slices.Clone(x)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// goValues returns the values of a benchmark metric in a build, scaled.
func (r *results) goValues(build, name, metric string, scale float64) []float64 {
	var out []float64
	for _, v := range r.bench[build][name][metric] {
		out = append(out, v*scale)
	}
	return out
}

// peerValues returns fn of each record of a peer that fn accepts.
func (r *results) peerValues(key string, fn func(map[string]any) (float64, bool)) []float64 {
	var out []float64
	for _, rec := range r.peers[key] {
		if v, ok := fn(rec); ok {
			out = append(out, v)
		}
	}
	return out
}

// field returns rec[name] as a number.
func field(rec map[string]any, name string) (float64, bool) {
	v, ok := rec[name].(float64)
	return v, ok && !math.IsNaN(v)
}

// row is one line of the table.
type row struct {
	job        string
	unit       string
	def, simd  []float64 // spikernn, in unit
	peer       []float64 // in unit
	peerName   string
	peerNote   string // shown instead of a measured peer
	target     string
	decimals   int
	ratioBased bool // the target is a ratio to the peer (else an absolute time)
}

// rows builds the table's rows from the results.
func rows(r *results) []row {
	ms, s := 1e-6, 1e-9
	perTrial := func(rec map[string]any) (float64, bool) {
		w, ok1 := field(rec, "wall")
		n, ok2 := field(rec, "trials_trained")
		return w / n * 1e3, ok1 && ok2 && n > 0
	}
	brian := func(rec map[string]any) (float64, bool) {
		v, ok := field(rec, "loop_999ms_s")
		return v * 1e3, ok
	}
	wall := func(rec map[string]any) (float64, bool) { return field(rec, "wall") }
	stepMs := func(rec map[string]any) (float64, bool) {
		v, ok := field(rec, "s_per_train_trial")
		return v * 1e3, ok
	}
	both := func(name, metric string, scale float64) (def, simd []float64) {
		return r.goValues("def", name, metric, scale), r.goValues("simd", name, metric, scale)
	}
	var out []row
	add := func(x row, name, metric string, scale float64) {
		x.def, x.simd = both(name, metric, scale)
		out = append(out, x)
	}
	add(row{job: "Go-NoGo training to the stopping rule (N = 200, reference flags" + trialsNote(r) + ")", unit: "s", decimals: 1,
		peer: r.peerValues("torch gonogo", wall), peerName: "PyTorch", target: "6x PyTorch (simd), 3x (default)", ratioBased: true},
		"BenchmarkTrainGoNoGo", "ns/op", s)
	add(row{job: "one Go-NoGo training trial (N = 200, T = 200: forward, BPTT, Adam)", unit: "ms", decimals: 1,
		peer: r.peerValues("torch gonogo", stepMs), peerName: "PyTorch"},
		"BenchmarkTrainStepN200", "ns/op", ms)
	add(row{job: "context task, per training trial (N = 250, T = 500; 300 trials and 3 evaluations)", unit: "ms", decimals: 1,
		peer: r.peerValues("torch mante", perTrial), peerName: "PyTorch", target: "6x PyTorch", ratioBased: true},
		"BenchmarkTrainContext300", "ns/trial", ms)
	add(row{job: "one 1-s LIF trial, trained N = 200 network, one at a time", unit: "ms", decimals: 1,
		peer: r.peerValues("brian lif", brian), peerName: "Brian2 cython", target: "no slower than before"},
		"BenchmarkTrialTrained", "ns/op", ms)
	add(row{job: "one 1-s LIF trial in a batch of 8 (effective; batching is off by default)", unit: "ms", decimals: 1,
		peer: r.peerValues("brian lif", brian), peerName: "Brian2 cython", target: "3 ms (150x Brian2)"},
		"BenchmarkBatch/trained", "ns/trial", ms)
	add(row{job: "lambda grid search (12 factors x 100 trials, trained N = 200 network, 2 workers)", unit: "s", decimals: 1,
		peerNote: "Octave: about 75 min (not run)", target: "2 s"},
		"BenchmarkGridSearchTrained/single", "ns/op", s)
	return out
}

// trialsNote says how many trials each side's Go-NoGo training ran.
func trialsNote(r *results) string {
	var parts []string
	if v := median(r.goValues("simd", "BenchmarkTrainGoNoGo", "trials", 1)); !math.IsNaN(v) {
		parts = append(parts, fmt.Sprintf("spikernn %.0f", v))
	}
	stop := r.peerValues("torch gonogo", func(rec map[string]any) (float64, bool) { return field(rec, "trials_trained") })
	if len(stop) > 0 {
		parts = append(parts, fmt.Sprintf("PyTorch %.0f", median(stop)))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; trials: " + strings.Join(parts, ", ")
}

// cell formats the median of x, with the range when there are several.
func cell(x []float64, unit string, dec int) string {
	if len(x) == 0 {
		return "-"
	}
	m := median(x)
	out := strconv.FormatFloat(m, 'f', dec, 64) + " " + unit
	if len(x) > 1 {
		lo, hi := slices.Min(x), slices.Max(x)
		out += " (" + strconv.FormatFloat(lo, 'f', dec, 64) + "-" + strconv.FormatFloat(hi, 'f', dec, 64) + ")"
	}
	return out
}

// ratio formats peer/ours from the medians.
func ratio(peer, ours []float64) string {
	if len(peer) == 0 || len(ours) == 0 {
		return "-"
	}
	r := median(peer) / median(ours)
	if r >= 10 {
		return fmt.Sprintf("%.0fx", r)
	}
	return fmt.Sprintf("%.1fx", r)
}

// render writes the table in Markdown.
func render(w io.Writer, r *results) {
	h := r.header
	fmt.Fprintf(w, "Generated by `scripts/bench/speed.sh -readme` on %s (%s, Go %s, commit %s; load average %s at the start, %s at the end).\n",
		orDash(h["date"]), orDash(h["cpu"]), strings.TrimPrefix(orDash(h["go"]), "go"), orDash(h["commit"]), orDash(h["load-start"]), orDash(h["load-end"]))
	fmt.Fprintf(w, "Medians over the runs (range in brackets), both builds and the peer in the same run; the raw results are in [scripts/bench/speed-results.txt](scripts/bench/speed-results.txt).\n\n")
	fmt.Fprintln(w, "| job | default build | `GOEXPERIMENT=simd` | peer, same run | peer / spikernn (simd, default) | target |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, x := range rows(r) {
		peer := "-"
		switch {
		case len(x.peer) > 0:
			peer = x.peerName + ": " + cell(x.peer, x.unit, x.decimals)
		case x.peerNote != "":
			peer = x.peerNote
		}
		rat := "-"
		if len(x.peer) > 0 {
			rat = ratio(x.peer, x.simd) + ", " + ratio(x.peer, x.def)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", x.job, cell(x.def, x.unit, x.decimals), cell(x.simd, x.unit, x.decimals), peer, rat, orDash(x.target))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// replaceBetween returns doc with the text between the markers replaced by
// body.
func replaceBetween(doc, body string) (string, error) {
	i := strings.Index(doc, beginMarker)
	j := strings.Index(doc, endMarker)
	if i < 0 || j < 0 || j < i {
		return "", fmt.Errorf("the README has no %q ... %q block", beginMarker, endMarker)
	}
	return doc[:i+len(beginMarker)] + "\n" + body + doc[j:], nil
}

// writeAtomic writes data to path through a temporary file in its folder.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".speedtable-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func run(resultsPath, readme string, stdout io.Writer) error {
	f, err := os.Open(resultsPath)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := parse(f)
	if err != nil {
		return fmt.Errorf("%s: %w", resultsPath, err)
	}
	if len(res.bench) == 0 {
		return fmt.Errorf("%s: no benchmark results", resultsPath)
	}
	var b strings.Builder
	render(&b, res)
	if readme == "" {
		_, err := io.WriteString(stdout, b.String())
		return err
	}
	doc, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	out, err := replaceBetween(string(doc), b.String())
	if err != nil {
		return fmt.Errorf("%s: %w", readme, err)
	}
	if err := writeAtomic(readme, []byte(out)); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s: speed table rewritten from %s\n", readme, resultsPath)
	return err
}

func main() {
	resultsPath := flag.String("results", "scripts/bench/speed-results.txt", "raw results of scripts/bench/speed.sh")
	readme := flag.String("readme", "", "rewrite this README's speed table (between its markers)")
	flag.Parse()
	if err := run(*resultsPath, *readme, os.Stdout); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			err = fmt.Errorf("%w (run scripts/bench/speed.sh first)", err)
		}
		fmt.Fprintln(os.Stderr, "speedtable:", err)
		os.Exit(1)
	}
}
