// Package lockfile gives processes that share a folder (on one machine or on
// cluster nodes sharing a file system) exclusive ownership of a piece of work:
// a lock is a file created with O_EXCL that names its owner, refreshed while
// the work goes on, and taken over when its owner is gone.
package lockfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Owner describes who holds a lock.
type Owner struct {
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Since   time.Time `json:"since"`
	Purpose string    `json:"purpose,omitempty"`
}

func (o Owner) String() string {
	return fmt.Sprintf("process %d on %s since %s", o.PID, o.Host, o.Since.Format(time.DateTime))
}

// ErrLocked is matched (errors.Is) by the error Acquire returns when
// another live owner holds the lock.
var ErrLocked = errors.New("locked")

// LockedError reports a lock held by someone else.
type LockedError struct {
	Path  string
	Owner Owner
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s is held by %s", e.Path, e.Owner)
}

// Is makes errors.Is(err, ErrLocked) hold.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Lock is a held lock.
type Lock struct {
	Path  string
	Owner Owner
}

// Acquire takes the lock at path. A lock file left by a process that no
// longer runs on this host, or one not refreshed for longer than stale (a
// process on another node that died), is taken over; a live one returns a
// *LockedError. Two processes taking over the same stale lock race safely:
// the stale file is first renamed to a unique name, which only one of them
// can do.
func Acquire(path, purpose string, stale time.Duration) (*Lock, error) {
	host, _ := os.Hostname()
	me := Owner{Host: host, PID: os.Getpid(), Since: time.Now().UTC(), Purpose: purpose}
	data, _ := json.Marshal(me)
	for attempt := 0; attempt < 3; attempt++ {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			_, werr := f.Write(append(data, '\n'))
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				os.Remove(path)
				return nil, werr
			}
			return &Lock{Path: path, Owner: me}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		owner, mod, rerr := read(path)
		if errors.Is(rerr, fs.ErrNotExist) {
			continue // released meanwhile
		}
		if rerr == nil && !isStale(owner, mod, host, stale) {
			return nil, &LockedError{Path: path, Owner: owner}
		}
		// Stale (or unreadable and old): move it aside, then retry.
		if rerr != nil && time.Since(mod) < stale {
			return nil, &LockedError{Path: path, Owner: Owner{Host: "?", Since: mod}}
		}
		aside := path + ".stale-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		if os.Rename(path, aside) == nil {
			os.Remove(aside)
		}
	}
	return nil, fmt.Errorf("lockfile: could not take %s", path)
}

// Holder returns the owner of the lock at path, and whether a lock file is
// there and not stale.
func Holder(path string, stale time.Duration) (Owner, bool) {
	owner, mod, err := read(path)
	if err != nil {
		return Owner{}, false
	}
	host, _ := os.Hostname()
	return owner, !isStale(owner, mod, host, stale)
}

func read(path string) (Owner, time.Time, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Owner{}, time.Time{}, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Owner{}, st.ModTime(), err
	}
	var o Owner
	if err := json.Unmarshal(data, &o); err != nil {
		return Owner{}, st.ModTime(), err
	}
	return o, st.ModTime(), nil
}

func isStale(o Owner, mod time.Time, host string, stale time.Duration) bool {
	if o.Host == host && !alive(o.PID) {
		return true
	}
	return time.Since(mod) > stale
}

// alive reports whether a process of that id runs on this machine.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid))); err == nil {
		// Linux: a zombie has exited.
		if b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat")); err == nil {
			for i := len(b) - 1; i > 0; i-- {
				if b[i] == ')' && i+2 < len(b) {
					return b[i+2] != 'Z'
				}
			}
		}
		return true
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return p.Signal(syscall.Signal(0)) == nil
}

// Refresh marks the lock as still held (its modification time), so that
// other nodes do not take it over as stale.
func (l *Lock) Refresh() error {
	now := time.Now()
	return os.Chtimes(l.Path, now, now)
}

// KeepFresh refreshes the lock every interval on a goroutine of its own
// until the returned stop is called, so that a long holder's lock is never
// taken for a crashed one's.
func (l *Lock) KeepFresh(every time.Duration) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = l.Refresh()
			}
		}
	}()
	return func() { close(done) }
}

// Release removes the lock file if this lock still owns it.
func (l *Lock) Release() error {
	owner, _, err := read(l.Path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	if owner.Host != l.Owner.Host || owner.PID != l.Owner.PID || !owner.Since.Equal(l.Owner.Since) {
		return fmt.Errorf("lockfile: %s was taken over by %s", l.Path, owner)
	}
	return os.Remove(l.Path)
}
