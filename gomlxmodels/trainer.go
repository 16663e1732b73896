package gomlxmodels

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive
	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

// trainer holds a network's compiled graphs and its state on a backend.
type trainer struct {
	be        compute.Backend
	evalBe    compute.Backend // backend of the evaluation graph (may be be)
	evalSt    *netState       // the network on evalBe when evalBe != be
	task      spikernn.Task
	spec      netSpec // training batch
	evalSpec  netSpec // evaluation batch
	step      *compiled
	eval      *compiled
	st        *netState
	m, v      []compute.Buffer // Adam moments
	adamStep  int
	lr        float64
	last      []compute.Buffer // O, X, R of the last step
	lastBatch *batch
	// prev holds the trained variables as they were before the last
	// step's update: the weights the last step's forward pass (t.last) ran
	// with, which the reference saves (nil before the first step).
	prev []compute.Buffer
	// keep: trainStep leaves the buffers it replaces (the previous
	// state's prev, m, v and last) alive for the caller, who holds them in
	// trainState snapshots (speculative steps, see trainRun.loopOverlapped)
	// and frees them with settleStates.
	keep bool
}

// trainState is a snapshot of a trainer's state between two steps: the
// buffers themselves (GoMLX outputs, never modified), not copies.
type trainState struct {
	vars, m, v, prev, last []compute.Buffer
	lastBatch              *batch
	adamStep               int
}

// state returns the trainer's current state.
func (t *trainer) state() trainState {
	return trainState{vars: t.st.vars, m: t.m, v: t.v, prev: t.prev, last: t.last, lastBatch: t.lastBatch, adamStep: t.adamStep}
}

// settleStates makes states[j] the trainer's state and frees the buffers
// of the other states. states must be consecutive states of steps run with
// t.keep set after states[0] (states[k].prev is states[k-1].vars): the
// buffers of states[j] and its prev stay, the others are freed once each.
// It clears t.keep.
func (t *trainer) settleStates(states []trainState, j int) {
	for k, s := range states {
		if k == j {
			continue
		}
		finalizeAll(s.m)
		finalizeAll(s.v)
		finalizeAll(s.last)
		if k != j-1 {
			finalizeAll(s.vars)
		}
		if k == 0 && j != 0 {
			finalizeAll(s.prev)
		}
	}
	s := states[j]
	t.st.vars, t.m, t.v, t.prev, t.last, t.lastBatch, t.adamStep = s.vars, s.m, s.v, s.prev, s.last, s.lastBatch, s.adamStep
	t.keep = false
}

// trainerOptions configures a trainer.
type trainerOptions struct {
	Batch      int             // trials per training step
	EvalTrials int             // trials of the evaluation graph (0: none)
	LR         float64         // Adam's learning rate
	Autodiff   bool            // GoMLX's autodiff instead of the written-out BPTT
	EvalBe     compute.Backend // backend of the evaluation graph (nil: the training one)
}

// newTrainer compiles the training step (opt.Batch trials) on be and, with
// opt.EvalTrials > 0, the evaluation graph on opt.EvalBe, and uploads the
// network.
func newTrainer(be compute.Backend, net *spikernn.Network, task spikernn.Task, opt trainerOptions) (*trainer, error) {
	evalBe := opt.EvalBe
	if evalBe == nil {
		evalBe = be
	}
	b, evalTrials, autodiff := opt.Batch, opt.EvalTrials, opt.Autodiff
	t := &trainer{be: be, evalBe: evalBe, task: task, spec: specFor(be, net, task, b), lr: opt.LR}
	var err error
	t.step, err = compile(be, "spikernn_train_step", func(g *Graph) ([]*Node, error) { return t.spec.buildTrainStep(g, autodiff) })
	if err != nil {
		return nil, err
	}
	if t.st, err = newNetState(be, t.spec, net); err != nil {
		t.close()
		return nil, err
	}
	if evalTrials > 0 {
		t.evalSpec = specFor(evalBe, net, task, evalTrials)
		t.eval, err = compile(evalBe, "spikernn_eval", func(g *Graph) ([]*Node, error) { return t.evalSpec.buildForward(g, false) })
		if err != nil {
			t.close()
			return nil, err
		}
		if evalBe != be {
			if t.evalSt, err = newNetState(evalBe, t.evalSpec, net); err != nil {
				t.close()
				return nil, err
			}
		}
	}
	for _, sh := range t.spec.varShapes() {
		zero := make([]float32, sh.Size())
		for _, dst := range []*[]compute.Buffer{&t.m, &t.v} {
			buf, err := bufferOf(be, zero, sh)
			if err != nil {
				t.close()
				return nil, err
			}
			*dst = append(*dst, buf)
		}
	}
	return t, nil
}

func (t *trainer) close() {
	t.step.close()
	t.eval.close()
	if t.st != nil {
		t.st.close()
	}
	if t.evalSt != nil {
		t.evalSt.close()
	}
	finalizeAll(t.m)
	finalizeAll(t.v)
	finalizeAll(t.last)
	finalizeAll(t.prev)
	t.m, t.v, t.last, t.prev = nil, nil, nil, nil
}

// divergedError reports a non-finite loss or gradient.
type divergedError struct {
	what  string
	value float64
}

func (e *divergedError) Error() string {
	return fmt.Sprintf("training diverged: %s is %v", e.what, e.value)
}

// Is makes errors.Is(err, ErrDiverged) true.
func (e *divergedError) Is(target error) bool { return target == ErrDiverged }

// trainStep runs one Adam step on a batch already uploaded (bufs: u, noise,
// x0, z) and returns the batch's mean loss. On a non-finite loss or
// gradient the state is left as it was and the error is a divergedError.
func (t *trainer) trainStep(bt *batch, bufs []compute.Buffer) (float64, error) {
	nv := t.spec.numVars()
	lrT, err := bufferOf(t.be, []float32{float32(adamLR(t.lr, t.adamStep+1))}, shapes.Make(f32))
	if err != nil {
		return 0, err
	}
	defer func() { _ = lrT.Finalize() }()
	in := make([]compute.Buffer, 0, 3*nv+len(t.st.fixed)+len(bufs)+1)
	in = append(append(append(in, t.st.vars...), t.m...), t.v...)
	in = append(append(append(in, t.st.fixed...), bufs...), lrT)
	outs, err := t.step.run(in)
	if err != nil {
		return 0, err
	}
	extras := outs[3*nv:]
	loss, err := readScalar(extras[outLoss])
	if err == nil && !finite(loss) {
		err = &divergedError{"the loss", loss}
	}
	if err == nil {
		var gsum float64
		gsum, err = readScalar(extras[outGradSum])
		if err == nil && !finite(gsum) {
			err = &divergedError{"a gradient", gsum}
		}
	}
	if err != nil {
		finalizeAll(outs)
		return 0, err
	}
	// Keep the variables this step's forward pass ran with (the
	// reference's fetch of w, w_out, b_out and taus_gaus), drop the older
	// (unless a snapshot holds them: t.keep). Every slice is new, so that
	// trainState snapshots never change.
	if !t.keep {
		finalizeAll(t.prev)
		finalizeAll(t.m)
		finalizeAll(t.v)
		finalizeAll(t.last)
	}
	t.prev = t.st.vars
	t.st.vars = outs[:nv:nv]
	t.m = outs[nv : 2*nv : 2*nv]
	t.v = outs[2*nv : 3*nv : 3*nv]
	t.adamStep++
	t.last = []compute.Buffer{extras[outO], extras[outX], extras[outR]}
	_ = extras[outLoss].Finalize()
	_ = extras[outLosses].Finalize()
	_ = extras[outGradSum].Finalize()
	t.lastBatch = bt
	return loss, nil
}

// evalResult is one evaluation of the network on a batch of fresh trials.
type evalResult struct {
	trials  []spikernn.Trial
	outputs [][]float64
	losses  []float64
	correct []bool
	loss    float64 // mean loss
	perf    float64 // fraction correct
}

// evaluate runs the evaluation batch (already drawn) through the network in
// one batched forward pass and scores it in Go with the task's rule.
func (t *trainer) evaluate(bt *batch) (*evalResult, error) {
	return t.evaluateVars(t.st.vars, bt)
}

// evaluateVars is evaluate with the trained variables vars (buffers on the
// training backend). With an evaluation backend of its own (t.evalSt), it
// only reads vars, so it may run on another goroutine while steps run, one
// evaluation at a time.
func (t *trainer) evaluateVars(vars []compute.Buffer, bt *batch) (*evalResult, error) {
	st := &netState{vars: vars, fixed: t.st.fixed}
	if t.evalSt != nil {
		// Copy the trained variables to the evaluation backend.
		for i, b := range vars {
			data, err := readFloats(b)
			if err != nil {
				return nil, err
			}
			nb, err := bufferOf(t.evalBe, data, t.evalSpec.varShapes()[i])
			if err != nil {
				return nil, err
			}
			_ = t.evalSt.vars[i].Finalize()
			t.evalSt.vars[i] = nb
		}
		st = t.evalSt
	}
	bufs, err := bt.buffers(t.evalBe, t.evalSpec)
	if err != nil {
		return nil, err
	}
	defer finalizeAll(bufs)
	in := append(append(append([]compute.Buffer{}, st.vars...), st.fixed...), bufs...)
	return runEval(t.eval, in, t.task, t.spec.LossFn, bt, t.evalSpec)
}

// runEval runs the evaluation graph c on its inputs (variables, fixed
// inputs, the batch bt uploaded) and scores the outputs with the task's rule
// and loss: Train's and TrainMany's evaluations.
func runEval(c *compiled, in []compute.Buffer, task spikernn.Task, lossFn spikernn.LossFn, bt *batch, s netSpec) (*evalResult, error) {
	outs, err := c.run(in)
	if err != nil {
		return nil, err
	}
	O, err := readFloats(outs[0])
	finalizeAll(outs)
	if err != nil {
		return nil, err
	}
	B, K := s.B, s.steps()
	res := &evalResult{trials: bt.trials, outputs: make([][]float64, B), losses: make([]float64, B), correct: make([]bool, B)}
	for i := range B {
		o := make([]float64, K)
		for k := range o {
			o[k] = float64(O[k*B+i])
		}
		res.outputs[i] = o
		res.losses[i] = spikernn.Loss(o, bt.trials[i].Target, lossFn)
		res.correct[i] = task.Correct(o, bt.trials[i])
		res.loss += res.losses[i]
		if res.correct[i] {
			res.perf++
		}
	}
	res.loss /= float64(B)
	res.perf /= float64(B)
	if !finite(res.loss) {
		return res, &divergedError{"the evaluation loss", res.loss}
	}
	return res, nil
}

// writeWeights copies the trained variables into net: those the last
// step's forward pass ran with (before its update, as the reference saves
// them), or with afterUpdate, or before any step, the current ones.
func (t *trainer) writeWeights(net *spikernn.Network, afterUpdate bool) error {
	if afterUpdate || t.prev == nil {
		return t.st.writeInto(t.spec, net)
	}
	return (&netState{vars: t.prev}).writeInto(t.spec, net)
}

// lastTrial returns the first trial of the last step's batch with its
// states (N x T) and outputs.
func (t *trainer) lastTrial() (tr spikernn.Trial, X, R *mat.Dense, O []float64, err error) {
	if t.lastBatch == nil || len(t.last) != 3 {
		return tr, nil, nil, nil, fmt.Errorf("gomlxmodels: no training step has run")
	}
	o, err := readFloats(t.last[0])
	if err != nil {
		return tr, nil, nil, nil, err
	}
	x, err := readFloats(t.last[1])
	if err != nil {
		return tr, nil, nil, nil, err
	}
	r, err := readFloats(t.last[2])
	if err != nil {
		return tr, nil, nil, nil, err
	}
	return lastTrialOf(t.spec, t.lastBatch, o, x, r)
}

// lastTrialOf returns the first trial of a step's batch bt with its states
// (N x T, x_0 from the batch) and outputs, from the step's outputs o
// ([T-1, B]), x and r ([T-1, B, N]).
func lastTrialOf(s netSpec, bt *batch, o, x, r []float32) (tr spikernn.Trial, X, R *mat.Dense, O []float64, err error) {
	B, N, T := s.B, s.N, s.T
	phi, err := spikernn.ActivationFunc(s.Act)
	if err != nil {
		return tr, nil, nil, nil, err
	}
	X, R = mat.NewDense(N, T, nil), mat.NewDense(N, T, nil)
	for i := range N {
		x0 := float64(bt.x0[i])
		X.Set(i, 0, x0)
		R.Set(i, 0, phi(x0))
	}
	for tt := 1; tt < T; tt++ {
		for i := range N {
			X.Set(i, tt, float64(x[(tt-1)*B*N+i]))
			R.Set(i, tt, float64(r[(tt-1)*B*N+i]))
		}
	}
	O = make([]float64, T-1)
	for k := range O {
		O[k] = float64(o[k*B])
	}
	return bt.trials[0], X, R, O, nil
}

// gradients evaluates the loss and the gradients of the trained variables
// for a batch without updating anything (tests).
func gradients(be compute.Backend, net *spikernn.Network, task spikernn.Task, bt *batch, autodiff bool) (float64, [][]float32, error) {
	s := specFor(be, net, task, len(bt.trials))
	c, err := compile(be, "spikernn_gradients", func(g *Graph) ([]*Node, error) { return s.buildGradients(g, autodiff) })
	if err != nil {
		return 0, nil, err
	}
	defer c.close()
	st, err := newNetState(be, s, net)
	if err != nil {
		return 0, nil, err
	}
	defer st.close()
	bufs, err := bt.buffers(be, s)
	if err != nil {
		return 0, nil, err
	}
	defer finalizeAll(bufs)
	outs, err := c.run(append(append(append([]compute.Buffer{}, st.vars...), st.fixed...), bufs...))
	if err != nil {
		return 0, nil, err
	}
	defer finalizeAll(outs)
	loss, err := readScalar(outs[0])
	if err != nil {
		return 0, nil, err
	}
	var gs [][]float32
	for _, o := range outs[1:] {
		g, err := readFloats(o)
		if err != nil {
			return 0, nil, err
		}
		gs = append(gs, g)
	}
	return loss, gs, nil
}
