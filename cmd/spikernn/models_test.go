package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spikernn/spikernn/examples"
)

// TestModelsList lists the shipped models of an empty store without
// training anything.
func TestModelsList(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := runMain([]string{"models", "--list", "--dir", dir}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, e := range examples.Models() {
		if !strings.Contains(out.String(), e.Name) {
			t.Errorf("--list does not name %s:\n%s", e.Name, out.String())
		}
	}
	if strings.Count(out.String(), " no\n") != len(examples.Models()) {
		t.Errorf("an empty store should hold none of the models:\n%s", out.String())
	}
	out.Reset()
	if code := runMain([]string{"models", "--list", "--dir", dir, "--only", examples.XOR + "," + examples.GoNoGo}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if strings.Contains(out.String(), examples.ContextFig4) || !strings.Contains(out.String(), examples.XOR) {
		t.Errorf("--only should list only the named models:\n%s", out.String())
	}
}

// TestModelsUnknownName rejects an unknown --only name before any work,
// naming the valid ones.
func TestModelsUnknownName(t *testing.T) {
	var out, errOut bytes.Buffer
	code := runMain([]string{"models", "--only", "gonogo-fig1,no-such-model", "--dir", t.TempDir()}, &out, &errOut)
	if code == 0 {
		t.Fatal("an unknown model name should fail")
	}
	if msg := errOut.String(); !strings.Contains(msg, "no-such-model") || !strings.Contains(msg, examples.GoNoGo) {
		t.Errorf("the error should name the bad and the valid names: %s", msg)
	}
	if code := runMain([]string{"models", "extra"}, &out, &errOut); code == 0 {
		t.Error("a positional argument should fail")
	}
}

// TestModelsPrune removes files no shipped model names and keeps the
// others.
func TestModelsPrune(t *testing.T) {
	dir := t.TempDir()
	keep, err := examples.Path(dir, examples.GoNoGo)
	if err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(filepath.Dir(keep), "Task_go-nogo_N_200_old.mat")
	for _, p := range []string{keep, stale} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := pruneModels(&out, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("the stale file should be removed")
	}
	if _, err := os.Stat(keep); err != nil {
		t.Error("the shipped model's file should stay")
	}
}
