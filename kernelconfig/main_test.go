package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the command line in-process and returns its exit status and
// output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestCLIArguments(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage:"},
		{[]string{"help"}, 0, "!*go mod edit -require=github.com/janpfeifer/gonb@v0.11.4"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"test", "-h"}, 0, "-timeout"},
		{[]string{"install", "-h"}, 0, "-dry-run"},
		{[]string{"check", "--no-such-flag"}, 2, "flag provided but not defined"},
		{[]string{"install", "extra"}, 2, "usage:"},
		{[]string{"install", "--simd=maybe"}, 1, "want auto, on or off"},
		{[]string{"test", "--timeout", "-1s"}, 1, "positive duration"},
		{[]string{"test", "-run", "(", "testdata/pass"}, 1, "missing closing )"},
		{[]string{"test", "/nonexistent/notebooks"}, 1, "no such file or directory"},
		{[]string{"test", "testdata/pass", "-run", "^nothing$"}, 1, "no notebooks"},
	} {
		code, stdout, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stdout+stderr, c.want) {
			t.Errorf("%q: exit %d, want %d with %q; output:\n%s%s", c.args, code, c.code, c.want, stdout, stderr)
		}
	}
}

func TestListNotebooks(t *testing.T) {
	nbs, err := listNotebooks([]string{"testdata/fail", "testdata/pass", "testdata/pass/figures.ipynb"}, "")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, nb := range nbs {
		if !filepath.IsAbs(nb) {
			t.Errorf("%s is not absolute", nb)
		}
		names = append(names, filepath.Base(nb))
	}
	if got := strings.Join(names, " "); got != "compile_error.ipynb panic.ipynb figures.ipynb spikernn_plot.ipynb" {
		t.Errorf("notebooks: %s", got)
	}
	nbs, err = listNotebooks([]string{"testdata/fail", "testdata/pass"}, "^p")
	if err != nil || len(nbs) != 1 || filepath.Base(nbs[0]) != "panic.ipynb" {
		t.Errorf("-run ^p: %v %v", nbs, err)
	}
}

func TestOutputNames(t *testing.T) {
	got := outputNames([]string{"/a/x.ipynb", "/b/x.ipynb", "/out/y.ipynb", "/c/x.ipynb"}, "/out")
	want := []string{"x", "x-2", "y.executed", "x-3"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("outputNames = %q, want %q", got, want)
	}
}

func TestVersionLess(t *testing.T) {
	for _, c := range []struct {
		a, b string
		less bool
	}{
		{"go1.26.8", "go1.26.8", false},
		{"go1.26.4", "go1.26.8", true},
		{"go1.26", "go1.26.1", true},
		{"go1.27rc1", "go1.26.8", false},
		{"go1.9", "go1.26", true},
		{"go1.26.8 X:simd", "go1.26.8", false},
	} {
		if got := versionLess(c.a, c.b); got != c.less {
			t.Errorf("versionLess(%q, %q) = %v", c.a, c.b, got)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain/path-1.2": "plain/path-1.2",
		"":               "''",
		"a b":            "'a b'",
		"it's":           `'it'\''s'`,
		"${PATH}":        "'${PATH}'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestKernelEnv(t *testing.T) {
	g := &goInfo{GOBIN: "/home/u/go/bin", GOROOT: "/usr/local/go"}
	env := kernelEnv(g, "/src/spikernn", true)
	want := map[string]string{
		"GOMLX_BACKEND": "go",
		"SPIKERNN_ROOT": "/src/spikernn",
		"GOEXPERIMENT":  "simd",
		"GOFLAGS":       "-ldflags=-s",
		"PATH":          strings.Join([]string{"/home/u/go/bin", "/usr/local/go/bin", "${PATH}"}, string(os.PathListSeparator)),
	}
	if len(env) != len(want) {
		t.Errorf("env = %v", env)
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("env[%s] = %q, want %q", k, env[k], v)
		}
	}
	if _, ok := kernelEnv(g, "/r", false)["GOEXPERIMENT"]; ok {
		t.Error("GOEXPERIMENT set without simd")
	}
}

func TestReadKernelSpecErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := readKernelSpec(dir); err == nil {
		t.Error("no error for a missing kernel.json")
	}
	if err := os.WriteFile(filepath.Join(dir, "kernel.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readKernelSpec(dir); err == nil || !strings.Contains(err.Error(), "kernel.json") {
		t.Errorf("bad kernel.json: %v", err)
	}
}

// TestCheckWithoutGo runs check with an empty PATH: it must report what is
// missing and exit 1, not crash.
func TestCheckWithoutGo(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	t.Setenv("JUPYTER_DATA_DIR", "")
	t.Setenv("JUPYTER_PATH", "")
	t.Setenv("XDG_DATA_HOME", "")
	code, stdout, stderr := runCLI(t, "check", "--jupyter-data-dir", t.TempDir())
	if code != 1 || !strings.Contains(stdout, "MISSING  kernelspec") || !strings.Contains(stdout, "fix: go run ./kernelconfig install") {
		t.Errorf("exit %d; output:\n%s%s", code, stdout, stderr)
	}
}

func TestInstallDryRun(t *testing.T) {
	g, err := findGo(context.Background())
	if err != nil {
		t.Skip(err)
	}
	// Only go on PATH, so that no gonb is found.
	t.Setenv("PATH", filepath.Dir(g.Path))
	tmp := t.TempDir()
	code, stdout, stderr := runCLI(t, "install", "--dry-run", "--no-jupyter",
		"--gobin", filepath.Join(tmp, "bin"), "--tools-dir", filepath.Join(tmp, "tools"),
		"--jupyter-data-dir", filepath.Join(tmp, "jupyter"), "--kernel-name", "gonb-dry")
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"dry run", "go get -tool github.com/janpfeifer/gonb@v0.11.4 golang.org/x/tools/gopls@v0.23.0",
		"go install tool", `"SPIKERNN_ROOT"`, `"GOMLX_BACKEND": "go"`, "kernels/gonb-dry/kernel.json"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	entries, err := os.ReadDir(tmp)
	if err != nil || len(entries) != 0 {
		t.Errorf("dry run created %v (%v)", entries, err)
	}
}

// TestInstallPrivateKernelSpec writes a kernelspec into a private Jupyter
// data directory with the tools already installed, twice: the second run
// must change nothing and keep a variable added by hand.
func TestInstallPrivateKernelSpec(t *testing.T) {
	g, err := findGo(context.Background())
	if err != nil {
		t.Skip(err)
	}
	for _, tool := range wantTools[:2] {
		if st := inspectTool(tool.name, g.GOBIN, tool.module, tool.version, false); !st.OK {
			t.Skipf("%s %s is not installed in %s: run go run ./kernelconfig install", tool.name, tool.version, g.GOBIN)
		}
	}
	data := t.TempDir()
	args := []string{"install", "--no-jupyter", "--simd", "off", "--jupyter-data-dir", data, "--kernel-name", "gonb-test"}
	code, stdout, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
	dir := filepath.Join(data, "kernels", "gonb-test")
	spec, err := readKernelSpec(dir)
	if err != nil {
		t.Fatal(err)
	}
	repo, _ := findRepo("")
	if spec.Argv[0] != filepath.Join(g.GOBIN, "gonb") || spec.Env["SPIKERNN_ROOT"] != repo ||
		spec.Env["GOMLX_BACKEND"] != "go" || spec.Env["GOEXPERIMENT"] != "" || spec.DisplayName != "Go (gonb: gonb-test)" {
		t.Errorf("kernel.json: %+v", spec)
	}
	if !strings.Contains(strings.Join(spec.Argv, " "), "-raw_error=true") {
		t.Errorf("argv lacks -raw_error=true: %q", spec.Argv)
	}

	// Add a variable by hand; a second install keeps it and ours.
	spec.Env["MY_VAR"] = "1"
	b, _ := json.Marshal(spec)
	if err := os.WriteFile(filepath.Join(dir, "kernel.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr = runCLI(t, args...); code != 0 || !strings.Contains(stdout, "keeping MY_VAR=1") {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr = runCLI(t, args...); code != 0 || !strings.Contains(stdout, "is up to date") || !strings.Contains(stdout, "\n0 done") {
		t.Errorf("third install changed something: exit %d:\n%s%s", code, stdout, stderr)
	}
	if spec, err = readKernelSpec(dir); err != nil || spec.Env["MY_VAR"] != "1" {
		t.Errorf("MY_VAR lost: %+v %v", spec, err)
	}

	// check finds it, and only GOEXPERIMENT is reported as information.
	if jup, err := findJupyter(); err == nil && jupyterHas(context.Background(), jup, "nbconvert") {
		code, stdout, stderr = runCLI(t, "check", "--jupyter-data-dir", data, "--kernel-name", "gonb-test")
		if code != 0 || !strings.Contains(stdout, "SPIKERNN_ROOT="+repo) {
			t.Errorf("check: exit %d:\n%s%s", code, stdout, stderr)
		}
	}
}

// nbclientTimeoutLog is the end of nbconvert 6.5's output for a cell that
// timed out.
const nbclientTimeoutLog = `[NbConvertApp] Converting notebook /tmp/brk/loop.ipynb to notebook
Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/nbclient/client.py", line 852, in _async_handle_timeout
    raise CellTimeoutError.error_from_timeout_and_cell(
nbclient.exceptions.CellTimeoutError: A cell timed out while it was being executed, after 3 seconds.
The message was: Cell execution timed out.
Here is a preview of the cell contents:
-------------------
%%
fmt.Println("start")
for {}
-------------------
`

func TestNbconvertReason(t *testing.T) {
	src := `{"nbformat": 4, "cells": [
	  {"cell_type": "markdown", "source": "%%\nfmt.Println(\"start\")\nfor {}"},
	  {"cell_type": "code", "source": ["!*go mod edit\n"]},
	  {"cell_type": "code", "source": ["%%\n", "fmt.Println(\"start\")\n", "for {}\n"]}]}`
	got := nbconvertReason(nbclientTimeoutLog, []byte(src))
	for _, want := range []string{"CellTimeoutError: A cell timed out", "in cell 3: fmt.Println(\"start\")"} {
		if !strings.Contains(got, want) {
			t.Errorf("reason %q lacks %q", got, want)
		}
	}
	if got := nbconvertReason("something\nwent wrong\n", nil); !strings.Contains(got, "went wrong") {
		t.Errorf("reason without exception: %q", got)
	}
	if got := nbconvertReason("", []byte("not json")); got != "" {
		t.Errorf("reason of nothing: %q", got)
	}
}
