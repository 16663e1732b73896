// Package atomicfile writes files so that a reader, a crash or a second
// writer never sees a partial file and never loses an existing one: new files
// are created exclusively (a taken name gets a numbered suffix), and the
// temporary files a killed writer leaves behind are cleaned up later.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// TempPattern returns the os.CreateTemp pattern of temporary files for
// path: a hidden ".NAME.tmp*" next to it. matfile uses the same pattern, so
// CleanStale removes what either leaves.
func TempPattern(path string) string { return "." + filepath.Base(path) + ".tmp*" }

// MaxSuffix is the largest numbered suffix CreateNew tries.
const MaxSuffix = 10000

// CreateNew writes a new file at path, or, if path is taken, at the first
// free name among NAME_2.EXT, NAME_3.EXT, ..., and returns the path
// written. The content goes to a temporary file in the same folder first,
// is synced, and is then linked to its name, which fails if the name exists:
// an existing file is never replaced, and two writers racing for one name
// both succeed under different names. On file systems without hard links it
// falls back to reserving the name with O_EXCL and renaming over it.
func CreateNew(path string, perm fs.FileMode, write func(io.Writer) error) (string, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, TempPattern(path))
	if err != nil {
		return "", err
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := fill(tmp, perm, write); err != nil {
		return "", err
	}
	ext := filepath.Ext(path)
	stem := strings.TrimSuffix(path, ext)
	for k := 1; k <= MaxSuffix; k++ {
		name := path
		if k > 1 {
			name = fmt.Sprintf("%s_%d%s", stem, k, ext)
		}
		err := os.Link(tmpName, name)
		if err == nil {
			syncDir(dir)
			return name, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		// No hard links here: reserve the name, then rename over it.
		f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		f.Close()
		if err := os.Rename(tmpName, name); err != nil {
			os.Remove(name)
			return "", err
		}
		syncDir(dir)
		return name, nil
	}
	return "", fmt.Errorf("atomicfile: %s and %d numbered variants all exist", path, MaxSuffix)
}

// CreateExclusive writes a new file at path atomically, failing with an
// error matching fs.ErrExist if path exists: a temporary file linked to its
// name, so that the name never holds a partial file and an existing one is
// never replaced.
func CreateExclusive(path string, perm fs.FileMode, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, TempPattern(path))
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := fill(tmp, perm, write); err != nil {
		return err
	}
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		// No hard links: reserve the name, then rename over it.
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
		if err != nil {
			return err
		}
		f.Close()
		if err := os.Rename(tmpName, path); err != nil {
			os.Remove(path)
			return err
		}
	}
	syncDir(dir)
	return nil
}

// Replace writes path atomically: a temporary file in the same folder,
// synced and renamed over path.
func Replace(path string, perm fs.FileMode, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, TempPattern(path))
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	if err := fill(tmp, perm, write); err != nil {
		os.Remove(tmpName)
		return err
	}
	if err := os.Rename(tmpName, path); err != nil {
		os.Remove(tmpName)
		return err
	}
	syncDir(dir)
	return nil
}

// fill writes, syncs and closes a temporary file.
func fill(tmp *os.File, perm fs.FileMode, write func(io.Writer) error) error {
	bw := bufio.NewWriterSize(tmp, 1<<16)
	err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// CleanStale removes the temporary files (".NAME.tmp*") in dir that are
// older than age: what a writer killed mid-write leaves behind. Younger ones
// may belong to a writer at work and are kept. It returns the files removed.
func CleanStale(dir string, age time.Duration) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	now := time.Now()
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, ".") || !strings.Contains(name, ".tmp") || e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil || now.Sub(info.ModTime()) < age {
			continue
		}
		p := filepath.Join(dir, name)
		if os.Remove(p) == nil {
			removed = append(removed, p)
		}
	}
	return removed
}

// MkdirAll creates dir and its missing parents like os.MkdirAll and returns
// a function that removes the folders it created (innermost first, only
// while empty): a failed write can undo its folders.
func MkdirAll(dir string, perm fs.FileMode) (undo func(), err error) {
	var created []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		created = append(created, d)
		if parent := filepath.Dir(d); parent == d {
			break
		}
	}
	if err := os.MkdirAll(dir, perm); err != nil {
		return func() {}, err
	}
	return func() {
		for _, d := range created {
			if os.Remove(d) != nil {
				return
			}
		}
	}, nil
}

// CheckWritable creates dir if needed and checks that a file can be
// created in it, so that a long computation learns before it starts that it
// could not save its result. It removes what it created.
func CheckWritable(dir string) error {
	undo, err := MkdirAll(dir, 0o755)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".write-check.tmp*")
	if err != nil {
		undo()
		return err
	}
	name := f.Name()
	_, err = f.Write([]byte("spikernn"))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	os.Remove(name)
	if err != nil {
		undo()
	}
	return err
}
