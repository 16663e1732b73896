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

// TestLongestFirst checks the order notebooks are started in: most code
// cells first, ties in the given order, unreadable ones last.
func TestLongestFirst(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string, code int) string {
		cells := `{"cell_type": "markdown", "source": "x"}`
		for range code {
			cells += `, {"cell_type": "code", "source": "y", "outputs": []}`
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(`{"nbformat": 4, "cells": [`+cells+`]}`), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nbs := []string{mk("a.ipynb", 2), mk("b.ipynb", 7), filepath.Join(dir, "missing.ipynb"), mk("c.ipynb", 2), mk("d.ipynb", 9)}
	got := longestFirst(nbs)
	want := []int{4, 1, 0, 3, 2}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("longestFirst = %v, want %v", got, want)
		}
	}
}
