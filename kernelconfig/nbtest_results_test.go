package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSetAsideResults checks that a successful run replaces a notebook's
// results file (stale rows go) and that a failed one keeps the old file.
func TestSetAsideResults(t *testing.T) {
	dir := t.TempDir()
	nb := filepath.Join(dir, "07_x.ipynb")
	res := filepath.Join(dir, "results", "07_x.json")
	if err := os.MkdirAll(filepath.Dir(res), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(s string) {
		if err := os.WriteFile(res, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func() string {
		b, _ := os.ReadFile(res)
		return string(b)
	}
	write("old")
	restore := setAsideResults(nb)
	if _, err := os.Stat(res); !os.IsNotExist(err) {
		t.Fatalf("the results file is still in place during the run: %v", err)
	}
	write("new")
	restore(true)
	if got := read(); got != "new" {
		t.Errorf("after a successful run: %q, want the new file", got)
	}
	restore = setAsideResults(nb)
	write("partial")
	restore(false)
	if got := read(); got != "new" {
		t.Errorf("after a failed run: %q, want the previous file back", got)
	}
	restore = setAsideResults(nb)
	restore(true) // a run that recorded nothing keeps the previous file
	if got := read(); got != "new" {
		t.Errorf("after a run that wrote nothing: %q", got)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "results", "*.before-run")); len(left) != 0 {
		t.Errorf("set-aside copies left behind: %v", left)
	}
}
