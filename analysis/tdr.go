package analysis

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Vars are one trial's task variables, the regressors of the TDR.
type Vars struct {
	Choice  float64 // +1 or -1: the sign of the network's output at the decision
	Offset1 float64 // signed offset of sensory input 1 (modality 1)
	Offset2 float64 // signed offset of sensory input 2 (modality 2)
	Context float64 // +1: input 1 cued, -1: input 2 cued
}

// value returns variable v of the TDR's order (choice, mod1, mod2, context).
func (x Vars) value(v int) float64 {
	return [4]float64{x.Choice, x.Offset1, x.Offset2, x.Context}[v]
}

// Offset returns the signed offset of sensory input 1 or 2 (0 for another input).
func (x Vars) Offset(input int) float64 {
	switch input {
	case 1:
		return x.Offset1
	case 2:
		return x.Offset2
	}
	return 0
}

// TDRNames are the task variables of the TDR, in the order of its axes.
var TDRNames = []string{"choice", "mod1", "mod2", "context"}

// TDROptions controls FitTDR.
type TDROptions struct {
	// PCs is the number of principal components of the condition-averaged
	// rates that denoise the regression coefficients (0: 12).
	PCs int
}

// TDR is a targeted dimensionality reduction (Mante et al. 2013, as SI Fig
// S5B describes it): the population's axes of choice, modality 1,
// modality 2 and context.
type TDR struct {
	Names []string    // TDRNames
	Axes  [][]float64 // the orthonormal axes (4 x N), QR-orthogonalised in the order of Names
	// Raw holds each variable's denoised coefficient vector at its
	// max-norm bin, before orthogonalisation (4 x N).
	Raw    [][]float64
	MaxBin []int       // per variable: the bin of the largest denoised coefficient norm
	Norms  [][]float64 // Norms[variable][bin]: the norm of the denoised coefficient vector
	// Mean and SD are the z-scoring of each unit (over trials and bins;
	// SD 1 for a silent or constant unit).
	Mean, SD  []float64
	PCs       int     // principal components kept
	Explained float64 // fraction of the condition averages' variance in those components
	Units     int
	Bins      int
}

// checkRates checks a [trial][unit][bin] array and returns its units and bins.
func checkRates(rates [][][]float64, nv int) (units, bins int, err error) {
	if len(rates) == 0 {
		return 0, 0, errors.New("no trials")
	}
	if nv != len(rates) {
		return 0, 0, fmt.Errorf("%d trials of rates but %d of task variables", len(rates), nv)
	}
	units = len(rates[0])
	if units == 0 || len(rates[0][0]) == 0 {
		return 0, 0, errors.New("trial 0 has no units or no bins")
	}
	bins = len(rates[0][0])
	for k, tr := range rates {
		if len(tr) != units {
			return 0, 0, fmt.Errorf("trial %d has %d units, trial 0 %d", k, len(tr), units)
		}
		for u, row := range tr {
			if len(row) != bins {
				return 0, 0, fmt.Errorf("trial %d, unit %d has %d bins, trial 0 %d", k, u, len(row), bins)
			}
			for _, x := range row {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return 0, 0, fmt.Errorf("trial %d, unit %d: a rate is %v", k, u, x)
				}
			}
		}
	}
	return units, bins, nil
}

// FitTDR finds the task axes from per-trial binned rates
// (rates[trial][unit][bin]) and the trials' task variables:
//
//  1. z-score each unit over trials and bins;
//  2. per unit and bin, regress the rate over trials on choice, offset 1,
//     offset 2, context and a constant (least squares);
//  3. project every coefficient vector onto the top opt.PCs principal
//     components of the condition-averaged rates (a condition is one
//     combination of the four variables);
//  4. take each variable's vector at its max-norm bin;
//  5. QR-orthogonalise them in the order choice, mod1, mod2, context.
//
// It needs more trials than regressors (5) and task variables that vary
// independently enough to be told apart.
func FitTDR(rates [][][]float64, vars []Vars, opt TDROptions) (*TDR, error) {
	N, B, err := checkRates(rates, len(vars))
	if err != nil {
		return nil, fmt.Errorf("analysis: FitTDR: %w", err)
	}
	K := len(rates)
	if K <= 5 {
		return nil, fmt.Errorf("analysis: FitTDR: %d trials: need more than 5 (the regressors)", K)
	}
	k := opt.PCs
	if k == 0 {
		k = 12
	}
	if k < 4 {
		return nil, fmt.Errorf("analysis: FitTDR: PCs = %d: need at least 4 (one per axis)", k)
	}
	t := &TDR{Names: TDRNames, Units: N, Bins: B}
	t.Mean, t.SD = zscoring(rates, N)
	// Design matrix F (K x 5) and z-scored responses Y (K x B*N, column b*N+u).
	F := mat.NewDense(K, 5, nil)
	Y := mat.NewDense(K, B*N, nil)
	for i, x := range vars {
		for v := range 4 {
			if math.IsNaN(x.value(v)) || math.IsInf(x.value(v), 0) {
				return nil, fmt.Errorf("analysis: FitTDR: trial %d: task variable %s is %v", i, TDRNames[v], x.value(v))
			}
			F.Set(i, v, x.value(v))
		}
		F.Set(i, 4, 1)
		row := Y.RawRowView(i)
		for u := range N {
			for b := range B {
				row[b*N+u] = (rates[i][u][b] - t.Mean[u]) / t.SD[u]
			}
		}
	}
	var ftf mat.SymDense
	ftf.SymOuterK(1, F.T())
	if c := mat.Cond(&ftf, 2); math.IsInf(c, 0) || c > 1e10 {
		return nil, fmt.Errorf("analysis: FitTDR: the task variables are collinear or constant over the trials (condition number %.3g); vary choice, both offsets and the context", c)
	}
	var coef mat.Dense // 5 x B*N
	if err := coef.Solve(F, Y); err != nil {
		return nil, fmt.Errorf("analysis: FitTDR: regression: %w", err)
	}
	// Denoising subspace: top k PCs of the condition averages.
	V, expl, err := conditionPCs(Y, vars, N, B, k)
	if err != nil {
		return nil, fmt.Errorf("analysis: FitTDR: %w", err)
	}
	t.PCs, t.Explained = V.RawMatrix().Cols, expl
	raw := mat.NewDense(N, 4, nil)
	t.Norms, t.MaxBin = make([][]float64, 4), make([]int, 4)
	for v := range 4 {
		t.Norms[v] = make([]float64, B)
		var best *mat.VecDense
		for b := range B {
			beta := mat.NewVecDense(N, coef.RawRowView(v)[b*N:(b+1)*N])
			var c, d mat.VecDense
			c.MulVec(V.T(), beta)
			d.MulVec(V, &c)
			t.Norms[v][b] = mat.Norm(&d, 2)
			if best == nil || t.Norms[v][b] > t.Norms[v][t.MaxBin[v]] {
				best, t.MaxBin[v] = mat.VecDenseCopyOf(&d), b
			}
		}
		raw.SetCol(v, best.RawVector().Data)
		t.Raw = append(t.Raw, append([]float64(nil), best.RawVector().Data...))
	}
	t.Axes, err = orthonormalise(raw)
	if err != nil {
		return nil, fmt.Errorf("analysis: FitTDR: %w", err)
	}
	return t, nil
}

// zscoring returns each unit's mean and SD over trials and bins (SD 1 where it is 0).
func zscoring(rates [][][]float64, N int) (mean, sd []float64) {
	mean, sd = make([]float64, N), make([]float64, N)
	var x []float64
	for u := range N {
		x = x[:0]
		for _, tr := range rates {
			x = append(x, tr[u]...)
		}
		mean[u], sd[u] = stat.PopMeanStdDev(x, nil)
		if !(sd[u] > 1e-12) {
			sd[u] = 1
		}
	}
	return mean, sd
}

// conditionPCs returns the top k principal axes (N x k, orthonormal
// columns) of the condition-averaged z-scored responses Y (K x B*N) and
// the fraction of their variance that the axes hold.
func conditionPCs(Y *mat.Dense, vars []Vars, N, B, k int) (*mat.Dense, float64, error) {
	groups := map[Vars][]int{}
	var keys []Vars
	for i, x := range vars {
		if _, ok := groups[x]; !ok {
			keys = append(keys, x)
		}
		groups[x] = append(groups[x], i)
	}
	X := mat.NewDense(len(keys)*B, N, nil)
	for c, key := range keys {
		for _, i := range groups[key] {
			row := Y.RawRowView(i)
			for b := range B {
				dst := X.RawRowView(c*B + b)
				for u := range N {
					dst[u] += row[b*N+u] / float64(len(groups[key]))
				}
			}
		}
	}
	var cov mat.SymDense
	stat.CovarianceMatrix(&cov, X, nil)
	var eig mat.EigenSym
	if !eig.Factorize(&cov, true) {
		return nil, 0, errors.New("the PCA of the condition averages did not converge")
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	k = min(k, N)
	var total, kept float64
	for i, v := range vals {
		total += math.Max(v, 0)
		if i >= N-k {
			kept += math.Max(v, 0)
		}
	}
	V := mat.NewDense(N, k, nil)
	for j := range k {
		V.SetCol(j, mat.Col(nil, N-1-j, &vecs))
	}
	if total <= 0 {
		return nil, 0, errors.New("the condition averages do not vary")
	}
	return V, kept / total, nil
}

// orthonormalise QR-orthogonalises the columns of a (N x 4) in order and
// returns them as rows, each signed to point along its own column.
func orthonormalise(a *mat.Dense) ([][]float64, error) {
	N, c := a.Dims()
	if N < c {
		return nil, fmt.Errorf("%d units for %d axes", N, c)
	}
	var qr mat.QR
	qr.Factorize(a)
	var q, r mat.Dense
	qr.QTo(&q)
	qr.RTo(&r)
	axes := make([][]float64, c)
	for j := range c {
		if math.Abs(r.At(j, j)) <= 1e-9*math.Max(mat.Norm(a.ColView(j), 2), 1e-300) {
			return nil, fmt.Errorf("the %s vector lies in the span of the axes before it (or is zero): it cannot be orthogonalised", TDRNames[j])
		}
		axes[j] = mat.Col(nil, j, &q)
		if r.At(j, j) < 0 {
			for i := range axes[j] {
				axes[j][i] = -axes[j][i]
			}
		}
	}
	return axes, nil
}

// ProjectAverage z-scores an average response (avg[unit][bin], in the
// units of the rates FitTDR saw) and projects it onto the axes: the result
// is [axis][bin].
func (t *TDR) ProjectAverage(avg [][]float64) ([][]float64, error) {
	if t == nil || len(t.Axes) == 0 {
		return nil, errors.New("analysis: ProjectAverage: no fitted TDR")
	}
	if len(avg) != t.Units {
		return nil, fmt.Errorf("analysis: ProjectAverage: %d units, the TDR has %d", len(avg), t.Units)
	}
	bins := len(avg[0])
	out := make([][]float64, len(t.Axes))
	for a, axis := range t.Axes {
		out[a] = make([]float64, bins)
		for u, row := range avg {
			if len(row) != bins {
				return nil, fmt.Errorf("analysis: ProjectAverage: unit %d has %d bins, unit 0 %d", u, len(row), bins)
			}
			for b, x := range row {
				out[a][b] += axis[u] * (x - t.Mean[u]) / t.SD[u]
			}
		}
	}
	return out, nil
}

// Trajectory is a condition average projected onto the TDR axes over time.
type Trajectory struct {
	Input   int     // the sensory input the trials are sorted by (1 or 2)
	Context float64 // +1 or -1
	Offset  float64 // the signed offset of Input
	Choice  float64 // +1 or -1; 0 when the trials are not split by choice
	Trials  int     // trials averaged
	Proj    [][]float64
	// Proj[axis][bin]: the projection on the axes of TDR.Names.
}

// Project averages the trials (rates[trial][unit][bin], vars as for
// FitTDR) by context, the signed offset of input (1 or 2) and, with
// byChoice, the choice, and projects every average onto the axes. The
// trajectories come sorted by context (+1 first), choice and offset.
func (t *TDR) Project(rates [][][]float64, vars []Vars, input int, byChoice bool) ([]Trajectory, error) {
	if input != 1 && input != 2 {
		return nil, fmt.Errorf("analysis: Project: input %d: must be 1 or 2", input)
	}
	N, B, err := checkRates(rates, len(vars))
	if err != nil {
		return nil, fmt.Errorf("analysis: Project: %w", err)
	}
	if t == nil || N != t.Units {
		return nil, fmt.Errorf("analysis: Project: %d units, the TDR has a different number (or none)", N)
	}
	type key struct{ ctx, off, choice float64 }
	groups := map[key][]int{}
	for i, x := range vars {
		k := key{x.Context, x.Offset(input), 0}
		if byChoice {
			k.choice = x.Choice
		}
		groups[k] = append(groups[k], i)
	}
	var keys []key
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.ctx != b.ctx {
			return a.ctx > b.ctx
		}
		if a.choice != b.choice {
			return a.choice > b.choice
		}
		return a.off < b.off
	})
	var out []Trajectory
	for _, k := range keys {
		avg := make([][]float64, N)
		for u := range N {
			avg[u] = make([]float64, B)
			for _, i := range groups[k] {
				for b, x := range rates[i][u] {
					avg[u][b] += x / float64(len(groups[k]))
				}
			}
		}
		p, err := t.ProjectAverage(avg)
		if err != nil {
			return nil, fmt.Errorf("analysis: Project: %w", err)
		}
		out = append(out, Trajectory{Input: input, Context: k.ctx, Offset: k.off, Choice: k.choice, Trials: len(groups[k]), Proj: p})
	}
	return out, nil
}

// OffsetOrder measures how the trajectories of one context (sorted by
// one input, not split by choice) are ordered by their offset on one axis
// (0..3, the order of TDR.Names) at one bin: rho is the Spearman
// correlation between each trajectory's signed offset and its projection
// (close to 1 or -1: ordered by offset; near 0: not), slope the
// least-squares slope of the projection on the offset (how far the
// offsets spread along the axis).
func OffsetOrder(trajs []Trajectory, context float64, axis, bin int) (rho, slope float64, err error) {
	var off, proj []float64
	for _, tr := range trajs {
		if tr.Context != context {
			continue
		}
		if axis < 0 || axis >= len(tr.Proj) || bin < 0 || bin >= len(tr.Proj[axis]) {
			return 0, 0, fmt.Errorf("analysis: OffsetOrder: axis %d, bin %d out of range", axis, bin)
		}
		off, proj = append(off, tr.Offset), append(proj, tr.Proj[axis][bin])
	}
	if len(off) < 3 {
		return 0, 0, fmt.Errorf("analysis: OffsetOrder: %d trajectories in context %v: need at least 3", len(off), context)
	}
	if rho, err = Spearman(off, proj); err != nil {
		return 0, 0, fmt.Errorf("analysis: OffsetOrder: %w", err)
	}
	_, slope = stat.LinearRegression(off, proj, nil, false)
	return rho, slope, nil
}

// Spearman returns the Spearman rank correlation of x and y (the Pearson
// correlation of their mid-ranks). It is NaN when either is constant.
func Spearman(x, y []float64) (float64, error) {
	if len(x) != len(y) {
		return 0, fmt.Errorf("analysis: Spearman: %d and %d values", len(x), len(y))
	}
	if len(x) < 2 {
		return 0, fmt.Errorf("analysis: Spearman: %d values: need at least 2", len(x))
	}
	rx, err := ranks(x)
	if err != nil {
		return 0, fmt.Errorf("analysis: Spearman: %w", err)
	}
	ry, err := ranks(y)
	if err != nil {
		return 0, fmt.Errorf("analysis: Spearman: %w", err)
	}
	return stat.Correlation(rx, ry, nil), nil
}

// ranks returns the mid-ranks of x (1-based).
func ranks(x []float64) ([]float64, error) {
	idx := make([]int, len(x))
	for i := range idx {
		if math.IsNaN(x[i]) {
			return nil, errors.New("NaN value")
		}
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && x[idx[j]] == x[idx[i]] {
			j++
		}
		for k := i; k < j; k++ {
			r[idx[k]] = float64(i+j+1) / 2
		}
		i = j
	}
	return r, nil
}
