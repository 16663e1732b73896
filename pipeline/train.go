package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/spikernn/spikernn/gomlxmodels"
	"github.com/spikernn/spikernn/internal/atomicfile"
	"github.com/spikernn/spikernn/internal/lockfile"
	"github.com/spikernn/spikernn/spikernn"
)

// TrainSpec is everything that determines a trained rate network: the
// network, the seed that builds and trains it, and the training options.
type TrainSpec struct {
	Config spikernn.Config
	Seed   uint64
	// Trials is the reference's n_trials: training stops there if the
	// stopping rule was not met (default DefaultTrials).
	Trials int
	// Batch is the number of trials per optimiser step (default 1, the
	// reference; larger is an extension).
	Batch int
	// LearningRate of Adam (default 0.01).
	LearningRate float64
	// EvalEvery and EvalTrials: evaluate on EvalTrials fresh trials after
	// trials 1, 1+EvalEvery, ... (defaults 100 and 100).
	EvalEvery, EvalTrials int
	// Criterion replaces the task's stopping rule when set (for instance
	// without the Go-NoGo floor of 1500 trials, as the paper's Fig 1C).
	Criterion *spikernn.Criterion
	// Backend is the GoMLX backend configuration ("" for the default). It
	// is not part of the key: backends agree to float rounding. Neither is
	// the number of networks trained in one graph (Store.TrainManyOrLoad):
	// a network trains to the same bits alone or in any group.
	Backend string `json:"-"`
}

// DefaultTrials is TrainSpec.Trials's default, the paper's cap of 6000
// trials.
const DefaultTrials = 6000

func (t TrainSpec) withDefaults() TrainSpec {
	if t.Trials == 0 {
		t.Trials = DefaultTrials
	}
	if t.Batch == 0 {
		t.Batch = 1
	}
	if t.LearningRate == 0 {
		t.LearningRate = gomlxmodels.DefaultLearningRate
	}
	if t.EvalEvery == 0 {
		t.EvalEvery = gomlxmodels.DefaultEvalEvery
	}
	if t.EvalTrials == 0 {
		t.EvalTrials = gomlxmodels.DefaultEvalTrials
	}
	return t
}

// Validate checks the configuration and the options, naming the first
// invalid field.
func (t TrainSpec) Validate() error {
	if err := t.Config.Validate(); err != nil {
		return err
	}
	t = t.withDefaults()
	if err := spikernn.CheckTrials("n_trials", t.Trials); err != nil {
		return err
	}
	if t.Batch < 1 || t.Batch > 4096 {
		return &spikernn.ConfigError{Field: "batch", Value: t.Batch, Allowed: "must be between 1 and 4096"}
	}
	if !(t.LearningRate > 0 && t.LearningRate < 10) {
		return &spikernn.ConfigError{Field: "learning_rate", Value: t.LearningRate, Allowed: "must be in (0, 10)"}
	}
	if t.EvalEvery < 1 {
		return &spikernn.ConfigError{Field: "eval_every", Value: t.EvalEvery, Allowed: "must be at least 1"}
	}
	if err := spikernn.CheckTrials("eval_trials", t.EvalTrials); err != nil {
		return err
	}
	return nil
}

// Key identifies the model the spec produces: a hash of every field but the
// backend, with defaults filled in, and spikernn.ModelFormat. How the model
// is trained (alone, or several per graph) is not part of it.
func (t TrainSpec) Key() string {
	t = t.withDefaults()
	return hashKey(struct {
		Format int
		Spec   TrainSpec
	}{spikernn.ModelFormat, t})
}

func (t TrainSpec) options(rep spikernn.Reporter) gomlxmodels.TrainOptions {
	t = t.withDefaults()
	return gomlxmodels.TrainOptions{
		Trials: t.Trials, Seed: t.Seed, Batch: t.Batch, LearningRate: t.LearningRate,
		EvalEvery: t.EvalEvery, EvalTrials: t.EvalTrials, Criterion: t.Criterion,
		Backend: t.Backend, Progress: rep,
	}
}

// Model is a rate network with where it lives and how it came to be.
type Model struct {
	Net    *spikernn.Network
	Path   string               // its model file ("" if not saved)
	Key    string               // its TrainSpec key ("" if not from a spec)
	Loaded bool                 // loaded from a store rather than trained by this call
	Hist   *gomlxmodels.History // the training run (nil when loaded)
}

// Trained reports whether the network met its task's stopping rule.
func (m *Model) Trained() bool {
	return m.Net.Training != nil && m.Net.Training.Status == spikernn.StatusTrained
}

// Train builds the spec's network and trains it, without a store. A run
// that ends without meeting the stopping rule returns the network with
// status spikernn.StatusFailed and no error; a cancelled ctx returns the
// state reached (StatusUnfinished) with an error wrapping ctx.Err().
func Train(ctx context.Context, spec TrainSpec, rep spikernn.Reporter) (*Model, error) {
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	net, err := spikernn.NewNetwork(spec.Config, spec.Seed)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	trained, hist, err := gomlxmodels.Train(ctx, net, spec.options(rep))
	if hist != nil {
		spikernn.Report(rep, spikernn.Progress{Stage: "training", Done: hist.TrialsDone, Total: spec.withDefaults().Trials,
			Final: true, Elapsed: hist.Wall, Loss: math.NaN(), EvalLoss: math.NaN(), EvalPerf: math.NaN(),
			Detail: fmt.Sprintf("%s after %d trials in %.1f s", hist.Status, hist.TrialsDone, hist.Wall.Seconds())})
	}
	if trained == nil {
		return nil, fmt.Errorf("pipeline: training: %w", err)
	}
	m := &Model{Net: trained, Key: spec.Key(), Hist: hist}
	if err != nil {
		return m, fmt.Errorf("pipeline: training: %w", err)
	}
	return m, nil
}

// TrainOrLoad returns the store's model of spec, training and saving it
// first if the store does not have it. Several processes asking for the
// same model train it once: the first takes a lock, the others wait for
// its file (watching ctx). A training that does not meet the stopping rule
// is stored too (its status says so): it is the spec's result. An
// interrupted training is saved with status unfinished, which a later call
// trains again.
func (s *Store) TrainOrLoad(ctx context.Context, spec TrainSpec, rep spikernn.Reporter) (*Model, error) {
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	for {
		m, err := s.Load(spec)
		if err == nil {
			return m, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		path := s.Path(spec)
		if _, err := atomicfile.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("pipeline: model store: %w", err)
		}
		lock, err := s.lock(path, "training")
		if errors.Is(err, lockfile.ErrLocked) {
			if werr := wait(ctx, time.Second); werr != nil {
				return nil, fmt.Errorf("pipeline: waiting for %s: %w", path, werr)
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("pipeline: model store: %w", err)
		}
		m, err = s.trainLocked(ctx, spec, path, lock, rep)
		if rerr := lock.Release(); rerr != nil && err == nil {
			err = fmt.Errorf("pipeline: %w", rerr)
		}
		return m, err
	}
}

// trainLocked trains spec's model into path while holding its lock,
// refreshing the lock until done.
func (s *Store) trainLocked(ctx context.Context, spec TrainSpec, path string, lock *lockfile.Lock, rep spikernn.Reporter) (*Model, error) {
	// Another process may have finished it between Load and the lock.
	if m, err := s.Load(spec); err == nil {
		return m, nil
	}
	stop := refresh(lock)
	defer stop()
	m, trainErr := Train(ctx, spec, rep)
	if m == nil {
		return nil, trainErr
	}
	if err := m.Net.Save(path, spikernn.SaveOptions{Compress: s.Compress}); err != nil {
		fallback, ferr := saveFallback(m.Net)
		if ferr != nil {
			return m, fmt.Errorf("pipeline: %w; the model could not be saved anywhere: %w", err, ferr)
		}
		return m, fmt.Errorf("pipeline: %w; the model was saved to %s instead", err, fallback)
	}
	m.Path = path
	return m, trainErr
}

// saveFallback writes a model that could not be saved where asked into
// the system's temporary folder, and returns its path.
func saveFallback(net *spikernn.Network) (string, error) {
	return net.SaveNew(filepath.Join(os.TempDir(), "spikernn-rescued"), time.Now(), spikernn.SaveOptions{})
}

// refresh refreshes a lock every LockRefresh until the returned stop is
// called.
func refresh(lock *lockfile.Lock) (stop func()) { return lock.KeepFresh(LockRefresh) }

func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
