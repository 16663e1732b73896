package plot

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/spikernn/spikernn/spikernn"
)

// Synthetic data shaped like the paper's, for the tests and examples.

func sigm(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// goNoGoOutputs returns nGo Go and nNoGo NoGo output traces of T-1 = 199
// rate-network steps and their labels, plus the two targets (length 200).
func goNoGoOutputs(rng *rand.Rand, nGo, nNoGo int) (trials [][]float64, conds []string, targets map[string][]float64) {
	const T = 200
	for i := range nGo + nNoGo {
		o := make([]float64, T-1)
		goTrial := i < nGo
		for k := range o {
			v := 0.0
			if goTrial {
				v = sigm(float64(k-85) / 4)
			}
			o[k] = v + 0.08*rng.NormFloat64()
		}
		trials = append(trials, o)
		if goTrial {
			conds = append(conds, "Go")
		} else {
			conds = append(conds, "NoGo")
		}
	}
	zGo, zNo := make([]float64, T), make([]float64, T)
	for k := 75; k < T; k++ {
		zGo[k] = 1
	}
	return trials, conds, map[string][]float64{"Go": zGo, "NoGo": zNo}
}

// cellTypes returns N units of which about a fifth are inhibitory.
func cellTypes(rng *rand.Rand, N int) []bool {
	inh := make([]bool, N)
	for i := range inh {
		inh[i] = rng.Float64() < 0.2
	}
	return inh
}

// poissonSpikes draws spikes of N units over dur seconds: excitatory units
// at 8 Hz, inhibitory at 20 Hz, a third of the excitatory units at 40 Hz
// during [0.3, 0.6) s.
func poissonSpikes(rng *rand.Rand, inh []bool, dur float64) []spikernn.Spike {
	var sp []spikernn.Spike
	const dt = 0.001
	for u := range inh {
		for t := 0.0; t < dur; t += dt {
			rate := 8.0
			if inh[u] {
				rate = 20
			} else if u%3 == 0 && t >= 0.3 && t < 0.6 {
				rate = 40
			}
			if rng.Float64() < rate*dt {
				sp = append(sp, spikernn.Spike{Unit: u, Time: t})
			}
		}
	}
	return sp
}

// firingRates counts spikes per unit over dur seconds.
func firingRates(sp []spikernn.Spike, N int, dur float64) []float64 {
	r := make([]float64, N)
	for _, s := range sp {
		r[s.Unit] += 1 / dur
	}
	return r
}

// trajectories returns nPer trials per condition of T steps of N units
// whose activity lies near a 3-dimensional subspace.
func trajectories(rng *rand.Rand, conds []string, nPer, T, N int) ([][][]float64, []string) {
	basis := make([][]float64, 3)
	for d := range basis {
		basis[d] = make([]float64, N)
		for i := range basis[d] {
			basis[d][i] = rng.NormFloat64()
		}
	}
	var out [][][]float64
	var labels []string
	for ci, c := range conds {
		for range nPer {
			tr := make([][]float64, T)
			for t := range tr {
				s := float64(t) / float64(T)
				lat := []float64{math.Sin(math.Pi * s), float64(2*ci-1) * sigm((s-0.4)*12), 0.3 * math.Cos(3*s)}
				x := make([]float64, N)
				for i := range x {
					for d := range 3 {
						x[i] += lat[d] * basis[d][i]
					}
					x[i] = sigm(x[i]) + 0.01*rng.NormFloat64()
				}
				tr[t] = x
			}
			out = append(out, tr)
			labels = append(labels, c)
		}
	}
	return out, labels
}

// daleWeights returns a sparse N x N effective weight matrix (column j
// negative for inhibitory j) with connection probability 0.2 and gain g.
func daleWeights(rng *rand.Rand, inh []bool, g float64) *mat.Dense {
	N := len(inh)
	w := mat.NewDense(N, N, nil)
	for i := range N {
		for j := range N {
			if rng.Float64() < 0.2 {
				v := math.Abs(rng.NormFloat64()) * g / math.Sqrt(float64(N)*0.2)
				if inh[j] {
					v = -v
				}
				w.Set(i, j, v)
			}
		}
	}
	return w
}

// lossCurve returns a training loss of n trials decaying from ~11 to ~2 and
// evaluations every 100 trials (tr = 1, 101, ...).
func lossCurve(rng *rand.Rand, n int) (losses, evalTr, evalLoss, evalPerf []float64) {
	for k := range n {
		m := 2 + 9*math.Exp(-float64(k)/400)
		losses = append(losses, m*(1+0.25*rng.NormFloat64()))
	}
	for tr := 1; tr < n; tr += 100 {
		evalTr = append(evalTr, float64(tr))
		evalLoss = append(evalLoss, 2+9*math.Exp(-float64(tr)/400))
		evalPerf = append(evalPerf, 0.5+0.5*sigm(float64(tr-900)/150))
	}
	return
}

func eigs(m *mat.Dense) []complex128 { return spikernn.Eigenvalues(m) }
