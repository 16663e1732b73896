package main

import (
	"strings"
	"testing"
)

// Executed notebooks as GoNB v0.11.4 (--raw_error) and nbconvert 6.5 write
// them, cut down to the fields the scanner reads.
const (
	nbCompileError = `{
 "nbformat": 4, "nbformat_minor": 5, "metadata": {},
 "cells": [
  {"cell_type": "markdown", "id": "m", "metadata": {}, "source": ["# Title\n"]},
  {"cell_type": "code", "id": "a", "execution_count": 1, "metadata": {}, "outputs": [],
   "source": ["!*go mod edit -require=github.com/janpfeifer/gonb@v0.11.4"]},
  {"cell_type": "code", "id": "b", "execution_count": 2, "metadata": {},
   "source": ["%%\n", "x := undefinedVariable + 1\n", "fmt.Println(x)"],
   "outputs": [{"output_type": "error", "ename": "ERROR",
     "evalue": "# gonb_b1271937\n./main.go:11:6: undefined: undefinedVariable\n",
     "traceback": ["# gonb_b1271937", "Cell[3]: Line 2\n\nfunc main() {\n\tflag.Parse()\nx := undefinedVariable + 1\n     ^\n\nundefined: undefinedVariable", ""]}]},
  {"cell_type": "code", "id": "c", "execution_count": 3, "metadata": {},
   "source": "%%\nfmt.Println(\"after\")",
   "outputs": [{"output_type": "stream", "name": "stdout", "text": ["after\n"]}]}
 ]}`

	nbPanic = `{
 "nbformat": 4, "nbformat_minor": 5, "metadata": {},
 "cells": [
  {"cell_type": "code", "id": "a", "execution_count": 1, "metadata": {},
   "source": ["func divide(a, b int) int { return a / b }\n", "\n", "%%\n", "fmt.Println(divide(1, 0))"],
   "outputs": [
    {"output_type": "stream", "name": "stderr", "text": ["panic: runtime error: integer divide by zero\n", "\n", "goroutine 1 [running]:\n", "main.divide(...)\n", "\t/tmp/gonb_a4457c2d/main.go:8\n", "main.main()\n", "\t \u001b[7m[[ Cell [1] Line 4 ]]\u001b[0m /tmp/gonb_a4457c2d/main.go:13 +0x53\n", "exit status 2\n"]},
    {"output_type": "error", "ename": "ERROR", "evalue": "exit status 2", "traceback": ["exit status 2"]}
   ]}
 ]}`

	nbShellAndWarnings = `{
 "nbformat": 4, "nbformat_minor": 5, "metadata": {},
 "cells": [
  {"cell_type": "code", "id": "a", "execution_count": 1, "metadata": {},
   "source": ["\n", "!false\n", "!echo to-stderr >&2"],
   "outputs": [{"output_type": "stream", "name": "stderr", "text": ["exit status 1\n", "to-stderr\n"]}]},
  {"cell_type": "code", "id": "b", "execution_count": 2, "metadata": {},
   "source": ["%%\n", "fmt.Fprintln(os.Stderr, \"a warning\")"],
   "outputs": [{"output_type": "stream", "name": "stderr", "text": ["a warning\n"]}]},
  {"cell_type": "code", "id": "c", "execution_count": 3, "metadata": {},
   "source": ["!*go get gonum.org/v1/plot"],
   "outputs": [{"output_type": "stream", "name": "stderr", "text": ["go: downloading gonum.org/v1/plot v0.17.0\n", "go: added gonum.org/v1/plot v0.17.0\n"]}]}
 ]}`

	nbFigures = `{
 "nbformat": 4, "nbformat_minor": 5, "metadata": {},
 "cells": [
  {"cell_type": "code", "id": "a", "execution_count": 1, "metadata": {}, "source": "%%\ngonbui.DisplayImage(img)",
   "outputs": [
    {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<image>"}},
    {"output_type": "display_data", "metadata": {}, "data": {"text/html": ["<div>\n", "<SVG width=\"10\"></svg><svg></svg>\n", "</div>"]}},
    {"output_type": "display_data", "metadata": {}, "data": {"image/svg+xml": "<svg/>"}},
    {"output_type": "display_data", "metadata": {}, "data": {"text/html": "<b>no figure</b>"}},
    {"output_type": "execute_result", "metadata": {}, "execution_count": 1, "data": {"image/jpeg": "/9j/"}},
    {"output_type": "stream", "name": "stdout", "text": "<svg> in stdout is no figure\n"}
   ]},
  {"cell_type": "code", "id": "b", "execution_count": null, "metadata": {}, "source": "", "outputs": []}
 ]}`
)

func TestScanCompileError(t *testing.T) {
	rep, err := scanNotebook([]byte(nbCompileError))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cells != 4 || rep.CodeCells != 3 || rep.Executed != 3 || rep.Images != 0 {
		t.Errorf("counts: %+v", rep)
	}
	if len(rep.Problems) != 1 {
		t.Fatalf("problems: %v", rep.Problems)
	}
	p := rep.Problems[0]
	if p.Cell != 3 || p.Kind != "error" || p.FirstLine != "x := undefinedVariable + 1" {
		t.Errorf("problem: %+v", p)
	}
	for _, want := range []string{"undefined: undefinedVariable", "at Cell[3]: Line 2"} {
		if !strings.Contains(p.Message, want) {
			t.Errorf("message %q lacks %q", p.Message, want)
		}
	}
	if strings.Contains(p.Message, "# gonb_") {
		t.Errorf("message %q keeps go build's package header", p.Message)
	}
}

func TestScanPanic(t *testing.T) {
	rep, err := scanNotebook([]byte(nbPanic))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 {
		t.Fatalf("want the panic and its exit status as one problem, got %v", rep.Problems)
	}
	p := rep.Problems[0]
	if p.Cell != 1 || p.Kind != "error" || !strings.HasPrefix(p.FirstLine, "func divide") {
		t.Errorf("problem: %+v", p)
	}
	if !strings.HasPrefix(p.Message, "panic: runtime error: integer divide by zero") {
		t.Errorf("message should start with the panic: %q", p.Message)
	}
	if strings.Contains(p.Message, "\x1b[") {
		t.Errorf("message keeps ANSI escapes: %q", p.Message)
	}
	if n := strings.Count(p.Message, "exit status 2"); n != 1 {
		t.Errorf("exit status appears %d times in %q", n, p.Message)
	}
}

func TestScanShellFailureAndWarnings(t *testing.T) {
	rep, err := scanNotebook([]byte(nbShellAndWarnings))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Cell != 1 || rep.Problems[0].Kind != "stderr" || rep.Problems[0].FirstLine != "!false" {
		t.Fatalf("want the failing ! line of cell 1, got %v", rep.Problems)
	}
	if len(rep.Stderr) != 2 || rep.Stderr[0].Cell != 2 || rep.Stderr[1].Cell != 3 {
		t.Errorf("want the warning and go get's progress as notes, got %v", rep.Stderr)
	}
}

func TestScanFigures(t *testing.T) {
	rep, err := scanNotebook([]byte(nbFigures))
	if err != nil {
		t.Fatal(err)
	}
	// png, two inline <svg> in one text/html, image/svg+xml, jpeg.
	if rep.Images != 5 {
		t.Errorf("images = %d, want 5", rep.Images)
	}
	if rep.CodeCells != 2 || rep.Executed != 1 || len(rep.Problems) != 0 {
		t.Errorf("counts: %+v", rep)
	}
}

func TestScanBadInput(t *testing.T) {
	for name, data := range map[string]string{
		"empty":         "",
		"not json":      "{cells: [",
		"truncated":     nbPanic[:len(nbPanic)/2],
		"nbformat 3":    `{"nbformat": 3, "worksheets": []}`,
		"source number": `{"nbformat": 4, "cells": [{"cell_type": "code", "source": 42}]}`,
		"cells object":  `{"nbformat": 4, "cells": {}}`,
	} {
		if rep, err := scanNotebook([]byte(data)); err == nil {
			t.Errorf("%s: no error, report %+v", name, rep)
		}
	}
	// A notebook without cells is fine.
	rep, err := scanNotebook([]byte(`{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}`))
	if err != nil || rep.Cells != 0 || len(rep.Problems) != 0 {
		t.Errorf("empty notebook: %+v, %v", rep, err)
	}
}

func TestFatalStderr(t *testing.T) {
	for text, fatal := range map[string]bool{
		"panic: boom\n\ngoroutine 1 [running]:":              true,
		"fatal error: all goroutines are asleep - deadlock!": true,
		"exit status 1\n":                                                  true,
		"# gonb_1234\n./main.go:3:2: undefined: x":                         true,
		"failed to run \"/usr/local/go/bin/go build\": exit status 1":      true,
		"go: errors parsing go.mod:\ngo.mod:3: unknown directive":          true,
		"main.go:1:1: missing go.sum entry for module providing package x": true,
		"go: downloading gonum.org/v1/plot v0.17.0":                        false,
		"go: added gonum.org/v1/plot v0.17.0\ngo: upgraded x v1 => v2":     false,
		"go: warning: \"all\" matched no packages":                         false,
		"training: loss 0.25":                                              false,
		"2026/01/02 15:04:05 main.go:12: message from log":                 false,
		"": false,
	} {
		if got := fatalStderr(text) != ""; got != fatal {
			t.Errorf("fatalStderr(%q) = %v, want %v", text, got, fatal)
		}
	}
}

func TestFirstLineAndClip(t *testing.T) {
	if got := firstLine("\n  \n%%\n  fmt.Println(1)\n"); got != "fmt.Println(1)" {
		t.Errorf("firstLine = %q", got)
	}
	if got := firstLine(""); got != "(empty cell)" {
		t.Errorf("firstLine(empty) = %q", got)
	}
	if got := firstLine(strings.Repeat("é", 100)); len([]rune(got)) != 80 || !strings.HasSuffix(got, "...") {
		t.Errorf("firstLine(long) = %q", got)
	}
	if got := clip("a\n\nb\nc\nd", 2); got != "a\nb\n..." {
		t.Errorf("clip = %q", got)
	}
}
