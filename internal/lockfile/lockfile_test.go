package lockfile

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "job.lock")
	var got atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := Acquire(path, "test", time.Hour); err == nil {
				got.Add(1)
			} else if !errors.Is(err, ErrLocked) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got.Load() != 1 {
		t.Fatalf("%d holders", got.Load())
	}
}

func TestStaleTakeover(t *testing.T) {
	dir := t.TempDir()
	// A lock of a process that has exited on this host.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true(1)")
	}
	host, _ := os.Hostname()
	dead := filepath.Join(dir, "dead.lock")
	b, _ := json.Marshal(Owner{Host: host, PID: cmd.Process.Pid, Since: time.Now()})
	os.WriteFile(dead, b, 0o644)
	l, err := Acquire(dead, "", time.Hour)
	if err != nil {
		t.Fatalf("dead owner's lock not taken over: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	// A lock of another host, refreshed long ago.
	far := filepath.Join(dir, "far.lock")
	b, _ = json.Marshal(Owner{Host: "node-17", PID: 1, Since: time.Now()})
	os.WriteFile(far, b, 0o644)
	if _, err := Acquire(far, "", time.Hour); !errors.Is(err, ErrLocked) {
		t.Fatalf("fresh remote lock: %v", err)
	}
	past := time.Now().Add(-2 * time.Hour)
	os.Chtimes(far, past, past)
	if _, err := Acquire(far, "", time.Hour); err != nil {
		t.Fatalf("stale remote lock not taken over: %v", err)
	}
	if o, held := Holder(far, time.Hour); !held || o.PID != os.Getpid() {
		t.Errorf("holder %v %v", o, held)
	}
}
