package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spikernn/spikernn/internal/atomicfile"
	"github.com/spikernn/spikernn/internal/lockfile"
	"github.com/spikernn/spikernn/spikernn"
)

// Store is a folder of model files, in the reference's folder layout
// (models/<task>/P_rec_.../), named by the configuration, the seed and a key
// of everything that determines the model.
type Store struct {
	Dir string
	// StaleLock is how long a lock of another host may go unrefreshed
	// before it is taken for a crashed process's (default DefaultStaleLock).
	StaleLock time.Duration
	// Compress writes zlib-compressed model files (as MATLAB's save -v7):
	// about a third of the size, for stores kept in version control.
	Compress bool
}

// DefaultStaleLock is Store.StaleLock's default: trainers refresh their
// lock every LockRefresh, so a lock older than this belongs to a process
// that died.
const DefaultStaleLock = 10 * time.Minute

// LockRefresh is how often a trainer refreshes its lock file.
const LockRefresh = time.Minute

// OpenStore returns the store in dir, creating the folder if needed and
// checking that it is writable.
func OpenStore(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("pipeline: OpenStore: empty folder name")
	}
	if err := atomicfile.CheckWritable(dir); err != nil {
		return nil, fmt.Errorf("pipeline: model store %s is not writable: %w", dir, err)
	}
	return &Store{Dir: dir}, nil
}

func (s *Store) staleLock() time.Duration {
	if s.StaleLock > 0 {
		return s.StaleLock
	}
	return DefaultStaleLock
}

// Path returns the file of a training spec's model in the store:
// <Dir>/models/<task>/P_rec_<p>_Taus_<a>_<b>/Task_<task>_N_<N>_Taus_<a>_<b>_Act_<act>_seed_<seed>_<key>.mat.
func (s *Store) Path(spec TrainSpec) string {
	cfg := spec.Config
	name := fmt.Sprintf("%s_seed_%d_%s.mat", spikernn.ModelFileStem(cfg), spec.Seed, spec.Key())
	return filepath.Join(spikernn.ModelDir(s.Dir, cfg), name)
}

// Has reports whether the store holds a model for spec.
func (s *Store) Has(spec TrainSpec) bool {
	_, err := os.Stat(s.Path(spec))
	return err == nil
}

// Load returns the stored model of spec, or an error wrapping
// fs.ErrNotExist when the store has none.
func (s *Store) Load(spec TrainSpec) (*Model, error) {
	path := s.Path(spec)
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	net, err := spikernn.LoadModel(path)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	if net.Training == nil || net.Training.Status == spikernn.StatusUnfinished {
		return nil, fmt.Errorf("pipeline: %s holds an unfinished training: %w", path, fs.ErrNotExist)
	}
	return &Model{Net: net, Path: path, Key: spec.Key(), Loaded: true}, nil
}

// lock takes the store lock of a model file.
func (s *Store) lock(path, purpose string) (*lockfile.Lock, error) {
	return lockfile.Acquire(path+".lock", purpose, s.staleLock())
}

// hashKey returns the first 16 hex digits of the SHA-256 of v's JSON.
func hashKey(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("pipeline: key of %T: %v", v, err)) // only plain data is hashed
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}
