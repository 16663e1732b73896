package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestCreateNewNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.mat")
	var wg sync.WaitGroup
	names := make([]string, 8)
	for i := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := CreateNew(path, 0o644, func(w io.Writer) error { _, err := fmt.Fprintf(w, "writer %d", i); return err })
			if err != nil {
				t.Error(err)
			}
			names[i] = p
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, p := range names {
		if seen[p] {
			t.Fatalf("two writers got %s", p)
		}
		seen[p] = true
		b, _ := os.ReadFile(p)
		if string(b) != fmt.Sprintf("writer %d", i) {
			t.Errorf("%s holds %q, want writer %d", p, b, i)
		}
	}
	if !seen[path] || !seen[filepath.Join(dir, "m_2.mat")] {
		t.Errorf("names %v", names)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestCreateNewFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	_, err := CreateNew(filepath.Join(dir, "x.mat"), 0o644, func(io.Writer) error { return errors.New("boom") })
	if err == nil {
		t.Fatal("no error")
	}
	if e, _ := os.ReadDir(dir); len(e) != 0 {
		t.Errorf("left %v", e)
	}
}

func TestCleanStaleAndMkdirUndo(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, ".a.mat.tmp123")
	young := filepath.Join(dir, ".b.mat.tmp456")
	for _, p := range []string{old, young} {
		os.WriteFile(p, []byte("x"), 0o644)
	}
	past := time.Now().Add(-2 * time.Hour)
	os.Chtimes(old, past, past)
	removed := CleanStale(dir, time.Hour)
	if len(removed) != 1 || removed[0] != old {
		t.Errorf("removed %v", removed)
	}
	if _, err := os.Stat(young); err != nil {
		t.Error("young temp file removed")
	}
	deep := filepath.Join(dir, "a", "b", "c")
	undo, err := MkdirAll(deep, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	undo()
	if _, err := os.Stat(filepath.Join(dir, "a")); !os.IsNotExist(err) {
		t.Error("undo left folders")
	}
	if err := CheckWritable(filepath.Join(dir, "x", "y")); err != nil {
		t.Error(err)
	}
	if e, _ := os.ReadDir(filepath.Join(dir, "x", "y")); len(e) != 0 {
		t.Errorf("CheckWritable left %v", e)
	}
}

func TestCheckWritableReadOnly(t *testing.T) {
	if os.Geteuid() == 0 {
		// root writes anywhere; use a path under a file instead.
		f := filepath.Join(t.TempDir(), "file")
		os.WriteFile(f, nil, 0o644)
		if err := CheckWritable(filepath.Join(f, "sub")); err == nil {
			t.Error("a folder under a file is not writable")
		}
		return
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o500)
	defer os.Chmod(dir, 0o700)
	if err := CheckWritable(filepath.Join(dir, "out")); err == nil {
		t.Error("read-only folder reported writable")
	}
}
