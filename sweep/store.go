package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spikernn/spikernn/internal/atomicfile"
	"github.com/spikernn/spikernn/internal/lockfile"
	"github.com/spikernn/spikernn/internal/parallel"
	"github.com/spikernn/spikernn/pipeline"
)

// Float is a number of a record that may be NaN (not computed): JSON null.
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(f), 'g', -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Float(math.NaN())
		return nil
	}
	x, err := strconv.ParseFloat(string(b), 64)
	*f = Float(x)
	return err
}

// Store is a sweep's folder:
//
//	models/...      the trained networks (a pipeline.Store, shared by all jobs)
//	jobs/KEY.json   each finished job's Record
//	jobs/KEY.lock   the lock of a job at work
//	jobs/done.log   one line per job completion (key, index, host, time)
//	results.csv     the table (Collect)
//	slurm/          the Slurm scripts and logs (Submit)
type Store struct {
	Dir    string
	models *pipeline.Store
	// pretrained holds the training seconds of the models Run trained
	// several per graph before their jobs (model path relative to the
	// store -> seconds), for the jobs' records.
	pretrained sync.Map
}

// OpenStore opens (creating if needed) a sweep store folder.
func OpenStore(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("sweep: no store folder (set store in the spec or give --store)")
	}
	m, err := pipeline.OpenStore(dir)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "jobs"), 0o755); err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	return &Store{Dir: dir, models: m}, nil
}

// StaleLock is how long a job lock of another host may go unrefreshed
// before it is taken for a crashed runner's (runners refresh theirs every
// minute).
const StaleLock = pipeline.DefaultStaleLock

func (s *Store) recordPath(key string) string { return filepath.Join(s.Dir, "jobs", key+".json") }
func (s *Store) lockPath(key string) string   { return filepath.Join(s.Dir, "jobs", key+".lock") }

// Record returns a job's record, or nil (and no error) when the job has not
// finished.
func (s *Store) Record(key string) (*Record, error) {
	data, err := os.ReadFile(s.recordPath(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("sweep: record %s: %w", s.recordPath(key), err)
	}
	return &r, nil
}

// writeRecord writes a job's record atomically and logs the completion
// (a line of done.log, after the record: a runner killed in between leaves
// the record without its line). A new record is created exclusively, so a
// job can never be finished twice; only the record of a failed job that is
// retried is replaced.
func (s *Store) writeRecord(r *Record, replace bool) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("sweep: record of job %d: %w", r.Index, err)
	}
	write := func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	}
	if replace {
		err = atomicfile.Replace(s.recordPath(r.Key), 0o644, write)
	} else {
		err = atomicfile.CreateExclusive(s.recordPath(r.Key), 0o644, write)
	}
	if err != nil {
		return fmt.Errorf("sweep: writing the record of job %d: %w", r.Index, err)
	}
	f, err := os.OpenFile(filepath.Join(s.Dir, "jobs", "done.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	defer f.Close()
	_, err = fmt.Fprintf(f, "%s %d %s %s %s\n", r.Key, r.Index, r.Status, r.Host, r.Ended.Format(time.RFC3339))
	return err
}

// lock takes a job's lock; ok is false when another live runner holds it.
func (s *Store) lock(key string) (l *lockfile.Lock, ok bool, err error) {
	l, err = lockfile.Acquire(s.lockPath(key), "sweep job", StaleLock)
	if errors.Is(err, lockfile.ErrLocked) {
		return nil, false, nil
	}
	return l, err == nil, err
}

// State is a job's state in the store.
type State string

// Job states.
const (
	Pending State = "pending" // not started, or stopped before it finished
	Running State = "running" // a live runner holds its lock
	Done    State = "done"
	Failed  State = "failed"
)

// states reads every job's state: one directory listing and one read of
// each finished job's record.
func (s *Store) states(jobs []*Job) (map[string]State, error) {
	have, err := s.listing()
	if err != nil {
		return nil, err
	}
	st := make([]State, len(jobs))
	// Several reads at a time hide the file system's latency.
	parallel.Each(context.Background(), len(jobs), 8, func(i int) error {
		key := jobs[i].Key()
		switch {
		case have[key+".json"]:
			st[i] = Done
			if failed, err := s.failedQuick(key); err == nil && failed {
				st[i] = Failed
			}
		case have[key+".lock"]:
			st[i] = Pending
			if _, live := lockfile.Holder(s.lockPath(key), StaleLock); live {
				st[i] = Running
			}
		default:
			st[i] = Pending
		}
		return nil
	})
	out := make(map[string]State, len(jobs))
	for i, j := range jobs {
		out[j.Key()] = st[i]
	}
	return out, nil
}

// listing returns the names of the files in the jobs folder.
func (s *Store) listing() (map[string]bool, error) {
	f, err := os.Open(filepath.Join(s.Dir, "jobs"))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	defer f.Close()
	names, err := f.Readdirnames(-1) // no lstat per file, unlike os.ReadDir's sort
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	have := make(map[string]bool, len(names))
	for _, n := range names {
		have[n] = true
	}
	return have, nil
}

// failedQuick reads whether a record says "failed" without decoding all of
// it.
func (s *Store) failedQuick(key string) (bool, error) {
	data, err := os.ReadFile(s.recordPath(key))
	if err != nil {
		return false, err
	}
	return bytes.Contains(data, []byte(`"status": "failed"`)), nil
}

// Summary counts a sweep's jobs by state.
type Summary struct {
	Total, Done, Failed, Running, Pending int
}

func (s Summary) String() string {
	return fmt.Sprintf("%d jobs: %d done, %d failed, %d running, %d pending", s.Total, s.Done, s.Failed, s.Running, s.Pending)
}

// Status reads the store and counts the spec's jobs by state; it needs no
// scheduler accounting.
func Status(spec *Spec, store *Store) (Summary, map[int]State, error) {
	jobs, err := spec.Jobs()
	if err != nil {
		return Summary{}, nil, err
	}
	states, err := store.states(jobs)
	if err != nil {
		return Summary{}, nil, err
	}
	sum := Summary{Total: len(jobs)}
	byIndex := make(map[int]State, len(jobs))
	for _, j := range jobs {
		st := states[j.Key()]
		byIndex[j.Index] = st
		switch st {
		case Done:
			sum.Done++
		case Failed:
			sum.Failed++
		case Running:
			sum.Running++
		default:
			sum.Pending++
		}
	}
	return sum, byIndex, nil
}

// relPath returns path relative to base when it lies under it.
func relPath(base, path string) string {
	if r, err := filepath.Rel(base, path); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return path
}
