package spikernn

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spikernn/spikernn/matfile"
	"gonum.org/v1/gonum/mat"
)

// PyFloat formats a number the way Python's str() prints a float (4.0, 0.2,
// 1e-05), as the reference does in model file and folder names.
func PyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	// Shortest round-trip digits, as Python's repr; its exponent decides
	// between fixed and scientific notation (Python: exp < -4 or >= 16).
	s := strconv.FormatFloat(f, 'e', -1, 64)
	_, e, _ := strings.Cut(s, "e")
	if exp, _ := strconv.Atoi(e); exp < -4 || exp >= 16 {
		return s // Go writes e-05 and e+16 exactly like Python
	}
	s = strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// ModelDir returns the folder the reference saves a model in:
// <outputDir>/models/<task>[/NoDale]/P_rec_<P_rec>_Taus_<min>_<max> (or
// .../P_rec_<P_rec>_Tau_<t> for a fixed decay constant).
func ModelDir(outputDir string, cfg Config) string {
	dir := filepath.Join(outputDir, "models", strings.ToLower(cfg.Task))
	if !cfg.ApplyDale {
		dir = filepath.Join(dir, "NoDale")
	}
	return filepath.Join(dir, "P_rec_"+PyFloat(cfg.PRec)+"_"+tausTag(cfg))
}

// ModelFileName returns the reference file name for a model saved at time t:
// Task_<task>_N_<N>_Taus_<min>_<max>_Act_<act>_<YYYY_MM_DD_HHMMSS>.mat.
func ModelFileName(cfg Config, t time.Time) string {
	return fmt.Sprintf("Task_%s_N_%d_%s_Act_%s_%s.mat", strings.ToLower(cfg.Task), cfg.N, tausTag(cfg),
		cfg.Activation, t.Format("2006_01_02_150405"))
}

func tausTag(cfg Config) string {
	if len(cfg.Taus) == 2 {
		return "Taus_" + PyFloat(cfg.Taus[0]) + "_" + PyFloat(cfg.Taus[1])
	}
	if len(cfg.Taus) == 1 {
		return "Tau_" + PyFloat(cfg.Taus[0])
	}
	return "Tau_none"
}

// SaveOptions controls how a model file is written.
type SaveOptions struct {
	// Compress writes zlib-compressed variables, as MATLAB's and Octave's
	// save -v7. The default is uncompressed, as scipy.io.savemat writes.
	Compress bool
}

// SaveNew writes the network into the reference folder layout under
// outputDir (creating folders as needed), with the reference file name for
// time t, and returns the file's path.
func (n *Network) SaveNew(outputDir string, t time.Time, opt SaveOptions) (string, error) {
	dir := ModelDir(outputDir, n.Config)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("spikernn: creating model folder: %w", err)
	}
	path := filepath.Join(dir, ModelFileName(n.Config, t))
	return path, n.Save(path, opt)
}

// Save writes the network as a MATLAB v5 model file with the reference's
// variable names, shapes and types (spec section 3), plus spikernn's own
// variables (task, P_inh, P_rec, gain, apply_dale, loss_fn, w_dist, seed,
// training_status and the evaluation curve), which the reference tools
// ignore. The file is written atomically: a temporary file renamed over path.
func (n *Network) Save(path string, opt SaveOptions) error {
	if err := matfile.WriteFile(path, n.matVars(), matfile.WriteOptions{Compress: opt.Compress, Header: "spikernn model"}); err != nil {
		return fmt.Errorf("spikernn: saving model %s: %w", path, err)
	}
	return nil
}

func single(name string, m *mat.Dense) *matfile.Var {
	r, c := m.Dims()
	return matfile.NewMatrix(name, matfile.Single, r, c, denseData(m))
}

// states writes an N x T state record as the reference does: a T x N x 1
// array (scipy's conversion of a list of T column vectors).
func states(name string, m *mat.Dense) *matfile.Var {
	n, T := m.Dims()
	// Column-major T x N x 1 puts (t, i) at t + i*T: m's row-major layout.
	return matfile.NewArray(name, matfile.Single, []int{T, n, 1}, denseData(m))
}

func column(name string, class matfile.Class, x []float64) *matfile.Var {
	return matfile.NewMatrix(name, class, len(x), 1, x)
}

func row(name string, class matfile.Class, x []float64) *matfile.Var {
	return matfile.NewMatrix(name, class, 1, len(x), x)
}

func (n *Network) matVars() []*matfile.Var {
	N := n.N()
	var vs []*matfile.Var
	add := func(v ...*matfile.Var) { vs = append(vs, v...) }
	t := n.Training
	if t != nil && t.X0 != nil {
		add(states("x0", t.X0), states("r0", t.R0))
	}
	add(single("w0", n.W0), column("taus_gaus0", matfile.Single, n.TausGaus0), single("w_in0", n.WIn))
	if t != nil && t.U != nil {
		add(matfile.NewMatrix("u", matfile.Double, t.U.RawMatrix().Rows, t.U.RawMatrix().Cols, denseData(t.U)),
			matfile.NewArray("o", matfile.Single, []int{len(t.O), 1, 1}, t.O))
	}
	add(single("w", n.W))
	if t != nil && t.X != nil {
		add(states("x", t.X))
	}
	if t != nil && t.Target != nil {
		add(row("target", matfile.Double, t.Target))
	}
	add(row("w_out", matfile.Single, n.WOut))
	if t != nil && t.R != nil {
		add(states("r", t.R))
	}
	add(single("m", n.M), single("som_m", n.SomM),
		matfile.NewScalar("N", matfile.Int64, float64(N)),
		matfile.NewLogical("exc", N, 1, n.Exc), matfile.NewLogical("inh", N, 1, n.Inh),
		single("w_in", n.WIn),
		matfile.NewScalar("b_out", matfile.Single, n.BOut),
		matfile.NewScalar("som_N", matfile.Int64, float64(n.Config.SomN)))
	if t != nil {
		add(row("losses", matfile.Double, t.Losses))
	}
	add(row("taus", matfile.Double, n.Config.Taus))
	if t != nil {
		add(matfile.NewScalar("eval_perf_mean", matfile.Double, t.EvalPerfMean),
			matfile.NewScalar("eval_loss_mean", matfile.Double, t.EvalLossMean))
		if t.EvalOs != nil {
			r, c := t.EvalOs.Dims()
			add(matfile.NewMatrix("eval_os", matfile.Double, r, c, denseData(t.EvalOs)))
		}
		add(row("eval_labels", matfile.Double, t.EvalLabels))
	}
	add(column("taus_gaus", matfile.Single, n.TausGaus))
	if t != nil {
		add(matfile.NewScalar("tr", matfile.Int64, float64(t.Tr)))
	}
	add(matfile.NewString("activation", n.Config.Activation))
	// spikernn's own variables.
	add(matfile.NewString("task", n.Config.Task),
		matfile.NewScalar("P_inh", matfile.Double, n.Config.PInh),
		matfile.NewScalar("P_rec", matfile.Double, n.Config.PRec),
		matfile.NewScalar("gain", matfile.Double, n.Config.Gain),
		matfile.NewLogical("apply_dale", 1, 1, []bool{n.Config.ApplyDale}),
		matfile.NewString("loss_fn", n.Config.LossFn),
		matfile.NewString("w_dist", n.Config.WeightDist),
		matfile.NewScalar("seed", matfile.Uint64, float64(n.Seed)))
	if t != nil {
		add(matfile.NewString("training_status", t.Status),
			row("eval_trials", matfile.Double, t.EvalTrials),
			row("eval_losses", matfile.Double, t.EvalLosses),
			row("eval_perfs", matfile.Double, t.EvalPerfs))
	}
	if s := n.Scaling; s != nil {
		add(scalingVars(s)...)
	}
	return vs
}

func scalingVars(s *ScalingSearch) []*matfile.Var {
	return []*matfile.Var{
		matfile.NewScalar("opt_scaling_factor", matfile.Double, s.OptScalingFactor),
		row("all_perfs", matfile.Double, s.AllPerfs),
		row("scaling_factors", matfile.Double, s.ScalingFactors),
	}
}

// SaveScaling adds (or replaces) opt_scaling_factor, all_perfs and
// scaling_factors in an existing model file, keeping every other variable,
// atomically, as the reference's grid search does.
func SaveScaling(path string, s *ScalingSearch) error {
	if err := matfile.UpdateFile(path, scalingVars(s), matfile.WriteOptions{}); err != nil {
		return fmt.Errorf("spikernn: adding scaling factor to %s: %w", path, err)
	}
	return nil
}

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

func (r *fileReader) has(name string) bool { return r.f.Get(name) != nil }

// nanVars may hold NaN: an unfinished grid search records opt_scaling_factor
// NaN and NaN performance for the factors it has not scored.
var nanVars = map[string]bool{"opt_scaling_factor": true, "all_perfs": true}

func (r *fileReader) numeric(name string, required bool) *matfile.Var {
	v := r.f.Get(name)
	if v == nil {
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

func fromMat(f *matfile.File, path string) (*Network, error) {
	r := &fileReader{f: f, path: path}
	wv := r.numeric("w", true)
	if r.err != nil {
		return nil, r.err
	}
	N := wv.Rows()
	if N < 1 || wv.Cols() != N || len(wv.Dims) != 2 {
		return nil, &ModelError{path, fmt.Sprintf("variable w is %s, expected a square N x N matrix", dimsString(wv.Dims))}
	}
	if r.has("N") {
		if n := r.scalar("N", 0); int(n) != N {
			r.fail("N = %v does not match w, which is %d x %d", n, N, N)
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
	if winv.Rows() != N {
		return nil, &ModelError{path, fmt.Sprintf("variable w_in is %s, expected %d rows (one per unit)", dimsString(winv.Dims), N)}
	}
	net.NIn = winv.Cols()
	if net.NIn < 1 {
		return nil, &ModelError{path, "variable w_in has no columns"}
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

	// Cell types: inh, else exc, else the sign mask.
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

	cfg := DefaultConfig("")
	var inferred []string
	cfg.N = N
	cfg.Task = r.str("task", "")
	if cfg.Task == "" {
		inferred = append(inferred, "task")
		if m := fileTaskRe.FindStringSubmatch(filepath.Base(path)); m != nil {
			cfg.Task = m[1]
		} else {
			for _, name := range TaskNames() {
				if t, _ := LookupTask(name); t.NumInputs() == net.NIn {
					cfg.Task = name
					break
				}
			}
		}
	}
	cfg.Taus = r.vector("taus", -1, true)
	if r.err == nil && (len(cfg.Taus) < 1 || len(cfg.Taus) > 2) {
		r.fail("variable taus has %d values, expected 1 (fixed) or 2 (min, max)", len(cfg.Taus))
	}
	cfg.Activation = r.str("activation", "")
	if cfg.Activation == "" {
		cfg.Activation = Sigmoid
		inferred = append(inferred, "act")
	}
	cfg.Activation = strings.ToLower(cfg.Activation)
	if !r.has("loss_fn") {
		inferred = append(inferred, "loss_fn")
	}
	cfg.LossFn = strings.ToLower(r.str("loss_fn", LossL2))
	if !r.has("w_dist") {
		inferred = append(inferred, "w_dist")
	}
	cfg.WeightDist = r.str("w_dist", Gaussian)
	cfg.SomN = int(r.scalar("som_N", 0))
	if r.has("apply_dale") {
		cfg.ApplyDale = r.scalar("apply_dale", 1) != 0
	} else {
		inferred = append(inferred, "apply_dale")
		// Dale's principle keeps w non-negative; the reference saves
		// NoDale models under a NoDale folder.
		cfg.ApplyDale = nInh > 0 || (mat.Min(net.W0) >= 0 && !strings.Contains(filepath.ToSlash(path), "/NoDale/"))
	}
	if r.has("P_inh") {
		cfg.PInh = r.scalar("P_inh", 0.2)
	} else {
		inferred = append(inferred, "P_inh")
		cfg.PInh = float64(nInh) / float64(N)
	}
	if r.has("P_rec") {
		cfg.PRec = r.scalar("P_rec", 0.2)
	} else {
		inferred = append(inferred, "P_rec")
		nz := 0
		for i := range N {
			for _, v := range net.W0.RawRowView(i) {
				if v != 0 {
					nz++
				}
			}
		}
		cfg.PRec = float64(nz) / float64(N*N)
	}
	if r.has("gain") {
		cfg.Gain = r.scalar("gain", 1.5)
	} else {
		inferred = append(inferred, "gain")
	}
	if r.has("seed") {
		net.Seed = uint64(r.scalar("seed", 0))
	}
	if r.err != nil {
		return nil, r.err
	}
	if cfg.SomN < 0 || cfg.SomN > nInh {
		return nil, &ModelError{path, fmt.Sprintf("som_N = %d but the file has %d inhibitory units", cfg.SomN, nInh)}
	}
	net.Config = cfg
	net.Inferred = inferred

	// Decay constants.
	if cfg.TauTrainable() {
		net.TausGaus = r.vector("taus_gaus", N, true)
	} else {
		net.TausGaus = r.vector("taus_gaus", N, false)
		if net.TausGaus == nil {
			net.TausGaus = make([]float64, N)
		}
	}
	net.TausGaus0 = r.vector("taus_gaus0", N, false)
	if net.TausGaus0 == nil {
		net.TausGaus0 = append([]float64(nil), net.TausGaus...)
	}
	if r.err != nil {
		return nil, r.err
	}
	if lo, hi := cfg.TauRange(); lo <= 0 || hi < lo {
		return nil, &ModelError{path, fmt.Sprintf("taus = %v: need 0 < min <= max", cfg.Taus)}
	}

	// Training record.
	if r.has("losses") || r.has("training_status") {
		t := &TrainingRecord{}
		t.Losses = r.vector("losses", -1, false)
		t.Tr = int(r.scalar("tr", float64(len(t.Losses)-1)))
		t.EvalPerfMean = r.scalar("eval_perf_mean", math.NaN())
		t.EvalLossMean = r.scalar("eval_loss_mean", math.NaN())
		if v := r.numeric("eval_os", false); v != nil && len(v.Dims) >= 2 && v.Len() > 0 {
			rows := v.Dims[0]
			t.EvalOs = mat.NewDense(rows, v.Len()/rows, nil)
			cols := v.Len() / rows
			for i := range rows {
				for j := range cols {
					t.EvalOs.Set(i, j, v.Data[i+j*rows])
				}
			}
		}
		if v := r.f.Get("eval_labels"); v != nil {
			if v.Class == matfile.Char {
				// The reference's XOR labels are strings: 'same' / 'diff'.
				for _, line := range strings.Split(v.Str, "\n") {
					if strings.HasPrefix(strings.TrimSpace(line), "same") {
						t.EvalLabels = append(t.EvalLabels, 1)
					} else {
						t.EvalLabels = append(t.EvalLabels, -1)
					}
				}
			} else {
				t.EvalLabels = append([]float64(nil), v.Data...)
			}
		}
		t.EvalTrials = r.vector("eval_trials", -1, false)
		t.EvalLosses = r.vector("eval_losses", -1, false)
		t.EvalPerfs = r.vector("eval_perfs", -1, false)
		t.Status = r.str("training_status", "")
		if t.Status == "" {
			crit := DefaultCriterion
			if task, err := LookupTask(cfg.Task); err == nil {
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
		if r.err != nil {
			return nil, r.err
		}
		net.Training = t
	}
	if r.has("opt_scaling_factor") {
		net.Scaling = &ScalingSearch{
			OptScalingFactor: r.scalar("opt_scaling_factor", math.NaN()),
			AllPerfs:         r.vector("all_perfs", -1, false),
			ScalingFactors:   r.vector("scaling_factors", -1, false),
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return net, nil
}
