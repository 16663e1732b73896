package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"sort"

	"github.com/spikernn/spikernn/gomlxmodels"
	"github.com/spikernn/spikernn/internal/atomicfile"
	"github.com/spikernn/spikernn/internal/lockfile"
	"github.com/spikernn/spikernn/spikernn"
)

// TrainManyOrLoad returns the store's model of every spec, as TrainOrLoad
// does for one: the models the store has are loaded; the others are trained
// several networks per GoMLX graph (gomlxmodels.TrainManyWith): specs whose
// networks can share a graph (same task, N, activation, loss, Dale, decay
// training, batch and backend: gomlxmodels.GraphKey) are trained together,
// netsPerGraph at a time (0: gomlxmodels.DefaultNetsPerGraph of their
// backend and size), and each is saved atomically as soon as it is finished, under
// the lock discipline of TrainOrLoad: a model is trained only under its
// lock, which is refreshed until the model is saved; a model another
// process is training is waited for after this call's own trainings.
//
// The number of networks per graph is not part of a model's key (nor is
// the backend): the same spec gives the same model bit for bit alone or in
// any group on the Go backend, and to float rounding against Train.
//
// models[i] is spec i's model (nil when it could not be trained or
// loaded); the error joins the specs' errors, each naming its spec. rep
// receives every training's progress (the reports of the networks of a
// graph interleave) and a final report per network.
func (s *Store) TrainManyOrLoad(ctx context.Context, specs []TrainSpec, netsPerGraph int, rep spikernn.Reporter) ([]*Model, error) {
	models := make([]*Model, len(specs))
	errs := make([]error, len(specs))
	type pending struct {
		i    int
		spec TrainSpec
		net  *spikernn.Network
		path string
		lock *lockfile.Lock
		stop func()
	}
	groups := map[string][]*pending{}
	var waitFor []int // specs another process is training
	release := func(p *pending) {
		if p.stop != nil {
			p.stop()
			p.stop = nil
		}
		if p.lock != nil {
			if err := p.lock.Release(); err != nil && errs[p.i] == nil {
				errs[p.i] = fmt.Errorf("pipeline: %w", err)
			}
			p.lock = nil
		}
	}
	byPath := map[string]int{}
	for i, spec := range specs {
		if err := spec.Validate(); err != nil {
			errs[i] = fmt.Errorf("pipeline: %w", err)
			continue
		}
		m, err := s.Load(spec)
		if err == nil {
			models[i] = m
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) {
			errs[i] = err
			continue
		}
		path := s.Path(spec)
		if _, dup := byPath[path]; dup {
			// The same model twice: train it once, copy it after.
			waitFor = append(waitFor, i)
			continue
		}
		byPath[path] = i
		if _, err := atomicfile.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			errs[i] = fmt.Errorf("pipeline: model store: %w", err)
			continue
		}
		lock, err := s.lock(path, "training")
		if errors.Is(err, lockfile.ErrLocked) {
			waitFor = append(waitFor, i)
			continue
		}
		if err != nil {
			errs[i] = fmt.Errorf("pipeline: model store: %w", err)
			continue
		}
		p := &pending{i: i, spec: spec, path: path, lock: lock}
		// Another process may have finished it between Load and the lock.
		if m, err := s.Load(spec); err == nil {
			models[i] = m
			release(p)
			continue
		}
		p.stop = refresh(lock)
		net, err := spikernn.NewNetwork(spec.Config, spec.Seed)
		if err == nil {
			p.net = net
			var key string
			key, err = gomlxmodels.GraphKey(net, spec.options(nil))
			if err == nil {
				groups[key] = append(groups[key], p)
			}
		}
		if err != nil {
			errs[i] = fmt.Errorf("pipeline: %w", err)
			release(p)
		}
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		group := groups[key]
		if ctx.Err() != nil {
			for _, p := range group {
				errs[p.i] = fmt.Errorf("pipeline: training: %w", ctx.Err())
				release(p)
			}
			continue
		}
		nets := make([]*spikernn.Network, len(group))
		opts := make([]gomlxmodels.TrainOptions, len(group))
		for k, p := range group {
			nets[k], opts[k] = p.net, p.spec.options(rep)
		}
		k := netsPerGraph
		if k <= 0 {
			k = gomlxmodels.DefaultNetsPerGraph(group[0].spec.Backend, group[0].spec.Config.N)
		}
		onDone := func(k int, trained *spikernn.Network, hist *gomlxmodels.History, err error) {
			p := group[k]
			defer release(p)
			if hist != nil {
				spikernn.Report(rep, spikernn.Progress{Stage: "training", Done: hist.TrialsDone, Total: p.spec.withDefaults().Trials,
					Final: true, Elapsed: hist.Wall, Loss: math.NaN(), EvalLoss: math.NaN(), EvalPerf: math.NaN(),
					Detail: fmt.Sprintf("seed %d: %s after %d trials in %.1f s", p.spec.Seed, hist.Status, hist.TrialsDone, hist.Wall.Seconds())})
			}
			if trained == nil {
				errs[p.i] = fmt.Errorf("pipeline: training: %w", err)
				return
			}
			m := &Model{Net: trained, Key: p.spec.Key(), Hist: hist}
			models[p.i] = m
			if serr := m.Net.Save(p.path, spikernn.SaveOptions{Compress: s.Compress}); serr != nil {
				fallback, ferr := saveFallback(m.Net)
				if ferr != nil {
					errs[p.i] = fmt.Errorf("pipeline: %w; the model could not be saved anywhere: %w", serr, ferr)
				} else {
					errs[p.i] = fmt.Errorf("pipeline: %w; the model was saved to %s instead", serr, fallback)
				}
				return
			}
			m.Path = p.path
			if err != nil {
				errs[p.i] = fmt.Errorf("pipeline: training: %w", err)
			}
		}
		_, _, err := gomlxmodels.TrainManyWith(ctx, nets, opts, gomlxmodels.ManyOptions{NetsPerGraph: k, OnDone: onDone})
		for _, p := range group {
			release(p) // after an argument error, OnDone was not called
			if err != nil && models[p.i] == nil && errs[p.i] == nil {
				errs[p.i] = fmt.Errorf("pipeline: training: %w", err)
			}
		}
	}
	// Models another process (or an earlier spec of this call) trains.
	for _, i := range waitFor {
		if ctx.Err() != nil {
			errs[i] = fmt.Errorf("pipeline: waiting for %s: %w", s.Path(specs[i]), ctx.Err())
			continue
		}
		models[i], errs[i] = s.TrainOrLoad(ctx, specs[i], rep)
	}
	for i, err := range errs {
		if err != nil {
			errs[i] = fmt.Errorf("spec %d (%s seed %d): %w", i, spikernn.ModelFileStem(specs[i].Config), specs[i].Seed, err)
		}
	}
	return models, errors.Join(errs...)
}
