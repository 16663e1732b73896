package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fixture is a speed.sh run's raw output (two runs of each build, the
// peers once), cut to the lines the table uses plus one it ignores.
const fixture = "testdata/results.txt"

func loadFixture(t *testing.T) *results {
	t.Helper()
	f, err := os.Open(fixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestParse(t *testing.T) {
	res := loadFixture(t)
	got := res.goValues("simd", "BenchmarkTrainGoNoGo", "ns/op", 1e-9)
	if len(got) != 2 || got[0] != 9.841784 || got[1] != 10.5 {
		t.Errorf("simd BenchmarkTrainGoNoGo = %v s, want [9.841784 10.5]", got)
	}
	if v := res.bench["def"]["BenchmarkBatch/trained"]["ns/trial"]; len(v) != 2 {
		t.Errorf("def BenchmarkBatch/trained ns/trial = %v, want two runs", v)
	}
	if n := len(res.peers["brian lif"]); n != 3 {
		t.Errorf("%d Brian2 records, want 3", n)
	}
	if res.header["cpu"] == "" || res.header["load-end"] == "" {
		t.Errorf("header = %v, want cpu and load", res.header)
	}
}

func TestParseRejects(t *testing.T) {
	for _, bad := range []string{
		"go simd BenchmarkX-2 1 abc ns/op\n",
		"torch gonogo {\"wall\": \n",
		"PASS\n",
	} {
		if _, err := parse(strings.NewReader(bad)); err == nil {
			t.Errorf("parse(%q) gave no error", bad)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		x    []float64
		want float64
	}{{[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{7}, 7}} {
		if got := median(c.x); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}

// TestRender checks the rows the fixture gives: medians, ranges, peers and
// ratios computed from the medians.
func TestRender(t *testing.T) {
	var b strings.Builder
	render(&b, loadFixture(t))
	out := b.String()
	for _, want := range []string{
		// Go-NoGo: def runs 24.0 and 26.0 s, simd 9.84 and 10.5 s, PyTorch 43.5 s.
		"| Go-NoGo training to the stopping rule (N = 200, reference flags; trials: spikernn 1502, PyTorch 1502) | 25.0 s (24.0-26.0) | 10.2 s (9.8-10.5) | PyTorch: 43.5 s | 4.3x, 1.7x | 6x PyTorch (simd), 3x (default) |",
		// One LIF trial against Brian2's loop (three trials, median 0.400 s).
		"| one 1-s LIF trial, trained N = 200 network, one at a time | 13.0 ms (12.0-14.0) | 10.0 ms (9.0-11.0) | Brian2 cython: 400.0 ms (390.0-410.0) | 40x, 31x | no slower than before |",
		"| lambda grid search (12 factors x 100 trials, trained N = 200 network, 2 workers) |",
		"Octave: about 75 min (not run)",
		"commit 0d46d59",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestReplaceInReadme(t *testing.T) {
	dir := t.TempDir()
	readme := filepath.Join(dir, "README.md")
	doc := "# x\n\n## Speed\n\n" + beginMarker + "\nold table\n" + endMarker + "\n\nafter\n"
	if err := os.WriteFile(readme, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	if err := run(fixture, readme, &log); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(readme)
	s := string(got)
	if strings.Contains(s, "old table") || !strings.Contains(s, "| job |") || !strings.HasSuffix(s, endMarker+"\n\nafter\n") || !strings.HasPrefix(s, "# x\n\n## Speed\n\n"+beginMarker+"\n") {
		t.Errorf("README after the rewrite:\n%s", s)
	}
	// Without markers: an error naming them, and the file untouched.
	if err := os.WriteFile(readme, []byte("no markers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(fixture, readme, &log); err == nil || !strings.Contains(err.Error(), beginMarker) {
		t.Errorf("run on a README without markers: err = %v", err)
	}
	if got, _ := os.ReadFile(readme); string(got) != "no markers\n" {
		t.Errorf("README changed to %q", got)
	}
}
