package plot

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Trajectory converts a units x time state matrix (the layout of the rate
// network's states X and R) into the time x units rows PCA takes.
func Trajectory(states mat.Matrix) [][]float64 {
	n, T := states.Dims()
	out := make([][]float64, T)
	for t := range out {
		out[t] = make([]float64, n)
		for i := range n {
			out[t][i] = states.At(i, t)
		}
	}
	return out
}

// PCA computes the principal components of population activity pooled
// over all trials and time points (trajectories[trial][time][unit]; trials
// may differ in length but not in the number of units) and plots each trial
// projected on PC1-PC2, coloured by condition (conds[i] for trial i, nil for
// one condition), with the condition means drawn thick and their start
// marked by an open circle, next to a panel of the variance explained by
// the first k components (k <= 0: 10) and its cumulative sum.
//
// It returns the figure and the fraction of the total variance explained by
// each of the first k components (fewer when there are fewer units), so a
// notebook can report e.g. the top three PCs' share. The components are
// the eigenvectors of the sample covariance matrix (units x units), which
// keeps memory independent of the number of time points.
//
// It serves SI Fig S2 (PCA of 50 Go and 50 NoGo trials: the top 3 PCs
// explain 99% of the variance) and SI Fig S5.
func PCA(trajectories [][][]float64, conds []string, k int) (_ *Figure, _ []float64, err error) {
	defer guard(&err)
	N, samples, err := checkTrajectories(trajectories, conds)
	if err != nil {
		return nil, nil, err
	}
	if k <= 0 {
		k = 10
	}
	k = min(k, N)

	mean, vecs, vars := principalComponents(trajectories, N, samples)
	explained, err := shares(vars, k)
	if err != nil {
		return nil, nil, err
	}

	fig := NewFigure(1, 2).WithSize(8.5*vg.Inch, 3.6*vg.Inch).SetWidths(1.25, 1)
	fig.SetPanel(0, 0, trajectoryPanel(trajectories, conds, mean, vecs))
	fig.SetPanel(0, 1, varianceExplainedPanel(explained))
	return fig, explained, nil
}

// checkTrajectories checks PCA's input (at least one trial, each with at
// least one time point, all with the same number N >= 2 of units, finite
// values, at least 2 time points in all, conds labelling each trial) and
// returns N and the total number of time points.
func checkTrajectories(trajectories [][][]float64, conds []string) (N, samples int, err error) {
	if len(trajectories) == 0 {
		return 0, 0, badInput("no trials")
	}
	if conds != nil {
		if err := checkSameLen("conds", len(conds), "trajectories", len(trajectories)); err != nil {
			return 0, 0, err
		}
	}
	N = -1
	for i, tr := range trajectories {
		if len(tr) == 0 {
			return 0, 0, badInput("trial %d has no time points", i)
		}
		for t, x := range tr {
			if N < 0 {
				N = len(x)
			}
			if len(x) != N {
				return 0, 0, badInput("trial %d time %d has %d units, want %d", i, t, len(x), N)
			}
			if err := checkFinite(fmt.Sprintf("trajectories[%d][%d]", i, t), x); err != nil {
				return 0, 0, err
			}
		}
		samples += len(tr)
	}
	if N < 2 {
		return 0, 0, badInput("PCA needs at least 2 units, got %d", N)
	}
	if samples < 2 {
		return 0, 0, badInput("PCA needs at least 2 time points in all")
	}
	return N, samples, nil
}

// trajectoryPanel plots each trial projected on PC1-PC2 (the first two
// columns of vecs, around mean), coloured by condition, with each
// condition's mean trajectory drawn thick and its start marked by an open
// circle (when the condition's trials have equal lengths).
func trajectoryPanel(trajectories [][][]float64, conds []string, mean []float64, vecs *mat.Dense) *gplot.Plot {
	p := newPanel("Trajectories", "PC 1", "PC 2")
	order, groups := groupBy(conds, len(trajectories))
	proj := func(x []float64, c int) float64 {
		var s float64
		for i, v := range x {
			s += (v - mean[i]) * vecs.At(i, c)
		}
		return s
	}
	for ci, c := range order {
		col := Color(ci)
		idx := groups[c]
		T := len(trajectories[idx[0]])
		sameLen := true
		sx, sy := make([]float64, T), make([]float64, T)
		for _, i := range idx {
			tr := trajectories[i]
			x, y := make([]float64, len(tr)), make([]float64, len(tr))
			for t, v := range tr {
				x[t], y[t] = proj(v, 0), proj(v, 1)
			}
			p.Add(newLine(x, y, lineStyle(withAlpha(col, 0.3), 0.6)))
			if len(tr) != T {
				sameLen = false
				continue
			}
			for t := range x {
				sx[t] += x[t]
				sy[t] += y[t]
			}
		}
		label := fmt.Sprintf("%s (n = %d)", c, len(idx))
		if c == "" {
			label = fmt.Sprintf("trials (n = %d)", len(idx))
		}
		st := lineStyle(col, 2)
		if sameLen {
			addMeanTrajectory(p, sx, sy, float64(len(idx)), st)
		}
		p.Legend.Add(label, lineThumb{st})
	}
	p.X.Min, p.X.Max = padRange(p.X.Min, p.X.Max, 0.04)
	p.Y.Min, p.Y.Max = padRange(p.Y.Min, p.Y.Max, 0.04)
	return p
}

// addMeanTrajectory divides the summed projections sx, sy by n (in place)
// and draws the resulting mean trajectory in style st, its start marked by
// an open circle.
func addMeanTrajectory(p *gplot.Plot, sx, sy []float64, n float64, st draw.LineStyle) {
	for t := range sx {
		sx[t] /= n
		sy[t] /= n
	}
	p.Add(newLine(sx, sy, st))
	start := newScatter(sx[:1], sy[:1], st.Color, 3.5)
	start.GlyphStyle.Shape = openCircle{}
	p.Add(start)
}

// varianceExplainedPanel plots the percentage of the variance explained by
// each component (bars; explained holds fractions) and its cumulative sum,
// titled with the share of the top 3.
func varianceExplainedPanel(explained []float64) *gplot.Plot {
	k := len(explained)
	top := min(3, k)
	var cum float64
	for _, v := range explained[:top] {
		cum += v
	}
	q := newPanel(fmt.Sprintf("Top %d PCs: %.1f%%", top, 100*cum), "Component", "Variance explained (%)")
	comps := make([]float64, k)
	pct := make([]float64, k)
	cumPct := make([]float64, k)
	cum = 0
	for i := range k {
		comps[i] = float64(i + 1)
		pct[i] = 100 * explained[i]
		cum += pct[i]
		cumPct[i] = cum
	}
	for i := range k {
		bar := bandPolygon([]float64{comps[i] - 0.35, comps[i] + 0.35}, []float64{0, 0}, []float64{pct[i], pct[i]}, withAlpha(grey, 0.8))
		q.Add(bar)
		if i == 0 {
			q.Legend.Add("per component", fillThumb{Fill: withAlpha(grey, 0.8)})
		}
	}
	cl := newLine(comps, cumPct, lineStyle(Color(0), 1.4))
	cs := newScatter(comps, cumPct, Color(0), 2.5)
	q.Add(cl, cs)
	q.Legend.Add("cumulative", cl, cs)
	q.Legend.Top = false
	q.Legend.YOffs = 0.3 * vg.Inch
	q.Y.Min, q.Y.Max = 0, 105
	q.X.Min, q.X.Max = 0.4, float64(k)+0.6
	q.X.Tick.Marker = countTicks{}
	return q
}

// principalComponents returns the mean of all time points, the
// eigenvectors of their covariance (columns, by decreasing variance) and
// the variances (eigenvalues, negatives from rounding clamped to 0).
func principalComponents(trajs [][][]float64, N, samples int) ([]float64, *mat.Dense, []float64) {
	mean := make([]float64, N)
	for _, tr := range trajs {
		for _, x := range tr {
			for i, v := range x {
				mean[i] += v
			}
		}
	}
	for i := range mean {
		mean[i] /= float64(samples)
	}
	cov := mat.NewSymDense(N, nil)
	for _, tr := range trajs {
		a := mat.NewDense(N, len(tr), nil) // centred, units x time
		for t, x := range tr {
			for i, v := range x {
				a.Set(i, t, v-mean[i])
			}
		}
		cov.SymRankK(cov, 1/float64(samples-1), a)
	}
	vecs, vars := eigenDescending(cov, "covariance")
	return mean, vecs, vars
}

// shares returns the first k of vars as fractions of their sum (the
// variance each component explains).
func shares(vars []float64, k int) ([]float64, error) {
	var total float64
	for _, v := range vars {
		total += v
	}
	if !(total > 0) {
		return nil, badInput("the activity has no variance")
	}
	out := make([]float64, k)
	for i := range out {
		out[i] = vars[i] / total
	}
	return out, nil
}

// eigenDescending returns the eigenvectors (columns) and eigenvalues of the
// symmetric matrix m (called what in a failure), largest first, negative
// eigenvalues (rounding) set to 0.
func eigenDescending(m *mat.SymDense, what string) (*mat.Dense, []float64) {
	var eig mat.EigenSym
	if !eig.Factorize(m, true) {
		panic("plot: eigendecomposition of the " + what + " failed")
	}
	vals := eig.Values(nil)
	var v mat.Dense
	eig.VectorsTo(&v)
	// EigenSym sorts ascending: reverse.
	N := len(vals)
	vecs := mat.NewDense(N, N, nil)
	vars := make([]float64, N)
	for c := range N {
		src := N - 1 - c
		vars[c] = max(vals[src], 0)
		for i := range N {
			vecs.Set(i, c, v.At(i, src))
		}
	}
	return vecs, vars
}
