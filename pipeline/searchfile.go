package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spikernn/spikernn/internal/atomicfile"
	"github.com/spikernn/spikernn/internal/lockfile"
	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/spikernn"
)

// SearchFileOptions controls SearchFile.
type SearchFileOptions struct {
	// Force searches again a model that already has opt_scaling_factor.
	Force bool
	// StaleSearch is the age after which a search another program marked
	// as under way (opt_scaling_factor NaN, as the reference's MATLAB
	// script writes first) is taken for abandoned and done again (default
	// DefaultStaleSearch).
	StaleSearch time.Duration
	// Progress receives the search's progress.
	Progress spikernn.Reporter
	// Before, when set, is called with the result before it is written to
	// the file, so that the caller can show it whatever happens next.
	Before func(*lifsim.SearchResult)
}

// DefaultStaleSearch is SearchFileOptions.StaleSearch's default: the
// reference's MATLAB search of one model takes about an hour.
const DefaultStaleSearch = 3 * time.Hour

// FileSearch is the outcome of SearchFile.
type FileSearch struct {
	*lifsim.SearchResult
	// Skipped is set when the file was left alone; Reason says why.
	Skipped bool
	Reason  string
	// Written is where the result went: the model file, or, when that
	// could not be written, a file next to it or in the temporary folder.
	Written string
}

// SearchFile runs the grid search on a model file and records
// opt_scaling_factor, all_perfs and scaling_factors in it, keeping every
// other variable, as the reference's lambda_grid_search.m does, and behaves
// like it when several programs share a folder of models:
//
//   - a file that already has opt_scaling_factor, whatever its value, is
//     skipped unless opt.Force; a NaN means that another program is
//     searching it, and is retaken only when older than opt.StaleSearch
//     (or when spikernn itself left it, interrupted, and holds no lock);
//   - before searching, opt_scaling_factor NaN is written to the file, so
//     that MATLAB instances skip it; spikernn instances also take a lock
//     file (path + ".lock") and skip a file whose lock is held;
//   - the result is written only if the file did not change during the
//     search; otherwise (or if the file cannot be written) it goes to a
//     JSON file next to the model, or in the temporary folder, and the
//     error says where. Nothing computed is lost.
//
// An interrupted search (ctx cancelled) records the factors it scored, with
// opt_scaling_factor NaN, unless the file held a finished search, which is
// kept; it returns the partial result with the error.
func SearchFile(ctx context.Context, path string, spec SearchSpec, opt SearchFileOptions) (*FileSearch, error) {
	if opt.StaleSearch <= 0 {
		opt.StaleSearch = DefaultStaleSearch
	}
	lock, err := lockfile.Acquire(path+".lock", "lambda search", DefaultStaleLock)
	if errors.Is(err, lockfile.ErrLocked) {
		var le *lockfile.LockedError
		errors.As(err, &le)
		return &FileSearch{SearchResult: &lifsim.SearchResult{}, Skipped: true,
			Reason: "being searched by " + le.Owner.String()}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pipeline: grid search of %s: %w", path, err)
	}
	defer lock.Release()
	stop := refresh(lock)
	defer stop()

	net, err := spikernn.LoadModel(path)
	if err != nil {
		return nil, fmt.Errorf("pipeline: grid search: %w", err)
	}
	finished := net.Scaling.Finished()
	if sc := net.Scaling; sc != nil && !opt.Force {
		if reason := skipReason(path, sc, opt.StaleSearch); reason != "" {
			return &FileSearch{SearchResult: resultFrom(net, sc), Skipped: true, Reason: reason}, nil
		}
	}
	spec = spec.withDefaults()
	if !finished {
		// The reference's "taken" mark.
		mark := &spikernn.ScalingSearch{OptScalingFactor: math.NaN(), ScalingFactors: spec.Factors,
			AllPerfs: nans(len(spec.Factors)), Trials: spec.Trials, Seed: spec.Seed, Key: spec.Key()}
		if err := spikernn.SaveScaling(path, mark); err != nil {
			return nil, fmt.Errorf("pipeline: grid search of %s: marking the search as under way: %w", path, err)
		}
	}
	stamp, err := fileStamp(path)
	if err != nil {
		return nil, fmt.Errorf("pipeline: grid search of %s: %w", path, err)
	}
	res, runErr := lifsim.GridSearch(ctx, net, spec.options(opt.Progress))
	if res == nil {
		return nil, fmt.Errorf("pipeline: grid search of %s: %w", path, runErr)
	}
	out := &FileSearch{SearchResult: res}
	if opt.Before != nil {
		opt.Before(res)
	}
	if runErr != nil && (res.Done == 0 || finished) {
		return out, fmt.Errorf("pipeline: grid search of %s: %w; the file was not changed", path, runErr)
	}
	out.Written, err = writeScaling(path, stamp, spec.scaling(res))
	if runErr != nil {
		return out, errors.Join(fmt.Errorf("pipeline: grid search of %s: %w; the %d factors scored were written to %s, opt_scaling_factor NaN (unfinished)",
			path, runErr, res.Done, out.Written), err)
	}
	return out, err
}

// skipReason says why a file with a scaling record is left alone, or ""
// when it is to be searched.
func skipReason(path string, sc *spikernn.ScalingSearch, stale time.Duration) string {
	if sc.Finished() {
		return fmt.Sprintf("already searched: opt_scaling_factor %g (use --force to search again)", sc.OptScalingFactor)
	}
	if sc.Trials > 0 {
		return "" // spikernn's own unfinished search, and we hold its lock
	}
	st, err := os.Stat(path)
	if err == nil && time.Since(st.ModTime()) < stale {
		return fmt.Sprintf("another program is searching it (opt_scaling_factor NaN, written %s; retaken after %s, or use --force)",
			st.ModTime().Format(time.DateTime), stale)
	}
	return ""
}

func nans(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = math.NaN()
	}
	return x
}

type stamp struct {
	size int64
	mod  time.Time
}

func fileStamp(path string) (stamp, error) {
	st, err := os.Stat(path)
	if err != nil {
		return stamp{}, err
	}
	return stamp{st.Size(), st.ModTime()}, nil
}

// writeScaling records sc in the model file if it is as it was at stamp;
// otherwise, or if that fails, it writes sc to a JSON file next to the
// model or in the temporary folder. It returns where sc went.
func writeScaling(path string, was stamp, sc *spikernn.ScalingSearch) (string, error) {
	now, err := fileStamp(path)
	var why error
	switch {
	case err != nil:
		why = err
	case now != was:
		why = errors.New("the file was changed by another program during the search")
	default:
		if err := spikernn.SaveScaling(path, sc); err == nil {
			return path, nil
		} else {
			why = err
		}
	}
	side, err := saveSide(path, sc)
	if err != nil {
		return "", fmt.Errorf("pipeline: the search result could not be written to %s (%v) nor anywhere else: %w", path, why, err)
	}
	return side, fmt.Errorf("pipeline: %s not updated (%v): the result was written to %s", path, why, side)
}

// saveSide writes a search result as JSON next to the model, or in the
// temporary folder, and returns the file.
func saveSide(path string, sc *spikernn.ScalingSearch) (string, error) {
	data, err := json.MarshalIndent(scalingJSON(sc, path), "", "  ")
	if err != nil {
		return "", err
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + ".lambda-search.json"
	var last error
	for _, dir := range []string{filepath.Dir(path), os.TempDir()} {
		p, err := atomicfile.CreateNew(filepath.Join(dir, name), 0o644, func(w io.Writer) error { _, err := w.Write(data); return err })
		if err == nil {
			return p, nil
		}
		last = err
	}
	return "", last
}

// scalingJSON is a search result as JSON (NaN as null).
func scalingJSON(sc *spikernn.ScalingSearch, model string) map[string]any {
	num := func(x float64) any {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	}
	perfs := make([]any, len(sc.AllPerfs))
	for i, p := range sc.AllPerfs {
		perfs[i] = num(p)
	}
	return map[string]any{
		"model": model, "opt_scaling_factor": num(sc.OptScalingFactor), "scaling_factors": sc.ScalingFactors,
		"all_perfs": perfs, "scaling_trials": sc.Trials, "scaling_seed": sc.Seed, "scaling_key": sc.Key,
	}
}
