package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Executing notebooks needs jupyter (with nbconvert) and the GoNB
// kernelspec: "go run ./kernelconfig install" sets both up. These tests skip
// without them and with -short. A notebook takes seconds with warm Go
// caches and a few minutes cold; go test's default -timeout of 10m may be
// too short for many notebooks: the tests stop nbconvert 30s before the
// deadline and say which -timeout to use.

// notebookOptions returns the options to execute notebooks with, or skips
// the test when they cannot run here.
func notebookOptions(t *testing.T) (context.Context, testOptions) {
	t.Helper()
	if testing.Short() {
		t.Skip("executing notebooks takes from seconds to minutes: skipped with -short")
	}
	o := testOptions{timeout: 10 * time.Minute, kernelName: defaultKernel}
	ctx := context.Background()
	if dl, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-30*time.Second))
		t.Cleanup(cancel)
		if left := time.Until(dl) - 30*time.Second; left < o.timeout {
			o.timeout = max(left, time.Second)
		}
	}
	if _, err := prepareTest(ctx, o); err != nil {
		t.Skipf("cannot execute notebooks here: %v", err)
	}
	return ctx, o
}

// reportTimeout adds advice when the test's deadline stopped the run.
func reportTimeout(t *testing.T, ctx context.Context) {
	if ctx.Err() != nil {
		t.Errorf("ran out of time (%v): rerun with a longer limit, e.g. go test ./kernelconfig -run %s -timeout 60m", ctx.Err(), t.Name())
	}
}

// TestRepositoryNotebooks executes every notebook under the repository's
// notebooks/ folder, as "go run ./kernelconfig test" does. Set
// KERNELCONFIG_RUN to a regular expression to execute only some, and
// KERNELCONFIG_OUT to keep the executed notebooks in a folder.
func TestRepositoryNotebooks(t *testing.T) {
	dir, err := defaultNotebookDir("")
	if err != nil {
		t.Fatal(err)
	}
	o := testOptions{run: os.Getenv("KERNELCONFIG_RUN")}
	nbs, err := listNotebooks([]string{dir}, o.run)
	if err != nil || len(nbs) == 0 {
		t.Skipf("no notebooks in %s (%v)", dir, err)
	}
	ctx, o := notebookOptions(t)
	o.run = os.Getenv("KERNELCONFIG_RUN")
	o.out = os.Getenv("KERNELCONFIG_OUT")
	if o.out == "" {
		o.out = t.TempDir()
	}
	results, err := testNotebooks(ctx, o, []string{dir}, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.OK() {
			continue
		}
		var msgs []string
		if r.Err != nil {
			msgs = append(msgs, r.Err.Error())
		}
		if r.Report != nil {
			for _, p := range r.Report.Problems {
				msgs = append(msgs, p.String())
			}
		}
		t.Errorf("%s failed:\n%s", filepath.Base(r.Path), strings.Join(msgs, "\n"))
	}
	reportTimeout(t, ctx)
}

// TestSampleNotebooks executes the notebooks under testdata: those in pass/
// must run cleanly and produce figures, those in fail/ must be reported at
// the right cells.
func TestSampleNotebooks(t *testing.T) {
	ctx, o := notebookOptions(t)
	o.out = t.TempDir()
	byName := func(rs []notebookResult) map[string]notebookResult {
		m := map[string]notebookResult{}
		for _, r := range rs {
			m[filepath.Base(r.Path)] = r
		}
		return m
	}

	pass, err := testNotebooks(ctx, o, []string{filepath.Join("testdata", "pass")}, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	minImages := map[string]int{"figures.ipynb": 2, "spikernn_plot.ipynb": 1}
	got := byName(pass)
	for name, want := range minImages {
		r, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s was not executed", name)
		case !r.OK():
			t.Errorf("%s failed: %v %+v", name, r.Err, r.Report)
		case r.Report.Images < want:
			t.Errorf("%s produced %d figures, want %d", name, r.Report.Images, want)
		}
	}

	fail, err := testNotebooks(ctx, o, []string{filepath.Join("testdata", "fail")}, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	wantProblems := map[string]struct {
		cell int
		text string
	}{
		"compile_error.ipynb": {3, "undefined: undefinedVariable"},
		"panic.ipynb":         {2, "integer divide by zero"},
	}
	got = byName(fail)
	for name, want := range wantProblems {
		r, ok := got[name]
		if !ok || r.Report == nil {
			t.Errorf("%s: not executed or not readable: %+v", name, r)
			continue
		}
		if r.OK() || len(r.Report.Problems) != 1 {
			t.Errorf("%s: want one problem, got %v", name, r.Report.Problems)
			continue
		}
		p := r.Report.Problems[0]
		if p.Cell != want.cell || !strings.Contains(p.Message, want.text) {
			t.Errorf("%s: got %v, want cell %d with %q", name, p, want.cell, want.text)
		}
		if name == "compile_error.ipynb" && r.Report.Executed != 4 {
			t.Errorf("%s: %d cells executed, want all 4 (--allow-errors)", name, r.Report.Executed)
		}
	}
	reportTimeout(t, ctx)
}

// TestBrokenNotebook checks that a file that is not a notebook fails with
// nbconvert's reason and no panic.
func TestBrokenNotebook(t *testing.T) {
	ctx, o := notebookOptions(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "broken.ipynb"), []byte(`{"cells": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	o.out = filepath.Join(dir, "out")
	var out strings.Builder
	results, err := testNotebooks(ctx, o, []string{dir}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].OK() || results[0].Err == nil {
		t.Fatalf("want one failed notebook, got %+v", results)
	}
	if !strings.Contains(out.String(), "FAIL broken.ipynb") {
		t.Errorf("report does not name the notebook:\n%s", out.String())
	}
}
