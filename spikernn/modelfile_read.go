package spikernn

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/spikernn/spikernn/matfile"
	"gonum.org/v1/gonum/mat"
)

// ModelError reports a model file that cannot be used, naming the file and
// the problem.
type ModelError struct {
	Path string
	Msg  string
}

func (e *ModelError) Error() string { return fmt.Sprintf("spikernn: model %s: %s", e.Path, e.Msg) }

var fileTaskRe = regexp.MustCompile(`^Task_(.+?)_N_\d+_`)

// LoadModel reads a model file written by spikernn or by the reference tools
// (scipy.io.savemat, MATLAB or Octave save -v6/-v7). Configuration fields the
// file does not state are inferred (task from the variable, the file name or
// the number of inputs; P_inh and P_rec from the masks and weights; Dale from
// the sign of w) or take the reference defaults; Network.Inferred lists them.
func LoadModel(path string) (*Network, error) {
	f, err := matfile.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("spikernn: loading model %s: %w", path, err)
	}
	net, err := fromMat(f, path)
	if err != nil {
		return nil, err
	}
	return net, nil
}

// fileReader pulls typed values out of a MAT file, remembering the first
// error.
type fileReader struct {
	f    *matfile.File
	path string
	err  error
}

func (r *fileReader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = &ModelError{r.path, fmt.Sprintf(format, a...)}
	}
}

func (r *fileReader) has(name string) bool { return r.f.Lookup(name) != nil }

// nanVars may hold NaN: an unfinished grid search records opt_scaling_factor
// NaN and NaN performance for the factors it has not scored.
var nanVars = map[string]bool{"opt_scaling_factor": true, "all_perfs": true}

func (r *fileReader) numeric(name string, required bool) *matfile.Var {
	v := r.f.Get(name)
	if v == nil {
		if u := r.f.Lookup(name); u != nil {
			// A kind the reader keeps but does not decode: say which.
			r.fail("variable %s is a %s, expected real numbers", name, u.Kind())
			return nil
		}
		if required {
			r.fail("variable %s is missing", name)
		}
		return nil
	}
	if v.Class == matfile.Char {
		r.fail("variable %s is text, expected numbers", name)
		return nil
	}
	for _, x := range v.Data {
		if (math.IsNaN(x) && !nanVars[name]) || math.IsInf(x, 0) {
			r.fail("variable %s holds %v", name, x)
			return nil
		}
	}
	return v
}

// matrix reads a 2-D variable of the given shape.
func (r *fileReader) matrix(name string, rows, cols int, required bool) *mat.Dense {
	v := r.numeric(name, required)
	if v == nil {
		return nil
	}
	if v.Rows() != rows || v.Cols() != cols {
		r.fail("variable %s is %s, expected %d x %d", name, dimsString(v.Dims), rows, cols)
		return nil
	}
	if rows*cols == 0 {
		return nil
	}
	return mat.NewDense(rows, cols, v.RowMajor())
}

// vector reads a vector of length n in either orientation (n < 0: any length).
func (r *fileReader) vector(name string, n int, required bool) []float64 {
	v := r.numeric(name, required)
	if v == nil {
		return nil
	}
	nonSingleton := 0
	for _, d := range v.Dims {
		if d != 1 {
			nonSingleton++
		}
	}
	if nonSingleton > 1 || (n >= 0 && v.Len() != n) {
		want := "a vector"
		if n >= 0 {
			want = fmt.Sprintf("a vector of %d values", n)
		}
		r.fail("variable %s is %s, expected %s", name, dimsString(v.Dims), want)
		return nil
	}
	return append([]float64(nil), v.Data...)
}

func (r *fileReader) scalar(name string, def float64) float64 {
	v := r.numeric(name, false)
	if v == nil {
		return def
	}
	x, err := v.Scalar()
	if err != nil {
		r.fail("variable %s is %s, expected a scalar", name, dimsString(v.Dims))
		return def
	}
	return x
}

// integer reads a scalar that must be a whole number (N, som_N, tr, ...).
func (r *fileReader) integer(name string, def int) int {
	x := r.scalar(name, float64(def))
	if r.err != nil {
		return def
	}
	if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
		r.fail("variable %s = %v: must be a whole number", name, x)
		return def
	}
	return int(x)
}

// uint reads a non-negative whole number exactly (seeds: all 64 bits).
func (r *fileReader) uint(name string) uint64 {
	v := r.numeric(name, false)
	if v == nil {
		return 0
	}
	if v.Len() != 1 {
		r.fail("variable %s is %s, expected a scalar", name, dimsString(v.Dims))
		return 0
	}
	if u, ok := v.Uint64(); ok {
		return u
	}
	x := v.Data[0]
	if x < 0 || x != math.Trunc(x) || x >= 1<<64 {
		r.fail("variable %s = %v: must be a whole number >= 0", name, x)
		return 0
	}
	return uint64(x)
}

func (r *fileReader) seed() uint64 { return r.uint("seed") }

func (r *fileReader) str(name, def string) string {
	v := r.f.Get(name)
	if v == nil {
		return def
	}
	if v.Class != matfile.Char {
		r.fail("variable %s is not text", name)
		return def
	}
	return strings.TrimSpace(v.Str)
}

// states reads last-trial states: spikernn writes N x T; the reference writes
// a T x N x 1 array (a list of column vectors).
func (r *fileReader) states(name string, N int) *mat.Dense {
	v := r.numeric(name, false)
	if v == nil || v.Len() == 0 {
		return nil
	}
	d := v.Dims
	switch {
	case len(d) == 2 && d[0] == N:
		return mat.NewDense(N, d[1], v.RowMajor())
	case len(d) >= 2 && d[1] == N && v.Len() == d[0]*N:
		// T x N x 1 (column-major): element (t, i) at t + i*T.
		T := d[0]
		m := mat.NewDense(N, T, nil)
		for i := range N {
			for t := range T {
				m.Set(i, t, v.Data[t+i*T])
			}
		}
		return m
	}
	return nil // informative only: ignore unexpected shapes
}

func dimsString(d []int) string {
	s := make([]string, len(d))
	for i, x := range d {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, " x ")
}

// fromMat builds a network from a MAT file's variables: the weights and
// masks, the cell types, the configuration (stated or inferred), the decay
// parameters, the training record and the grid-search result, each checked
// with the rules the command line applies to its flags.
func fromMat(f *matfile.File, path string) (*Network, error) {
	r := &fileReader{f: f, path: path}
	net, err := r.weights()
	if err != nil {
		return nil, err
	}
	nInh := r.cellTypes(net)
	r.config(net, nInh)
	r.decay(net)
	r.training(net)
	r.scaling(net)
	if r.err != nil {
		return nil, r.err
	}
	if err := r.checkEffective(net); err != nil {
		return nil, err
	}
	return net, nil
}

// weights reads w, w0, w_in, w_out, b_out, m and som_m and checks their
// shapes against w's N x N.
func (r *fileReader) weights() (*Network, error) {
	wv := r.numeric("w", true)
	if r.err != nil {
		return nil, r.err
	}
	N := wv.Rows()
	if N < 1 || wv.Cols() != N || len(wv.Dims) != 2 {
		return nil, &ModelError{r.path, fmt.Sprintf("variable w is %s, expected a square N x N matrix", dimsString(wv.Dims))}
	}
	if err := CheckN("N", N); err != nil {
		return nil, &ModelError{r.path, "variable w: " + err.Error()}
	}
	if r.has("N") {
		if n := r.integer("N", 0); n != N && r.err == nil {
			r.fail("N = %d does not match w, which is %d x %d", n, N, N)
		}
	}
	net := &Network{}
	net.W = r.matrix("w", N, N, true)
	net.W0 = r.matrix("w0", N, N, false)
	if net.W0 == nil && r.err == nil {
		net.W0 = mat.DenseCopyOf(net.W)
	}
	winv := r.numeric("w_in", true)
	if r.err != nil {
		return nil, r.err
	}
	if winv.Rows() != N || len(winv.Dims) != 2 {
		return nil, &ModelError{r.path, fmt.Sprintf("variable w_in is %s, expected %d rows (one per unit)", dimsString(winv.Dims), N)}
	}
	net.NIn = winv.Cols()
	if net.NIn < 1 {
		return nil, &ModelError{r.path, "variable w_in has no columns"}
	}
	net.WIn = r.matrix("w_in", N, net.NIn, true)
	net.WOut = r.vector("w_out", N, true)
	net.BOut = r.scalar("b_out", 0)
	net.M = r.matrix("m", N, N, true)
	net.SomM = r.matrix("som_m", N, N, false)
	if net.SomM == nil && r.err == nil {
		net.SomM = mat.NewDense(N, N, nil)
		net.SomM.Apply(func(_, _ int, _ float64) float64 { return 1 }, net.SomM)
	}
	if r.err != nil {
		return nil, r.err
	}
	if d, ok := diagonal(net.M); !ok || !allIn(d, -1, 1) {
		return nil, &ModelError{r.path, "variable m is not a sign mask: the reference's m is diagonal, +1 for excitatory and -1 for inhibitory units"}
	}
	if !allIn(net.SomM.RawMatrix().Data, 0, 1) {
		return nil, &ModelError{r.path, "variable som_m is not a mask: its entries must be 0 or 1"}
	}
	return net, nil
}

// cellTypes sets Inh and Exc from inh, else exc, else the sign mask, and
// returns the number of inhibitory units.
func (r *fileReader) cellTypes(net *Network) int {
	N := net.M.RawMatrix().Rows
	net.Inh = make([]bool, N)
	net.Exc = make([]bool, N)
	switch {
	case r.has("inh"):
		inh := r.vector("inh", N, true)
		for i := range N {
			net.Inh[i] = inh != nil && inh[i] != 0
		}
	case r.has("exc"):
		exc := r.vector("exc", N, true)
		for i := range N {
			net.Inh[i] = exc != nil && exc[i] == 0
		}
	default:
		for i := range N {
			net.Inh[i] = net.M.At(i, i) < 0
		}
	}
	nInh := 0
	for i := range N {
		net.Exc[i] = !net.Inh[i]
		if net.Inh[i] {
			nInh++
		}
	}
	return nInh
}

// config sets the configuration: the values the file states, checked with
// the command line's rules, and the ones it does not, inferred or
// defaulted and listed in net.Inferred.
func (r *fileReader) config(net *Network, nInh int) {
	N := net.N()
	cfg := DefaultConfig("")
	cfg.N = N
	infer := func(field string) { net.Inferred = append(net.Inferred, field) }
	cfg.Task = strings.ToLower(r.str("task", ""))
	if cfg.Task == "" {
		infer("task")
		cfg.Task = inferTask(r.path, net.NIn)
	}
	cfg.Taus = r.vector("taus", -1, true)
	if !r.has("activation") && !r.has("act") {
		infer("act")
	}
	act := r.str("activation", r.str("act", string(Sigmoid)))
	cfg.Activation = option(r, "activation", act, ParseActivation)
	if !r.has("loss_fn") {
		infer("loss_fn")
	}
	cfg.LossFn = option(r, "loss_fn", r.str("loss_fn", string(LossL2)), ParseLossFn)
	if !r.has("w_dist") {
		infer("w_dist")
	}
	cfg.WeightDist = option(r, "w_dist", r.str("w_dist", string(Gaussian)), ParseWeightDist)
	cfg.SomN = r.integer("som_N", 0)
	if r.has("apply_dale") {
		cfg.ApplyDale = r.scalar("apply_dale", 1) != 0
	} else {
		infer("apply_dale")
		// Dale's principle keeps w non-negative; the reference saves
		// NoDale models under a NoDale folder.
		cfg.ApplyDale = nInh > 0 || (mat.Min(net.W0) >= 0 && !strings.Contains(filepath.ToSlash(r.path), "/NoDale/"))
	}
	if r.has("P_inh") {
		cfg.PInh = r.scalar("P_inh", 0.2)
	} else {
		infer("P_inh")
		cfg.PInh = float64(nInh) / float64(N)
	}
	if r.has("P_rec") {
		cfg.PRec = r.scalar("P_rec", 0.2)
	} else {
		infer("P_rec")
		cfg.PRec = density(net.W0)
	}
	if r.has("gain") {
		cfg.Gain = r.scalar("gain", 1.5)
	} else {
		infer("gain")
	}
	if r.has("seed") {
		net.Seed = r.seed()
	}
	if r.err != nil {
		return
	}
	if cfg.SomN > nInh {
		r.fail("som_N = %d but the file has %d inhibitory units", cfg.SomN, nInh)
		return
	}
	// The command line's rules, except the task, which may be one the
	// program that reads the file has not registered.
	check := cfg
	check.Task = "go-nogo"
	if err := check.Validate(); err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			r.fail("variable %s = %v: %s", fileVarName(ce.Field), ce.Value, ce.Allowed)
		} else {
			r.fail("%v", err)
		}
		return
	}
	net.Config = cfg
}

// fileVarName maps a configuration field (flag spelling) to its variable
// in the model file.
func fileVarName(field string) string {
	if field == "act" {
		return "activation"
	}
	return field
}

// option parses a text variable with a typed option's parser, failing with
// the variable's name.
func option[T ~string](r *fileReader, name, s string, parse func(string) (T, error)) T {
	v, err := parse(s)
	if err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			r.fail("variable %s = %q: %s", name, s, ce.Allowed)
		} else {
			r.fail("variable %s: %v", name, err)
		}
	}
	return v
}

// inferTask guesses the task of a file that does not state it: from the
// reference's file name, else the first registered task with the network's
// number of inputs.
func inferTask(path string, nIn int) string {
	if m := fileTaskRe.FindStringSubmatch(filepath.Base(path)); m != nil {
		return strings.ToLower(m[1])
	}
	for _, name := range TaskNames() {
		if t, _ := LookupTask(name); t.NumInputs() == nIn {
			return name
		}
	}
	return ""
}

// density returns the fraction of nonzero entries of m.
func density(m *mat.Dense) float64 {
	r, c := m.Dims()
	nz := 0
	for i := range r {
		for _, v := range m.RawRowView(i) {
			if v != 0 {
				nz++
			}
		}
	}
	return float64(nz) / float64(r*c)
}

// decay reads taus_gaus and taus_gaus0.
func (r *fileReader) decay(net *Network) {
	if r.err != nil {
		return
	}
	N := net.N()
	net.TausGaus = r.vector("taus_gaus", N, net.Config.TauTrainable())
	if net.TausGaus == nil {
		net.TausGaus = make([]float64, N)
	}
	net.TausGaus0 = r.vector("taus_gaus0", N, false)
	if net.TausGaus0 == nil {
		net.TausGaus0 = append([]float64(nil), net.TausGaus...)
	}
}

// training reads the training record, if the file has one.
func (r *fileReader) training(net *Network) {
	if r.err != nil || !(r.has("losses") || r.has("training_status")) {
		return
	}
	N := net.N()
	t := &TrainingRecord{}
	t.Losses = r.vector("losses", -1, false)
	t.Tr = r.integer("tr", len(t.Losses)-1)
	t.EvalPerfMean = r.scalar("eval_perf_mean", math.NaN())
	t.EvalLossMean = r.scalar("eval_loss_mean", math.NaN())
	if v := r.numeric("eval_os", false); v != nil && len(v.Dims) == 2 && v.Len() > 0 {
		t.EvalOs = mat.NewDense(v.Rows(), v.Cols(), v.RowMajor())
	}
	t.EvalLabels = r.labels()
	t.EvalTrials = r.vector("eval_trials", -1, false)
	t.EvalLosses = r.vector("eval_losses", -1, false)
	t.EvalPerfs = r.vector("eval_perfs", -1, false)
	if r.has("training_status") {
		t.Status = option(r, "training_status", r.str("training_status", ""), ParseStatus)
	} else {
		crit := DefaultCriterion()
		if task, err := LookupTask(net.Config.Task); err == nil {
			crit = task.Criterion()
		}
		t.Status = StatusFailed
		if crit.Met(t.Tr, t.EvalLossMean, t.EvalPerfMean) {
			t.Status = StatusTrained
		}
	}
	if v := r.numeric("u", false); v != nil && len(v.Dims) == 2 && v.Rows() == net.NIn && v.Len() > 0 {
		t.U = mat.NewDense(v.Rows(), v.Cols(), v.RowMajor())
	}
	if v := r.numeric("target", false); v != nil {
		t.Target = append([]float64(nil), v.Data...)
	}
	if v := r.numeric("o", false); v != nil {
		t.O = append([]float64(nil), v.Data...)
	}
	t.X, t.R = r.states("x", N), r.states("r", N)
	t.X0, t.R0 = r.states("x0", N), r.states("r0", N)
	net.Training = t
}

// labels reads eval_labels: numbers, or the reference's XOR strings
// ('same' = +1, 'diff' = -1), one per row of a char matrix.
func (r *fileReader) labels() []float64 {
	v := r.f.Get("eval_labels")
	if v == nil {
		return nil
	}
	if v.Class != matfile.Char {
		return append([]float64(nil), r.vector("eval_labels", -1, false)...)
	}
	var out []float64
	for _, line := range strings.Split(v.Str, "\n") {
		switch strings.TrimSpace(line) {
		case "same":
			out = append(out, 1)
		case "diff":
			out = append(out, -1)
		case "":
		default:
			r.fail("variable eval_labels holds %q: expected 'same' or 'diff'", strings.TrimSpace(line))
			return nil
		}
	}
	return out
}

// scaling reads the grid-search result, if the file has one.
func (r *fileReader) scaling(net *Network) {
	if r.err != nil || !r.has("opt_scaling_factor") {
		return
	}
	net.Scaling = &ScalingSearch{
		OptScalingFactor: r.scalar("opt_scaling_factor", math.NaN()),
		AllPerfs:         r.vector("all_perfs", -1, false),
		ScalingFactors:   r.vector("scaling_factors", -1, false),
		Trials:           r.integer("scaling_trials", 0),
		Key:              r.str("scaling_key", ""),
	}
	if r.has("scaling_seed") {
		net.Scaling.Seed = r.uint("scaling_seed")
	}
}

// checkEffective rejects weights whose effective form overflows.
func (r *fileReader) checkEffective(net *Network) error {
	for _, w := range []*mat.Dense{net.EffectiveWeights(), net.EffectiveWeights0()} {
		raw := w.RawMatrix().Data
		for _, v := range raw {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return &ModelError{r.path, "the effective recurrent weights (w @ m) .* som_m overflow to infinity"}
			}
		}
	}
	return nil
}

// allIn reports whether every value of x is a or b.
func allIn(x []float64, a, b float64) bool {
	for _, v := range x {
		if v != a && v != b {
			return false
		}
	}
	return true
}
