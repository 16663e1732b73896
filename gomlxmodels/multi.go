package gomlxmodels

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

// ManyOptions controls TrainManyWith.
type ManyOptions struct {
	// NetsPerGraph is the number of networks trained together in one
	// graph (its slots); 0 or more than the networks given: all of them.
	// When a network finishes, the next waiting one takes its slot; when
	// none waits, the graph shrinks to the networks still training.
	NetsPerGraph int
	// OnDone, if set, is called on the calling goroutine as soon as network
	// i is finished, with what TrainMany returns for it (a nil network
	// for one that never started because ctx was cancelled).
	OnDone func(i int, net *spikernn.Network, hist *History, err error)
}

// ManyError is the error of TrainMany when some networks failed: Errs[i]
// is network i's error (nil for those that did not fail), what Train would
// have returned for it. errors.Is and errors.As look through every one
// (errors.Is(err, ErrDiverged) is true when one diverged).
type ManyError struct {
	Errs []error
}

// Error lists the failed networks.
func (e *ManyError) Error() string {
	var parts []string
	for i, err := range e.Errs {
		if err != nil {
			parts = append(parts, fmt.Sprintf("network %d: %v", i, err))
		}
	}
	return strings.Join(parts, "; ")
}

// Unwrap returns the networks' errors.
func (e *ManyError) Unwrap() []error {
	var out []error
	for _, err := range e.Errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// TrainMany trains several networks in one GoMLX graph: it is
// TrainManyWith with all the networks in one graph. See TrainManyWith.
func TrainMany(ctx context.Context, nets []*spikernn.Network, opts []TrainOptions) ([]*spikernn.Network, []*History, error) {
	return TrainManyWith(ctx, nets, opts, ManyOptions{})
}

// TrainManyWith trains each network nets[i] with its options opts[i] as
// Train does (its own seed and trial streams, Adam state and step count,
// evaluations, stopping rule and progress reports), NetsPerGraph of them at
// a time in one graph: every tensor of the training step gains a leading
// network axis and each operation runs once for all of them, so the
// per-operation cost of the Go backend is shared, and a GPU backend gets
// bigger operations. It returns, for every network, what Train returns:
// the trained copy with its Training record and its History (nil for a
// network that never started).
//
// A network's result does not depend on the other networks of its graph,
// nor on how many there are: on the Go backend it is bit for bit the
// same whatever the group (products are split where the backend would
// otherwise change kernels, see multiSpec.dotM). Against Train it may
// differ only by the rounding of the batched kernels (on the Go backend the
// tests find the same bits; another backend may order a batched product's
// sums differently, and training amplifies such differences like any change
// of build or backend). Like the backend, NetsPerGraph is not part of what
// determines a model (pipeline store keys do not include it).
//
// The networks of one call must share the graph's structure: N, the task
// (hence the trial length and inputs), activation, loss, Dale's principle,
// trained or fixed decay constants, diagonal sign mask, Batch and backend;
// the error for a mismatch names the network and the field. Seeds,
// decay-constant ranges, learning rates, trial caps, evaluation settings,
// stopping rules, progress reporters and WeightsAfterLastUpdate may
// differ. Autodiff is not supported.
//
// A finished network (stopping rule met, trials exhausted or diverged) is
// masked out of the graph: its variables and Adam moments no longer
// change; its slot goes to the next waiting network, or the graph
// shrinks. A network that diverges fails alone (its error matches
// ErrDiverged); the others continue. A cancelled ctx stops all of them:
// each started network comes back as Train returns it (status unfinished,
// error wrapping ctx.Err()), those not started with a nil network.
//
// The error is nil when every network ran without error (a network that
// did not meet its stopping rule has status failed and no error, as with
// Train), a *ManyError with each network's error otherwise, or a plain
// error (and nil results) when the arguments are invalid.
func TrainManyWith(ctx context.Context, nets []*spikernn.Network, opts []TrainOptions, mo ManyOptions) ([]*spikernn.Network, []*History, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	g, err := newManyGroup(nets, opts, mo)
	if err != nil {
		return nil, nil, err
	}
	defer g.close()
	g.run(ctx)
	outNets := make([]*spikernn.Network, len(nets))
	hists := make([]*History, len(nets))
	errs := make([]error, len(nets))
	failed := false
	for i, n := range g.nets {
		outNets[i], hists[i], errs[i] = n.out, n.histOut, n.err
		if n.err != nil {
			failed = true
		}
	}
	if failed {
		return outNets, hists, &ManyError{Errs: errs}
	}
	return outNets, hists, nil
}

// manyNet is one network of a group.
type manyNet struct {
	idx   int
	net   *spikernn.Network
	opt   TrainOptions
	task  spikernn.Task
	crit  spikernn.Criterion
	spec  netSpec // its training batch, as Train's trainer would have it
	start time.Time

	baseTrial spikernn.Trial
	baseRun   *spikernn.RateResult

	// Evaluation graph and fixed inputs on the evaluation backend.
	evalSpec  netSpec
	eval      *compiled
	evalFixed []compute.Buffer

	ready <-chan manyBatch
	stop  func()

	slot int // its slot in the group's graph (-1: none)
	evalLog
	losses            []float64
	status            spikernn.Status
	lastTr            int // the last trial trained (-1: none)
	adamStep          int
	lastBatch         *batch // the batch of trial lastTr
	started, finished bool

	out     *spikernn.Network
	histOut *History
	err     error
}

// manyBatch is a training batch drawn ahead, with the evaluation batch that
// follows its step.
type manyBatch struct {
	tr   int
	bt   *batch
	eval *batch
}

// manyGroup is the state of a TrainManyWith call.
type manyGroup struct {
	be, evalBe compute.Backend
	backendCfg string
	base       netSpec // the shared structure (B included)
	slots      int
	nets       []*manyNet
	queue      []*manyNet // not started yet
	onDone     func(i int, net *spikernn.Network, hist *History, err error)

	M       int
	begun   bool       // the first networks were started
	inSlot  []*manyNet // network of every slot
	steps   map[int]*compiled
	cur     []compute.Buffer // variables, first and second moments: 3 nv
	in      []compute.Buffer // the variables of the last step's forward pass: nv
	out     []compute.Buffer // O, X, R of the last step
	fixed   []compute.Buffer // w_in^T, masks, tau_a, tau_b
	evals   map[evalKey]*compiled
	hostMem map[compute.Buffer][]float32 // buffers read in this step
}

type evalKey struct {
	trials int
	lo, hi float64
}

// newManyGroup checks the networks and options and prepares the group.
func newManyGroup(nets []*spikernn.Network, opts []TrainOptions, mo ManyOptions) (*manyGroup, error) {
	if len(nets) == 0 {
		return nil, errors.New("gomlxmodels: TrainMany: no networks")
	}
	if len(opts) != len(nets) {
		return nil, fmt.Errorf("gomlxmodels: TrainMany: %d networks but %d options", len(nets), len(opts))
	}
	g := &manyGroup{steps: map[int]*compiled{}, evals: map[evalKey]*compiled{}, onDone: mo.OnDone}
	for i, net := range nets {
		task, err := checkNetwork(net)
		if err != nil {
			return nil, fmt.Errorf("gomlxmodels: TrainMany: network %d: %w", i, err)
		}
		opt, err := opts[i].withDefaults()
		if err != nil {
			return nil, fmt.Errorf("gomlxmodels: TrainMany: network %d: %w", i, err)
		}
		if opt.Autodiff {
			return nil, fmt.Errorf("gomlxmodels: TrainMany: network %d: Autodiff is not supported by TrainMany", i)
		}
		cfg := ResolveBackend(opt.Backend)
		if i == 0 {
			g.backendCfg = cfg
			if g.be, err = Backend(cfg); err != nil {
				return nil, err
			}
			if g.evalBe, err = Backend(evalBackendFor(cfg)); err != nil {
				return nil, err
			}
		} else if cfg != g.backendCfg {
			return nil, fmt.Errorf("gomlxmodels: TrainMany: network %d: Backend = %q, network 0 has %q (the networks of one graph share the backend)", i, cfg, g.backendCfg)
		}
		crit := task.Criterion()
		if opt.Criterion != nil {
			crit = *opt.Criterion
		}
		n := &manyNet{idx: i, net: net, opt: opt, task: task, crit: crit, spec: specFor(g.be, net, task, opt.Batch), slot: -1}
		if i == 0 {
			g.base = n.spec
		} else if err := sameStructure(g.base, n.spec, net, nets[0]); err != nil {
			return nil, fmt.Errorf("gomlxmodels: TrainMany: network %d: %w", i, err)
		}
		g.nets = append(g.nets, n)
	}
	g.slots = mo.NetsPerGraph
	if g.slots <= 0 || g.slots > len(nets) {
		g.slots = len(nets)
	}
	g.queue = append([]*manyNet(nil), g.nets...)
	return g, nil
}

// sameStructure returns an error naming the first field in which b's graph
// differs from a's (network 0's).
func sameStructure(a, b netSpec, netB, netA *spikernn.Network) error {
	type field struct {
		name   string
		va, vb any
	}
	for _, f := range []field{
		{"task", netA.Config.Task, netB.Config.Task},
		{"N", a.N, b.N},
		{"inputs", a.NIn, b.NIn},
		{"trial length T", a.T, b.T},
		{"activation", a.Act, b.Act},
		{"loss", a.LossFn, b.LossFn},
		{"apply_dale", a.Dale, b.Dale},
		{"trained decay constants (taus)", a.TauTrain, b.TauTrain},
		{"diagonal sign mask m", a.DiagM, b.DiagM},
		{"Batch", a.B, b.B},
	} {
		if f.va != f.vb {
			return fmt.Errorf("%s = %v, network 0 has %v (the networks of one graph share N, task, activation, loss, Dale, decay training and batch)", f.name, f.vb, f.va)
		}
	}
	return nil
}

func (g *manyGroup) close() {
	for _, n := range g.nets {
		n.release()
	}
	for _, c := range g.steps {
		c.close()
	}
	for _, c := range g.evals {
		c.close()
	}
	finalizeAll(g.cur)
	finalizeAll(g.in)
	finalizeAll(g.out)
	finalizeAll(g.fixed)
	g.cur, g.in, g.out, g.fixed = nil, nil, nil, nil
}

// release stops the network's prefetching and frees its evaluation inputs.
func (n *manyNet) release() {
	if n.stop != nil {
		n.stop()
		n.stop = nil
	}
	finalizeAll(n.evalFixed)
	n.evalFixed = nil
}

// multiSpecFor is the group's graph for M networks.
func (g *manyGroup) multiSpecFor(M int) multiSpec {
	s := multiSpec{netSpec: g.base, M: M}
	if g.be.String() == "go" {
		s.GoThreshold = goSmallMatMulThreshold
	}
	return s
}

// startNet prepares a network for training: the baseline trial, the
// evaluation graph and its inputs, the prefetching of its trials.
func (g *manyGroup) startNet(n *manyNet) error {
	n.start = time.Now()
	n.started = true
	n.evalLog = newEvalLog(g.backendCfg)
	n.losses = make([]float64, n.opt.Trials)
	n.status, n.lastTr = spikernn.StatusFailed, -1
	rng := spikernn.SubRand(mixSeed(n.opt.Seed, tagBaseline, 0), 0)
	n.baseTrial = n.task.NewTrial(rng)
	var err error
	n.baseRun, err = n.net.Run(n.baseTrial.U, spikernn.RunOptions{Rng: rng, Record: true})
	if err != nil {
		return fmt.Errorf("gomlxmodels: running the network before training: %w", err)
	}
	n.evalSpec = specFor(g.evalBe, n.net, n.task, n.opt.EvalTrials)
	key := evalKey{n.opt.EvalTrials, n.evalSpec.TauMin, n.evalSpec.TauMax}
	if g.evals[key] == nil {
		es := n.evalSpec
		c, err := compile(g.evalBe, "spikernn_eval", func(gr *Graph) ([]*Node, error) { return es.buildForward(gr, false) })
		if err != nil {
			return err
		}
		g.evals[key] = c
	}
	n.eval = g.evals[key]
	st, err := newNetState(g.evalBe, n.evalSpec, n.net)
	if err != nil {
		return err
	}
	finalizeAll(st.vars)
	n.evalFixed = st.fixed
	n.ready, n.stop = n.prefetch()
	return nil
}

// prefetch draws the network's training batches (and evaluation batches)
// ahead of the steps on a goroutine of its own, from the streams Train
// draws them from.
func (n *manyNet) prefetch() (<-chan manyBatch, func()) {
	done := make(chan struct{})
	ch := make(chan manyBatch, 2)
	go func() {
		defer close(ch)
		for tr := range n.opt.Trials {
			p := manyBatch{tr: tr, bt: makeBatch(n.task, n.spec, trainStream(n.opt.Seed, tr, n.opt.Batch), true, 1)}
			if tr >= 1 && (tr-1)%n.opt.EvalEvery == 0 {
				p.eval = makeBatch(n.task, n.evalSpec, evalStream(EvalSeed(n.opt.Seed, tr)), false, 0)
			}
			select {
			case ch <- p:
			case <-done:
				return
			}
		}
	}()
	return ch, func() {
		close(done)
		for range ch {
		}
	}
}

// run trains until every network is finished or ctx is cancelled.
func (g *manyGroup) run(ctx context.Context) {
	for {
		if err := g.fill(ctx); err != nil {
			g.abort(err)
			return
		}
		if g.M == 0 {
			break
		}
		if err := ctx.Err(); err != nil {
			for _, n := range g.inSlot {
				n.status = spikernn.StatusUnfinished
				g.finish(n, fmt.Errorf("gomlxmodels: training interrupted after %d trials: %w", n.lastTr+1, err))
			}
			break
		}
		if err := g.step(); err != nil {
			g.abort(err)
			return
		}
	}
	if len(g.queue) > 0 {
		g.abort(fmt.Errorf("gomlxmodels: training interrupted before it started: %w", ctx.Err()))
	}
}

// abort finishes every network still in a slot or waiting with err.
func (g *manyGroup) abort(err error) {
	for _, n := range g.inSlot {
		if !n.finished {
			g.finish(n, err)
		}
	}
	g.inSlot = nil
	for _, n := range g.queue {
		n.finished = true
		n.err = err
		if g.onDone != nil {
			g.onDone(n.idx, nil, nil, err)
		}
	}
	g.queue = nil
	g.M = 0
}

// fill gives the slots of finished networks to waiting ones (or shrinks
// the graph when none waits) and rebuilds the graph's state for the new
// layout.
func (g *manyGroup) fill(ctx context.Context) error {
	var keep []*manyNet
	for _, n := range g.inSlot {
		if !n.finished {
			keep = append(keep, n)
		}
	}
	changed := len(keep) != len(g.inSlot) || g.inSlot == nil
	// The first networks start even under a cancelled ctx, to come back
	// unfinished as from Train; no others start after a cancellation.
	for len(keep) < g.slots && len(g.queue) > 0 && (ctx.Err() == nil || !g.begun) {
		n := g.queue[0]
		g.queue = g.queue[1:]
		changed = true
		if err := g.startNet(n); err != nil {
			g.finish(n, err)
			continue
		}
		keep = append(keep, n)
	}
	g.begun = true
	if !changed {
		return nil
	}
	return g.rebuild(keep)
}

// slotData returns the part of a stacked buffer's host copy that belongs
// to slot j of M.
func slotData(all []float32, j, M int) []float32 {
	per := len(all) / M
	return all[j*per : (j+1)*per]
}

// drop finalizes buffers and forgets their host copies.
func (g *manyGroup) drop(bufs []compute.Buffer) {
	for _, b := range bufs {
		delete(g.hostMem, b)
	}
	finalizeAll(bufs)
}

// shapeOf is the dimensions of a float32 tensor.
type shapeOf []int

func shapeF32(d shapeOf) shapes.Shape { return shapes.Make(f32, d...) }

// read returns a buffer's values, reading it once per step.
func (g *manyGroup) read(b compute.Buffer) ([]float32, error) {
	if d, ok := g.hostMem[b]; ok {
		return d, nil
	}
	d, err := readFloats(b)
	if err != nil {
		return nil, err
	}
	if g.hostMem == nil {
		g.hostMem = map[compute.Buffer][]float32{}
	}
	g.hostMem[b] = d
	return d, nil
}

// initialData returns a network's slot of every stacked buffer before
// training: variables, zero moments, in (the variables), out (zeros) and the
// fixed inputs, in the order of cur, in, out and fixed.
func (g *manyGroup) initialData(n *manyNet) (cur, in, out, fixed [][]float32) {
	s := n.spec
	N := s.N
	vars := [][]float32{toFloat32(denseRows(n.net.W)), toFloat32(n.net.WOut), {float32(n.net.BOut)}}
	if s.TauTrain {
		vars = append(vars, toFloat32(n.net.TausGaus))
	}
	cur = append(cur, vars...)
	for range 2 {
		for _, v := range vars {
			cur = append(cur, make([]float32, len(v)))
		}
	}
	in = vars
	K := s.steps()
	out = [][]float32{make([]float32, K*s.B), make([]float32, K*s.B*N), make([]float32, K*s.B*N)}
	winT := make([]float32, s.NIn*N)
	for i := range N {
		for c := range s.NIn {
			winT[c*N+i] = float32(n.net.WIn.At(i, c))
		}
	}
	fixed = [][]float32{winT}
	if s.DiagM {
		m2 := make([]float32, N*N)
		for i := range N {
			for j := range N {
				m2[i*N+j] = float32(n.net.M.At(j, j) * n.net.SomM.At(i, j))
			}
		}
		fixed = append(fixed, m2)
	} else {
		fixed = append(fixed, toFloat32(denseRows(n.net.M)), toFloat32(denseRows(n.net.SomM)))
	}
	lo, hi := n.net.Config.TauRange()
	if s.TauTrain {
		fixed = append(fixed, []float32{float32(lo)}, []float32{float32(hi - lo)})
	} else {
		fixed = append(fixed, []float32{float32(1 / lo)}, []float32{0})
	}
	return cur, in, out, fixed
}

// rebuild lays the networks keep out in slots 0..len(keep)-1 and uploads
// the stacked state: the networks that had a slot keep their values, new
// ones start from their initial state.
func (g *manyGroup) rebuild(keep []*manyNet) error {
	M := len(keep)
	defer func() { g.hostMem = nil }()
	oldM := g.M
	groups := []*[]compute.Buffer{&g.cur, &g.in, &g.out, &g.fixed}
	newData := make([][][]float32, len(groups))
	if M > 0 {
		inits := make([][4][][]float32, M)
		for j, n := range keep {
			if n.slot < 0 {
				c, i, o, f := g.initialData(n)
				inits[j] = [4][][]float32{c, i, o, f}
			}
		}
		for gi, grp := range groups {
			// Number of buffers of the group, from a new network's data or the old buffers.
			nb := len(*grp)
			if nb == 0 {
				nb = len(inits[0][gi])
			}
			newData[gi] = make([][]float32, nb)
			for b := range nb {
				var old []float32
				for j, n := range keep {
					var part []float32
					if n.slot >= 0 {
						if old == nil {
							var err error
							if old, err = g.read((*grp)[b]); err != nil {
								return err
							}
						}
						part = slotData(old, n.slot, oldM)
					} else {
						part = inits[j][gi][b]
					}
					if newData[gi][b] == nil {
						newData[gi][b] = make([]float32, 0, len(part)*M)
					}
					newData[gi][b] = append(newData[gi][b], part...)
				}
			}
		}
	}
	for _, grp := range groups {
		g.drop(*grp)
		*grp = nil
	}
	for j, n := range keep {
		n.slot = j
	}
	g.inSlot, g.M = keep, M
	if M == 0 {
		return nil
	}
	ms := g.multiSpecFor(M)
	vs := ms.varShapes()
	nv := len(vs)
	outShapes := []shapeOf{{M, ms.steps(), ms.B}, {M, ms.steps(), ms.B, ms.N}, {M, ms.steps(), ms.B, ms.N}}
	shapesOf := [][]shapeOf{nil, nil, outShapes, nil}
	for i := range 3 * nv {
		shapesOf[0] = append(shapesOf[0], vs[i%nv].Dimensions)
	}
	for i := range nv {
		shapesOf[1] = append(shapesOf[1], vs[i].Dimensions)
	}
	for _, sh := range ms.fixedShapes() {
		shapesOf[3] = append(shapesOf[3], sh.Dimensions)
	}
	for gi, grp := range groups {
		for b, d := range newData[gi] {
			buf, err := bufferOf(g.be, d, shapeF32(shapesOf[gi][b]))
			if err != nil {
				return err
			}
			*grp = append(*grp, buf)
		}
	}
	if g.steps[M] == nil {
		c, err := compile(g.be, fmt.Sprintf("spikernn_train_step_x%d", M), ms.buildTrainStep)
		if err != nil {
			return err
		}
		g.steps[M] = c
	}
	return nil
}

// step runs one training step of every network in a slot, then their
// evaluations, progress reports and stopping rules.
func (g *manyGroup) step() error {
	defer func() { g.hostMem = nil }()
	M := g.M
	ms := g.multiSpecFor(M)
	nv := ms.numVars()
	bs := ms.batchShapes()
	data := make([][]float32, 4)
	for i, sh := range bs {
		data[i] = make([]float32, 0, sh.Size())
	}
	lrT := make([]float32, M)
	active := make([]float32, M)
	preps := make([]manyBatch, M)
	for j, n := range g.inSlot {
		p, ok := <-n.ready
		if !ok {
			return fmt.Errorf("gomlxmodels: network %d: no more trials", n.idx)
		}
		preps[j] = p
		data[0] = append(data[0], p.bt.u...)
		data[1] = append(data[1], p.bt.noise...)
		data[2] = append(data[2], p.bt.x0...)
		data[3] = append(data[3], p.bt.z...)
		lrT[j] = float32(adamLR(n.opt.LearningRate, n.adamStep+1))
		active[j] = 1
	}
	var in []compute.Buffer
	defer func() { finalizeAll(in) }()
	for i, d := range data {
		b, err := bufferOf(g.be, d, bs[i])
		if err != nil {
			return err
		}
		in = append(in, b)
	}
	for _, d := range [][]float32{lrT, active} {
		b, err := bufferOf(g.be, d, shapeF32(shapeOf{M}))
		if err != nil {
			return err
		}
		in = append(in, b)
	}
	args := append(append(append([]compute.Buffer{}, g.cur...), g.fixed...), in...)
	outs, err := g.steps[M].run(args)
	if err != nil {
		return err
	}
	extras := outs[3*nv:]
	losses, err := g.read(extras[mOutLoss])
	if err != nil {
		finalizeAll(outs)
		return err
	}
	gsums, err := g.read(extras[mOutGradSum])
	if err != nil {
		finalizeAll(outs)
		return err
	}
	// Divergences first, from the state before this step (as Train leaves it).
	for j, n := range g.inSlot {
		loss, gsum := float64(losses[j]), float64(gsums[j])
		var derr error
		if !finite(loss) {
			derr = &divergedError{"the loss", loss}
		} else if !finite(gsum) {
			derr = &divergedError{"a gradient", gsum}
		}
		if derr != nil {
			g.finish(n, fmt.Errorf("gomlxmodels: trial %d: %w", preps[j].tr, derr))
		}
	}
	// The new state: the step's input variables become in, its outputs out.
	g.drop(g.in)
	g.in = append([]compute.Buffer(nil), g.cur[:nv]...)
	g.drop(g.cur[nv:])
	g.cur = append([]compute.Buffer(nil), outs[:3*nv]...)
	g.drop(g.out)
	g.out = []compute.Buffer{extras[mOutO], extras[mOutX], extras[mOutR]}
	g.drop(extras[mOutLoss : mOutGradSum+1])
	for j, n := range g.inSlot {
		if n.finished {
			continue
		}
		p := preps[j]
		loss := float64(losses[j])
		n.lastTr, n.losses[p.tr], n.lastBatch = p.tr, loss, p.bt
		n.adamStep++
		if p.eval != nil {
			if err := g.evaluate(n, p.tr, p.eval); err != nil {
				n.status = spikernn.StatusFailed
				g.finish(n, err)
				continue
			}
		}
		spikernn.Report(n.opt.Progress, spikernn.Progress{Stage: "training", Done: p.tr + 1, Total: n.opt.Trials, Loss: loss,
			Evaluated: p.eval != nil, EvalLoss: n.lastEvalLoss, EvalPerf: n.lastEvalPerf, Elapsed: time.Since(n.start)})
		if p.eval != nil && n.crit.Met(p.tr, n.lastEvalLoss, n.lastEvalPerf) {
			n.status = spikernn.StatusTrained
			g.finish(n, nil)
		} else if p.tr == n.opt.Trials-1 {
			g.finish(n, nil)
		}
	}
	return nil
}

// hostVars returns network n's variables from a stacked group (cur or in).
func (g *manyGroup) hostVars(bufs []compute.Buffer, n *manyNet) ([][]float32, error) {
	nv := n.spec.numVars()
	out := make([][]float32, nv)
	for i := range nv {
		all, err := g.read(bufs[i])
		if err != nil {
			return nil, err
		}
		out[i] = slotData(all, n.slot, g.M)
	}
	return out, nil
}

// evaluate runs the evaluation after trial tr with the network's current
// variables, on the evaluation backend with Train's evaluation graph.
func (g *manyGroup) evaluate(n *manyNet, tr int, bt *batch) error {
	ev, err := g.evalNet(n, bt)
	if err != nil {
		return fmt.Errorf("gomlxmodels: evaluation after trial %d: %w", tr, err)
	}
	n.add(tr, ev)
	return nil
}

// evalNet is trainer.evaluate for a network of the group.
func (g *manyGroup) evalNet(n *manyNet, bt *batch) (*evalResult, error) {
	vars, err := g.hostVars(g.cur, n)
	if err != nil {
		return nil, err
	}
	var bufs []compute.Buffer
	defer func() { finalizeAll(bufs) }()
	for i, sh := range n.evalSpec.varShapes() {
		b, err := bufferOf(g.evalBe, vars[i], sh)
		if err != nil {
			return nil, err
		}
		bufs = append(bufs, b)
	}
	nVars := len(bufs)
	bb, err := bt.buffers(g.evalBe, n.evalSpec)
	if err != nil {
		return nil, err
	}
	bufs = append(bufs, bb...)
	in := append(append(append([]compute.Buffer{}, bufs[:nVars]...), n.evalFixed...), bb...)
	return runEval(n.eval, in, n.task, n.spec.LossFn, bt, n.evalSpec)
}

// finish ends network n's training with runErr and builds what TrainMany
// returns for it (trainRun.result's record) from the group's current state:
// cur holds its current variables, in those of its last step's forward
// pass, out that step's outputs.
func (g *manyGroup) finish(n *manyNet, runErr error) {
	n.finished = true
	n.err = runErr
	if n.slot >= 0 {
		if err := g.result(n); err != nil {
			n.err = errors.Join(n.err, err)
		}
	}
	n.release()
	if g.onDone != nil {
		g.onDone(n.idx, n.out, n.histOut, n.err)
	}
}

func (g *manyGroup) result(n *manyNet) error {
	if n.lastEval == nil {
		seed := EvalSeed(n.opt.Seed, max(n.lastTr, 0))
		ev, err := g.evalNet(n, makeBatch(n.task, n.evalSpec, evalStream(seed), false, 0))
		if err != nil && n.err == nil {
			n.err = fmt.Errorf("gomlxmodels: final evaluation: %w", err)
		}
		if err == nil {
			n.lastEval = ev
		}
	}
	out := n.net.Clone()
	src := g.in
	if n.opt.WeightsAfterLastUpdate || n.lastTr < 0 {
		src = g.cur
	}
	vars, err := g.hostVars(src, n)
	if err != nil {
		return err
	}
	writeHostVars(n.spec, vars, out)
	rec, err := runOutcome{status: n.status, losses: n.losses, lastTr: n.lastTr, lastEval: n.lastEval, hist: n.hist,
		start: n.start, baseTrial: n.baseTrial, baseRun: n.baseRun, lastTrial: func() (spikernn.Trial, *mat.Dense, *mat.Dense, []float64, error) {
			return g.lastTrial(n)
		}}.record()
	if err != nil {
		return err
	}
	out.Training = rec
	n.out = out
	n.histOut = n.hist
	return nil
}

// lastTrial is trainer.lastTrial for network n: the first trial of its
// last step's batch, with its states (N x T) and outputs.
func (g *manyGroup) lastTrial(n *manyNet) (tr spikernn.Trial, X, R *mat.Dense, O []float64, err error) {
	var d [3][]float32
	for i := range 3 {
		all, err := g.read(g.out[i])
		if err != nil {
			return tr, nil, nil, nil, err
		}
		d[i] = slotData(all, n.slot, g.M)
	}
	return lastTrialOf(n.spec, n.lastBatch, d[0], d[1], d[2])
}

// GraphKey returns a string that two networks (with their options) share
// exactly when TrainMany can train them in one graph: their task, N,
// inputs, activation, loss, Dale's principle, trained or fixed decay
// constants, sign mask structure, Batch and backend. It returns an error
// for a network or options Train would refuse.
func GraphKey(net *spikernn.Network, opt TrainOptions) (string, error) {
	task, err := checkNetwork(net)
	if err != nil {
		return "", err
	}
	if opt, err = opt.withDefaults(); err != nil {
		return "", err
	}
	c := net.Config
	return fmt.Sprintf("%s|N=%d|in=%d|T=%d|%s|%s|dale=%v|tau=%v|diag=%v|B=%d|%s", c.Task, net.N(), net.NIn, task.Steps(),
		c.Activation, c.LossFn, c.ApplyDale, c.TauTrainable(), isDiagonal(net.M), opt.Batch, ResolveBackend(opt.Backend)), nil
}

// DefaultNetsPerGraph is the number of networks of n units per graph
// that sweeps (and pipeline.Store.TrainManyOrLoad) use on a backend
// configuration ("" for the default) unless told otherwise: 8, except on
// the pure-Go backend for networks larger than SmallNetwork, where it is 1
// (one training per job). Measured on the pure-Go backend (Go-NoGo capped
// at 300 trials, one graph per core on 2 cores, against one Train per
// core): 8 networks per graph trained 1.1-1.3x as many networks an hour at
// N = 200 with GOEXPERIMENT=simd (1.9x without), 1.6x at N = 100 and
// 1.4-3.0x at N = 50; sizes above 200 were not measured. On GPU backends
// one small network leaves the device mostly idle.
func DefaultNetsPerGraph(backend string, n int) int {
	name, _, _ := strings.Cut(ResolveBackend(backend), ":")
	if name == "go" && n > SmallNetwork {
		return 1
	}
	return 8
}

// SmallNetwork is the largest N for which DefaultNetsPerGraph puts several
// networks in one graph on the pure-Go backend (the largest N measured).
const SmallNetwork = 200
