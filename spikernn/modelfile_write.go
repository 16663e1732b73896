package spikernn

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spikernn/spikernn/internal/atomicfile"
	"github.com/spikernn/spikernn/matfile"
	"gonum.org/v1/gonum/mat"
)

// SaveOptions controls how a model file is written.
type SaveOptions struct {
	// Compress writes zlib-compressed variables, as MATLAB's and Octave's
	// save -v7. The default is uncompressed, as scipy.io.savemat writes.
	Compress bool
}

// SaveNew writes the network as a new file in the reference folder layout
// under outputDir (creating folders as needed), with the reference file
// name for time t, and returns the file's path. It never replaces a file:
// when the name is taken (two saves within a second) the new file gets a
// numbered suffix (..._2.mat). A failed save removes the folders it created;
// temporary files that killed writers left in the folder are removed.
func (n *Network) SaveNew(outputDir string, t time.Time, opt SaveOptions) (string, error) {
	return n.SaveNewAs(filepath.Join(ModelDir(outputDir, n.Config), ModelFileName(n.Config, t)), opt)
}

// SaveNewAs writes the network as a new file at path, or at path with a
// numbered suffix if path exists (see SaveNew), and returns the path written.
func (n *Network) SaveNewAs(path string, opt SaveOptions) (string, error) {
	dir := filepath.Dir(path)
	undo, err := atomicfile.MkdirAll(dir, 0o755)
	if err != nil {
		return "", fmt.Errorf("spikernn: creating model folder: %w", err)
	}
	atomicfile.CleanStale(dir, staleTemp)
	vars := n.matVars()
	written, err := atomicfile.CreateNew(path, 0o644, func(w io.Writer) error {
		return matfile.Write(w, vars, n.writeOptions(opt))
	})
	if err != nil {
		undo()
		return "", fmt.Errorf("spikernn: saving model %s: %w", path, err)
	}
	return written, nil
}

// staleTemp is the age after which a temporary file is taken for a killed
// writer's leftover.
const staleTemp = time.Hour

func (n *Network) writeOptions(opt SaveOptions) matfile.WriteOptions {
	return matfile.WriteOptions{Compress: opt.Compress, Header: "spikernn model"}
}

// Save writes the network as a MATLAB v5 model file with the reference's
// variable names, shapes and types (as rate/main.py saves them), plus spikernn's own
// variables (task, P_inh, P_rec, gain, apply_dale, loss_fn, w_dist, seed,
// training_status and the evaluation curve), which the reference tools
// ignore. The file is written atomically: a temporary file renamed over path.
func (n *Network) Save(path string, opt SaveOptions) error {
	atomicfile.CleanStale(filepath.Dir(path), staleTemp)
	if err := matfile.WriteFile(path, n.matVars(), n.writeOptions(opt)); err != nil {
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
		add(evalLabels(n.Config.Task, t.EvalLabels))
	}
	add(column("taus_gaus", matfile.Single, n.TausGaus))
	if t != nil {
		add(matfile.NewScalar("tr", matfile.Int64, float64(t.Tr)))
	}
	add(matfile.NewString("activation", string(n.Config.Activation)))
	// spikernn's own variables.
	add(matfile.NewString("task", n.Config.Task),
		matfile.NewScalar("P_inh", matfile.Double, n.Config.PInh),
		matfile.NewScalar("P_rec", matfile.Double, n.Config.PRec),
		matfile.NewScalar("gain", matfile.Double, n.Config.Gain),
		matfile.NewLogical("apply_dale", 1, 1, []bool{n.Config.ApplyDale}),
		matfile.NewString("loss_fn", string(n.Config.LossFn)),
		matfile.NewString("w_dist", string(n.Config.WeightDist)),
		seedVar("seed", n.Seed))
	if t != nil {
		add(matfile.NewString("training_status", string(t.Status)),
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
	vs := []*matfile.Var{
		matfile.NewScalar("opt_scaling_factor", matfile.Double, s.OptScalingFactor),
		row("all_perfs", matfile.Double, s.AllPerfs),
		row("scaling_factors", matfile.Double, s.ScalingFactors),
	}
	if s.Trials > 0 {
		vs = append(vs, matfile.NewScalar("scaling_trials", matfile.Double, float64(s.Trials)),
			seedVar("scaling_seed", s.Seed), matfile.NewString("scaling_key", s.Key))
	}
	return vs
}

// seedVar writes a seed exactly.
func seedVar(name string, seed uint64) *matfile.Var {
	return matfile.NewUint64(name, seed)
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

// evalLabels writes the evaluation's labels as the reference does: numbers,
// except for XOR, whose labels the reference keeps as the strings 'same'
// (+1) and 'diff' (-1), which scipy saves as a char matrix of one row per
// trial.
func evalLabels(task string, labels []float64) *matfile.Var {
	if task != "xor" || len(labels) == 0 {
		return row("eval_labels", matfile.Double, labels)
	}
	rows := make([]string, len(labels))
	for i, l := range labels {
		rows[i] = "diff"
		if l > 0 {
			rows[i] = "same"
		}
	}
	return &matfile.Var{Name: "eval_labels", Class: matfile.Char, Dims: []int{len(rows), 4}, Str: strings.Join(rows, "\n")}
}
