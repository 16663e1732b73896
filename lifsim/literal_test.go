package lifsim

import (
	"math"

	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

// literalResult is what the literal transcription returns; recordings are
// indexed [step-1][unit].
type literalResult struct {
	dt, tsec float64
	nt       int
	out      []float64
	spikes   []spikernn.Spike
	spikeI   []int // step (1-based) of each spike
	counts   []int // from step 10 on
	V, R, IP [][]float64
}

// literalLIF is a slow, literal transcription of spec section 4's step list,
// with every division and product written as the spec writes it. It is the
// reference the fast simulator is checked against.
//
// wUsed is (w @ m) * som_m (or the initial weights), N x N; win is N x n_in;
// taus are the decay constants in 5 ms steps; mode is "none", "exc" or "inh".
func literalLIF(wUsed *mat.Dense, win *mat.Dense, wout []float64, tausSteps []float64, s float64,
	u *mat.Dense, p Params, noise Noise, mode string, start, stop int, units []int) literalResult {

	N, _ := wUsed.Dims()
	// W = w_used / s.
	W := make([][]float64, N)
	for i := range N {
		W[i] = make([]float64, N)
		for j := range N {
			W[i][j] = wUsed.At(i, j) / s
		}
	}
	// u is subsampled to every d-th column; ext = w_in @ u.
	d := p.Downsample
	nIn, cols0 := u.Dims()
	var us [][]float64 // [col][row]
	for c := 0; c < cols0; c += d {
		col := make([]float64, nIn)
		for k := range nIn {
			col[k] = u.At(k, c)
		}
		us = append(us, col)
	}
	cols := len(us)
	ext := make([][]float64, N) // [unit][col]
	for i := range N {
		ext[i] = make([]float64, cols)
		for c := range cols {
			var acc float64
			for k := range nIn {
				acc += win.At(i, k) * us[c][k]
			}
			ext[i][c] = acc
		}
	}
	// dt, T_sec, nt.
	dt := 0.00005 * float64(d)
	Tsec := float64(cols-1) * dt * 100
	nt := int(math.Round(Tsec / dt))
	tref, tm, vreset, vpeak, BIAS := p.Tref, p.Tm, p.VReset, p.VPeak, p.Bias
	tr := p.Tr
	// td (seconds) from the decay constants in steps.
	td := make([]float64, N)
	for i := range N {
		td[i] = tausSteps[i] * 5 / 1000
	}
	// State.
	IPSC := make([]float64, N)
	h := make([]float64, N)
	r := make([]float64, N)
	hr := make([]float64, N)
	JD := make([]float64, N)
	v := make([]float64, N)
	for i := range N {
		v[i] = vreset + noise.Uniform()*(p.VInit-vreset)
	}
	tlast := make([]float64, N)
	res := literalResult{dt: dt, tsec: Tsec, nt: nt, counts: make([]int, N)}
	z := make([]float64, N)
	spiking := make([]bool, N)
	for i := 1; i <= nt; i++ {
		recIPSC := append([]float64(nil), IPSC...)
		// 1. I = IPSC + BIAS + ext[:, round(i/100)] (MATLAB round(i/100)+1, 1-based).
		c := int(math.Round(float64(i)/100)+1) - 1
		I := make([]float64, N)
		for j := range N {
			I[j] = IPSC[j] + BIAS + ext[j][c]
		}
		// 2. dv = [dt*i > tlast + tref] * (-v + I) / tm (QIF: (v^2 + I) / tm);
		//    v = v + dt*dv + Normal(0,1)/10.
		noise.Normals(z)
		for j := range N {
			var cond float64
			if dt*float64(i) > tlast[j]+tref {
				cond = 1
			}
			var dv float64
			if p.Model == QIF {
				dv = cond * (v[j]*v[j] + I[j]) / tm
			} else {
				dv = cond * (-v[j] + I[j]) / tm
			}
			v[j] = v[j] + dt*dv + z[j]*(p.NoiseSD*10)/10
		}
		// 3. Perturbation.
		if (mode == "exc" || mode == "inh") && i >= start && i < stop {
			if noise.Uniform() < 0.5 {
				for _, k := range units {
					// MATLAB v(units) = v(units) +- 0.5: each listed unit once.
					if mode == "exc" {
						v[k] = v[k] + 0.5
					} else {
						v[k] = v[k] - 0.5
					}
				}
			}
		}
		// 4. spiking = v >= vpeak; JD = sum of the spiking units' columns of W.
		anySpike := false
		for j := range N {
			spiking[j] = v[j] >= vpeak
			anySpike = anySpike || spiking[j]
		}
		if anySpike {
			for k := range N {
				JD[k] = 0
				for j := range N {
					if spiking[j] {
						JD[k] += W[k][j]
					}
				}
			}
			for j := range N {
				if spiking[j] {
					res.spikes = append(res.spikes, spikernn.Spike{Unit: j, Time: dt * float64(i)})
					res.spikeI = append(res.spikeI, i)
					if i >= 10 {
						res.counts[j]++
					}
				}
			}
		}
		// 5. tlast = dt*i for spiking units.
		for j := range N {
			if spiking[j] {
				tlast[j] = dt * float64(i)
			}
		}
		var any float64
		if anySpike {
			any = 1
		}
		// 6. Synaptic filters.
		for j := range N {
			var sp float64
			if spiking[j] {
				sp = 1
			}
			if tr > 0 {
				IPSC[j] = IPSC[j]*math.Exp(-dt/td[j]) + h[j]*dt
				h[j] = h[j]*math.Exp(-dt/tr) + JD[j]*any/(tr*td[j])
				r[j] = r[j]*math.Exp(-dt/td[j]) + hr[j]*dt
				hr[j] = hr[j]*math.Exp(-dt/tr) + sp/(tr*td[j])
			} else {
				IPSC[j] = IPSC[j]*math.Exp(-dt/td[j]) + JD[j]*any/td[j]
				r[j] = r[j]*math.Exp(-dt/td[j]) + sp/td[j]
			}
		}
		// 7. v = 30 for spiking units, record v, reset.
		for j := range N {
			if spiking[j] {
				v[j] = p.VSpike
			}
		}
		res.V = append(res.V, append([]float64(nil), v...))
		res.R = append(res.R, append([]float64(nil), r...))
		res.IP = append(res.IP, recIPSC)
		for j := range N {
			if spiking[j] {
				v[j] = vreset
			}
		}
		// Output: out = (w_out / s) @ r.
		var o float64
		for j := range N {
			o += (wout[j] / s) * r[j]
		}
		res.out = append(res.out, o)
	}
	return res
}
