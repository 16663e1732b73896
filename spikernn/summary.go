package spikernn

import (
	"fmt"
	"math"
	"math/cmplx"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// SummaryOptions controls Network.SummaryWith.
type SummaryOptions struct {
	// FullSpectrum computes spectral radii from the full eigenvalue
	// spectrum at any N; by default networks above FullSpectrumMaxN units
	// get an estimate (SpectralRadiusEstimate), which takes seconds where
	// the full spectrum takes minutes.
	FullSpectrum bool
}

// FullSpectrumMaxN is the largest network whose summary computes the full
// eigenvalue spectrum by default (about a second at this size).
const FullSpectrumMaxN = 1000

// Summary describes the network at a glance: task, sizes, E/I/SOM counts,
// connection density, weight statistics, spectral radius, decay constants,
// training outcome and scaling factor.
func (n *Network) Summary() string { return n.SummaryWith(SummaryOptions{}) }

// SummaryWith is Summary with options.
func (n *Network) SummaryWith(opt SummaryOptions) string {
	var b strings.Builder
	cfg := n.Config
	N := n.N()
	p := func(label, format string, a ...any) {
		fmt.Fprintf(&b, "%-13s"+format+"\n", append([]any{label + ":"}, a...)...)
	}

	taskInfo := fmt.Sprintf("%s (inputs: %d)", cfg.Task, n.NIn)
	if task, err := LookupTask(cfg.Task); err == nil {
		taskInfo = fmt.Sprintf("%s (inputs: %d, T = %d steps = %g ms)", cfg.Task, n.NIn, task.Steps(), float64(task.Steps())*StepMs)
	}
	p("task", "%s", taskInfo)
	p("units", "N = %d: %d excitatory, %d inhibitory, %d SOM", N, len(n.ExcIndices()), len(n.InhIndices()), len(n.SOMIndices()))
	nz := nonzeroValues(n.W)
	p("connections", "density %.4f (%d of %d entries nonzero; P_rec = %.4g)", n.ConnectionDensity(), len(nz), N*N, cfg.PRec)
	if len(nz) > 0 {
		mean, sd := stat.MeanStdDev(nz, nil)
		p("w", "nonzero entries: mean %.4g, SD %.4g, min %.4g, max %.4g", mean, sd, floats(nz, math.Min), floats(nz, math.Max))
	}
	weff := n.EffectiveWeights()
	var e, i []float64
	for r := range N {
		for c, v := range weff.RawRowView(r) {
			if v == 0 {
				continue
			}
			if n.Inh[c] {
				i = append(i, v)
			} else {
				e = append(e, v)
			}
		}
	}
	radius, how := SpectralRadius, ""
	if N > FullSpectrumMaxN && !opt.FullSpectrum {
		radius = func(m *mat.Dense) float64 { return SpectralRadiusEstimate(m, 0) }
		how = " (Arnoldi estimate; inspect --full_spectrum for the exact value)"
	}
	p("W_eff", "E synapses %d (mean %+.4g), I synapses %d (mean %+.4g); spectral radius %.3g (before training %.3g)%s",
		len(e), stat.Mean(e, nil), len(i), stat.Mean(i, nil), radius(weff), radius(n.EffectiveWeights0()), how)
	if len(n.WOut) > 0 {
		p("readout", "w_out mean %.4g, SD %.4g; b_out %.4g", stat.Mean(n.WOut, nil), stat.StdDev(n.WOut, nil), n.BOut)
	}
	ms := n.TausMs()
	if cfg.TauTrainable() {
		lo, hi := cfg.TauRange()
		mean, sd := stat.MeanStdDev(ms, nil)
		p("decay", "trainable in %s..%s steps (%g..%g ms); units %.1f..%.1f ms, mean %.1f +/- %.1f ms",
			PyFloat(lo), PyFloat(hi), lo*StepMs, hi*StepMs, floats(ms, math.Min), floats(ms, math.Max), mean, sd)
	} else if len(ms) > 0 {
		p("decay", "fixed %s steps (%g ms)", PyFloat(cfg.Taus[0]), ms[0])
	}
	p("options", "act %s, loss %s, Dale %v, gain %s, w_dist %s, seed %d", cfg.Activation, cfg.LossFn, cfg.ApplyDale, PyFloat(cfg.Gain), cfg.WeightDist, n.Seed)
	switch t := n.Training; {
	case t == nil || t.Status == StatusUntrained:
		extra := ""
		if t != nil && !math.IsNaN(t.EvalPerfMean) {
			extra = fmt.Sprintf(" (untrained eval: perf %.2f, loss %.3g)", t.EvalPerfMean, t.EvalLossMean)
		}
		p("training", "not trained%s", extra)
	default:
		p("training", "%s at trial %d; eval perf %.2f, eval loss %.3g", t.Status, t.Tr, t.EvalPerfMean, t.EvalLossMean)
	}
	if s := n.Scaling; s != nil {
		best := math.NaN()
		for k, f := range s.ScalingFactors {
			if f == s.OptScalingFactor && k < len(s.AllPerfs) {
				best = s.AllPerfs[k]
			}
		}
		if math.IsNaN(s.OptScalingFactor) {
			done, bi := 0, -1
			for k, v := range s.AllPerfs {
				if !math.IsNaN(v) {
					done++
					if k < len(s.ScalingFactors) && (bi < 0 || v > s.AllPerfs[bi]) {
						bi = k
					}
				}
			}
			msg := fmt.Sprintf("unfinished search (opt_scaling_factor NaN): %d of %d factors scored", done, len(s.ScalingFactors))
			if bi >= 0 {
				msg += fmt.Sprintf(", best so far 1/lambda = %s (spiking perf %.2f)", PyFloat(s.ScalingFactors[bi]), s.AllPerfs[bi])
			}
			p("scaling", "%s", msg)
		} else {
			p("scaling", "opt_scaling_factor %s (lambda = 1/%s), spiking perf %.2f, over %d factors", PyFloat(s.OptScalingFactor), PyFloat(s.OptScalingFactor), best, len(s.ScalingFactors))
		}
	} else {
		p("scaling", "no opt_scaling_factor yet (run the lambda grid search)")
	}
	if len(n.Inferred) > 0 {
		p("inferred", "%s (not stated in the file)", strings.Join(n.Inferred, ", "))
	}
	return b.String()
}

func floats(x []float64, f func(a, b float64) float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	m := x[0]
	for _, v := range x[1:] {
		m = f(m, v)
	}
	return m
}

func nonzeroValues(m *mat.Dense) []float64 {
	var out []float64
	r, _ := m.Dims()
	for i := range r {
		for _, v := range m.RawRowView(i) {
			if v != 0 {
				out = append(out, v)
			}
		}
	}
	return out
}

// Eigenvalues returns the eigenvalues of a square matrix (e.g. the effective
// weights), or nil if the decomposition fails.
func Eigenvalues(m *mat.Dense) []complex128 {
	var eig mat.Eigen
	if !eig.Factorize(m, mat.EigenNone) {
		return nil
	}
	return eig.Values(nil)
}

// SpectralRadius returns the largest eigenvalue modulus of a square matrix
// (NaN if the decomposition fails).
func SpectralRadius(m *mat.Dense) float64 {
	ev := Eigenvalues(m)
	if ev == nil {
		return math.NaN()
	}
	r := 0.0
	for _, v := range ev {
		r = max(r, cmplx.Abs(v))
	}
	return r
}

// SpectralRadiusEstimate estimates the largest eigenvalue modulus of a
// square matrix from m steps of the Arnoldi iteration (m <= 0: 100) from a
// fixed start vector: the largest modulus among the eigenvalues of the
// m x m Hessenberg matrix. It costs m matrix-vector products instead of the
// full spectrum's N^3 work; for the random and trained recurrent matrices
// of these networks it is within a few per cent of the exact value (a
// Krylov estimate approaches the radius from below).
func SpectralRadiusEstimate(a *mat.Dense, m int) float64 {
	n, c := a.Dims()
	if n != c || n == 0 {
		return math.NaN()
	}
	if m <= 0 {
		m = 100
	}
	m = min(m, n)
	v := make([]*mat.VecDense, 0, m+1)
	rng := NewRand(1)
	x := mat.NewVecDense(n, nil)
	for i := range n {
		x.SetVec(i, rng.NormFloat64())
	}
	x.ScaleVec(1/mat.Norm(x, 2), x)
	v = append(v, x)
	h := mat.NewDense(m+1, m, nil)
	k := 0
	for ; k < m; k++ {
		w := mat.NewVecDense(n, nil)
		w.MulVec(a, v[k])
		for j := 0; j <= k; j++ { // modified Gram-Schmidt
			hj := mat.Dot(w, v[j])
			h.Set(j, k, hj)
			w.AddScaledVec(w, -hj, v[j])
		}
		norm := mat.Norm(w, 2)
		h.Set(k+1, k, norm)
		if norm < 1e-12 {
			k++
			break // an invariant subspace: its eigenvalues are exact
		}
		w.ScaleVec(1/norm, w)
		v = append(v, w)
	}
	return SpectralRadius(mat.DenseCopyOf(h.Slice(0, k, 0, k)))
}
