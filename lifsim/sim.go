package lifsim

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/spikernn/spikernn/spikernn"
	"gonum.org/v1/gonum/mat"
)

// PerturbMode is the kind of optogenetic-style perturbation.
type PerturbMode string

// Perturbation modes (the reference's stims.mode).
const (
	PerturbNone PerturbMode = "none"
	PerturbExc  PerturbMode = "exc" // depolarise: v += Amplitude
	PerturbInh  PerturbMode = "inh" // hyperpolarise: v -= Amplitude
)

// Perturbation is the optogenetic-style stimulation of spec 4 step 3: at
// every step i with Start <= i < Stop (steps numbered 1..nt as in spec 4),
// with probability Prob (one draw for all units), the voltage of every unit
// in Units is raised (PerturbExc) or lowered (PerturbInh) by Amplitude mV.
type Perturbation struct {
	Mode        PerturbMode
	Start, Stop int   // step window [Start, Stop), steps numbered from 1
	Units       []int // 0-based unit indices; duplicates count once, as in MATLAB's v(units) = v(units) + 0.5
	Amplitude   float64
	Prob        float64
}

// Reference perturbation strength: 0.5 mV with probability 0.5 per step.
const (
	DefaultPerturbAmplitude = 0.5
	DefaultPerturbProb      = 0.5
)

// StepAt returns the spec-4 step number i (1-based) of time t seconds at
// step dt: round(t/dt), for building perturbation windows from times.
func StepAt(t, dt float64) int { return int(math.Round(t / dt)) }

// Recording selects the optional per-step recordings of a run. Recorded
// matrices are N x (Nt/Stride): column c holds step i = (c+1)*Stride
// (time i*Dt).
type Recording struct {
	Voltage bool // membrane voltages after each step (VSpike at a spike, before the reset)
	Rates   bool // filtered spike trains r (the readout's input)
	Current bool // synaptic current IPSC at the start of each step
	Stride  int  // record every Stride-th step; 0 or 1: every step
}

// RunOptions controls one spiking trial.
type RunOptions struct {
	// Seed and Stream seed the default noise source, NewNoise(Seed, Stream).
	Seed, Stream uint64
	// Noise, when set, replaces the default noise source.
	Noise Noise
	// Perturb is an optional perturbation (nil: none).
	Perturb *Perturbation
	// Record selects voltage, filtered-rate and current recordings.
	Record Recording
}

// Result is the outcome of one spiking trial.
type Result struct {
	Dt   float64 // simulation step in seconds
	TSec float64 // trial duration in seconds, (cols-1) * Dt * 100
	Nt   int     // number of steps, round(TSec/Dt)
	// Out is the network output: Out[k] = (w_out/s) . r after step k+1, at
	// time (k+1)*Dt. This is the trace the tasks score (Task.SpikingCorrect).
	Out []float64
	// Spikes lists every spike (unit, time) in time order, units ascending
	// within a step. Spike times are i*Dt for the step i of the spike.
	Spikes []spikernn.Spike
	// Counts holds each unit's number of spikes from step 10 on, and Rates
	// the firing rates Counts/TSec in Hz (the reference's all_fr).
	Counts []int
	Rates  []float64
	// ExcRate and InhRate are the mean firing rates (Hz) of the excitatory
	// and inhibitory units (NaN for an empty population); MeanRate is the
	// mean over all units.
	ExcRate, InhRate, MeanRate float64
	// V0 holds the initial voltages.
	V0 []float64
	// Stride is the recording stride; V, R and IPSC are the recordings
	// asked for in RunOptions.Record (nil otherwise), N x (Nt/Stride).
	Stride     int
	V, R, IPSC *mat.Dense
}

// Times returns the times (seconds) of the recorded columns of V, R and IPSC.
func (r *Result) Times() []float64 {
	if r.Stride < 1 {
		return nil
	}
	t := make([]float64, r.Nt/r.Stride)
	for c := range t {
		t[c] = float64((c+1)*r.Stride) * r.Dt
	}
	return t
}

// SpikesOf returns the spike times of one unit.
func (r *Result) SpikesOf(unit int) []float64 {
	var t []float64
	for _, s := range r.Spikes {
		if s.Unit == unit {
			t = append(t, s.Time)
		}
	}
	return t
}

// Simulate maps the rate network onto a spiking network with scaling factor
// s and parameters p (FromRate) and runs one trial on input u: the one-call
// form for notebooks.
func Simulate(rate *spikernn.Network, s float64, u *mat.Dense, p Params, opt RunOptions) (*Result, error) {
	n, err := FromRate(rate, s, p)
	if err != nil {
		return nil, err
	}
	return n.Run(u, opt)
}

// Run simulates one trial (spec 4) on input u (NIn x cols, typically T+1
// columns of 5 ms each, e.g. 201 for Go-NoGo).
func (n *Network) Run(u *mat.Dense, opt RunOptions) (*Result, error) {
	return n.runWith(n.newState(), new(input), u, opt)
}

// runWith is Run with caller-provided scratch.
func (n *Network) runWith(st *state, inp *input, u *mat.Dense, opt RunOptions) (*Result, error) {
	in := inp
	if err := n.prepareInput(u, in); err != nil {
		return nil, err
	}
	pert, err := n.planPerturbation(opt.Perturb)
	if err != nil {
		return nil, err
	}
	stride := opt.Record.Stride
	if stride < 0 {
		return nil, fmt.Errorf("lifsim: invalid recording stride %d: must be >= 0", stride)
	}
	if stride == 0 {
		stride = 1
	}
	noise := opt.Noise
	if noise == nil {
		noise = NewNoise(opt.Seed, opt.Stream)
	}
	res := &Result{Dt: in.dt, TSec: in.tsec, Nt: in.nt, Out: make([]float64, in.nt),
		Counts: make([]int, n.N), V0: make([]float64, n.N), Stride: stride}
	ncol := in.nt / stride
	if ncol == 0 && (opt.Record.Voltage || opt.Record.Rates || opt.Record.Current) {
		return nil, fmt.Errorf("lifsim: recording stride %d exceeds the trial's %d steps", stride, in.nt)
	}
	rec := recorder{stride: stride}
	if opt.Record.Voltage {
		res.V = mat.NewDense(n.N, ncol, nil)
		rec.v = res.V.RawMatrix().Data
	}
	if opt.Record.Rates {
		res.R = mat.NewDense(n.N, ncol, nil)
		rec.r = res.R.RawMatrix().Data
	}
	if opt.Record.Current {
		res.IPSC = mat.NewDense(n.N, ncol, nil)
		rec.ipsc = res.IPSC.RawMatrix().Data
	}
	rec.ncol = ncol
	n.simulate(st, in, noise, pert, &rec, res.Out, res)
	n.finish(res)
	return res, nil
}

// finish computes a result's firing rates from its spike counts.
func (n *Network) finish(res *Result) {
	res.Rates = make([]float64, n.N)
	var se, si float64
	var ne, ni int
	for j, c := range res.Counts {
		res.Rates[j] = float64(c) / res.TSec
		if n.Inh[j] {
			si += res.Rates[j]
			ni++
		} else {
			se += res.Rates[j]
			ne++
		}
	}
	res.ExcRate, res.InhRate = se/float64(ne), si/float64(ni)
	if ne == 0 {
		res.ExcRate = math.NaN()
	}
	if ni == 0 {
		res.InhRate = math.NaN()
	}
	res.MeanRate = (se + si) / float64(n.N)
}

// input is a trial's external drive, prepared for the simulator.
type input struct {
	ext  []float64 // ext = w_in @ u, column c at ext[c*N : (c+1)*N]
	cols int       // input columns after downsampling
	nt   int
	dt   float64
	tsec float64
}

// prepareInput checks u and computes the external drive, reusing in.ext.
func (n *Network) prepareInput(u *mat.Dense, in *input) error {
	if u == nil {
		return errors.New("lifsim: nil input")
	}
	rows, cols0 := u.Dims()
	if rows != n.NIn {
		return fmt.Errorf("lifsim: input has %d rows, the network has %d input channels", rows, n.NIn)
	}
	d := n.Params.Downsample
	cols := (cols0-1)/d + 1
	if cols < 2 {
		return fmt.Errorf("lifsim: input has %d columns (%d after downsampling by %d), need at least 2", cols0, cols, d)
	}
	N, nIn := n.N, n.NIn
	in.ext = slices.Grow(in.ext[:0], cols*N)[:cols*N]
	for c := range cols {
		col := in.ext[c*N : (c+1)*N]
		for i := range col {
			var s float64
			for k := range nIn {
				x := u.At(k, c*d)
				if math.IsNaN(x) || math.IsInf(x, 0) {
					return fmt.Errorf("lifsim: input value (%d, %d) is %v: must be finite", k, c*d, x)
				}
				s += n.WIn[i*nIn+k] * x
			}
			col[i] = s
		}
	}
	in.cols = cols
	in.dt = n.Params.Dt()
	in.tsec = float64(cols-1) * in.dt * 100
	in.nt = int(math.Round(in.tsec / in.dt))
	if last := colIndex(in.nt); last >= cols {
		return fmt.Errorf("lifsim: %d steps need input column %d, the input has %d", in.nt, last+1, cols)
	}
	return nil
}

// colIndex is the 0-based input column of step i (1-based): MATLAB's
// round(i/100)+1 minus one, halves rounded away from zero.
func colIndex(i int) int { return int(math.Round(float64(i) / 100)) }

// pertPlan is a validated perturbation.
type pertPlan struct {
	start, stop int
	units       []int32
	delta       float64
	prob        float64
}

func (n *Network) planPerturbation(p *Perturbation) (*pertPlan, error) {
	if p == nil {
		return nil, nil
	}
	var sign float64
	switch PerturbMode(strings.ToLower(string(p.Mode))) {
	case "", PerturbNone:
		return nil, nil
	case PerturbExc:
		sign = 1
	case PerturbInh:
		sign = -1
	default:
		return nil, fmt.Errorf("lifsim: invalid perturbation mode %q (allowed: none, exc, inh)", p.Mode)
	}
	amp, prob := p.Amplitude, p.Prob
	if amp == 0 {
		amp = DefaultPerturbAmplitude
	}
	if prob == 0 {
		prob = DefaultPerturbProb
	}
	if math.IsNaN(amp) || math.IsInf(amp, 0) || amp < 0 {
		return nil, fmt.Errorf("lifsim: invalid perturbation amplitude %v: must be a finite number >= 0", amp)
	}
	if !(prob >= 0 && prob <= 1) {
		return nil, fmt.Errorf("lifsim: invalid perturbation probability %v: must be in [0, 1]", prob)
	}
	plan := &pertPlan{start: p.Start, stop: p.Stop, delta: sign * amp, prob: prob}
	seen := make([]bool, n.N)
	for _, u := range p.Units {
		if u < 0 || u >= n.N {
			return nil, fmt.Errorf("lifsim: perturbation unit %d out of range [0, %d)", u, n.N)
		}
		if !seen[u] {
			seen[u] = true
			plan.units = append(plan.units, int32(u))
		}
	}
	return plan, nil
}

// recorder holds the optional recordings (row-major N x ncol).
type recorder struct {
	stride, ncol int
	v, r, ipsc   []float64
}

func (rc *recorder) any() bool { return rc.v != nil || rc.r != nil || rc.ipsc != nil }

// column returns the record column of step i, or -1.
func (rc *recorder) column(i int) int {
	if i%rc.stride != 0 {
		return -1
	}
	c := i/rc.stride - 1
	if c >= rc.ncol {
		return -1
	}
	return c
}

func (rc *recorder) put(dst []float64, c int, x []float64) {
	if dst == nil || c < 0 {
		return
	}
	for j, v := range x {
		dst[j*rc.ncol+c] = v
	}
}

// state is the per-run scratch of the simulator, reusable across runs.
type state struct {
	v, ipsc, h, r, hr, z, jd []float64
	ref                      []int32   // first step at which each unit integrates again
	spk, spk2                []int32   // spiking units of a step (capacity N)
	gate                     []float64 // runFast: dt/tm or 0 (refractory)
	ring                     [][]int32 // runFast: refractory release lists
	extb                     []float64 // runFast: external drive plus bias
	consts                   *unitConsts
}

// unitConsts are the per-unit constants of a network at its step dt.
type unitConsts struct {
	ed   []float64 // exp(-dt/td)
	ch   []float64 // 1/(tr*td) (double filter) or 1/td (single)
	chdt []float64 // ch*dt
	wk   []float64 // runFast's readout increment per spike: w_out*chdt/(ed-er)
	er   float64   // exp(-dt/tr)
	dt   float64
	dtm  float64 // dt/tm
	fast bool    // runFast's closed-form readout is accurate (see fastApplies)
}

func (n *Network) newState() *state {
	N := n.N
	buf := make([]float64, 7*N)
	st := &state{
		v: buf[0:N:N], ipsc: buf[N : 2*N : 2*N], h: buf[2*N : 3*N : 3*N], r: buf[3*N : 4*N : 4*N],
		hr: buf[4*N : 5*N : 5*N], z: buf[5*N : 6*N : 6*N], jd: buf[6*N : 7*N : 7*N],
		ref: make([]int32, N), spk: make([]int32, N), spk2: make([]int32, N), gate: make([]float64, N),
	}
	st.consts = n.consts
	return st
}

// newConsts computes the per-unit constants of the network at its step.
func (n *Network) newConsts() *unitConsts {
	N := n.N
	p := n.Params
	dt := p.Dt()
	c := &unitConsts{ed: make([]float64, N), ch: make([]float64, N), chdt: make([]float64, N), wk: make([]float64, N), dt: dt, dtm: dt / p.Tm}
	if p.Tr > 0 {
		c.er = math.Exp(-dt / p.Tr)
	}
	for j, td := range n.Td {
		c.ed[j] = math.Exp(-dt / td)
		if p.Tr > 0 {
			c.ch[j] = 1 / (p.Tr * td)
		} else {
			c.ch[j] = 1 / td
		}
		c.chdt[j] = c.ch[j] * dt
		c.wk[j] = n.WOut[j] * c.chdt[j] / (c.ed[j] - c.er)
	}
	c.fast = c.fastApplies()
	return c
}

// reset zeroes the synaptic state for a new run.
func (st *state) reset() {
	clear(st.ipsc)
	clear(st.h)
	clear(st.r)
	clear(st.hr)
}

// refUntil returns the first step after a spike at step k (0 for the start)
// at which a unit integrates again: the first i > k with dt*i > dt*k + tref,
// evaluated in floating point exactly as the spec's condition.
func refUntil(k int, dt, tref float64) int32 {
	tl := dt * float64(k)
	i := k + 1
	if g := int(tref/dt) - 1; g > 1 {
		i = k + g
	}
	for !(dt*float64(i) > tl+tref) {
		i++
	}
	return int32(i)
}

// simulate runs one trial with the fused kernel when it applies (LIF,
// double filter, no recordings) and with the general one otherwise.
func (n *Network) simulate(st *state, in *input, noise Noise, pert *pertPlan, rec *recorder, out []float64, res *Result) {
	if n.Params.Model == LIF && n.Params.Tr > 0 && (rec == nil || !rec.any()) && !forceGeneral && st.consts.fast {
		n.runFast(st, in, noise, pert, out, res)
		return
	}
	n.run(st, in, noise, pert, rec, out, res)
}

// forceGeneral makes simulate always use the general kernel (tests).
var forceGeneral = false

// run simulates one trial into out (length in.nt). With res nil it keeps no
// spike list nor counts (the grid search only scores the output).
func (n *Network) run(st *state, in *input, noise Noise, pert *pertPlan, rec *recorder, out []float64, res *Result) {
	N := n.N
	p := n.Params
	c := st.consts
	dt, dtm, er := c.dt, c.dtm, c.er
	sd, bias, vpeak, vreset := p.NoiseSD, p.Bias, p.VPeak, p.VReset
	qif := p.Model == QIF
	single := p.Tr == 0
	st.reset()
	v, ipsc, h, r, hr, z, jd := st.v[:N], st.ipsc[:N], st.h[:N], st.r[:N], st.hr[:N], st.z[:N], st.jd[:N]
	ref := st.ref[:N]
	ed, ch, wout := c.ed[:N], c.ch[:N], n.WOut[:N]

	ref0 := refUntil(0, dt, p.Tref)
	span := p.VInit - vreset
	for j := range v {
		v[j] = vreset + noise.Uniform()*span
		ref[j] = ref0
	}
	if res != nil {
		copy(res.V0, v)
	}
	recording := rec != nil && rec.any()
	nt := in.nt
	for i := 1; i <= nt; i++ {
		col := colIndex(i)
		ext := in.ext[col*N : (col+1)*N : (col+1)*N]
		ext = ext[:N]
		rc := -1
		if recording {
			rc = rec.column(i)
			rec.put(rec.ipsc, rc, ipsc)
		}
		noise.Normals(z)
		// Steps 1-2: input current, membrane update, noise; spike detection.
		spk := st.spk[:0]
		ii := int32(i)
		if qif {
			for j, vj := range v {
				if ii >= ref[j] {
					I := ipsc[j] + bias + ext[j]
					vj += (vj*vj + I) * dtm
				}
				vj += z[j] * sd
				v[j] = vj
				if vj >= vpeak {
					spk = append(spk, int32(j))
				}
			}
		} else {
			for j, vj := range v {
				if ii >= ref[j] {
					I := ipsc[j] + bias + ext[j]
					vj += (I - vj) * dtm
				}
				vj += z[j] * sd
				v[j] = vj
				if vj >= vpeak {
					spk = append(spk, int32(j))
				}
			}
		}
		// Step 3: perturbation (one coin per step inside the window).
		if pert != nil && i >= pert.start && i < pert.stop {
			if noise.Uniform() < pert.prob {
				for _, u := range pert.units {
					v[u] += pert.delta
				}
				spk = spk[:0]
				for j, vj := range v {
					if vj >= vpeak {
						spk = append(spk, int32(j))
					}
				}
			}
		}
		// Steps 4-5: recurrent input of the spiking units, refractoriness.
		fired := len(spk) > 0
		if fired {
			n.sumColumns(jd, spk)
			rs := refUntil(i, dt, p.Tref)
			for _, s := range spk {
				ref[s] = rs
			}
			if res != nil {
				res.addSpikes(spk, i, dt)
			}
		}
		if rc >= 0 && rec.v != nil {
			rec.put(rec.v, rc, v)
			for _, s := range spk {
				rec.v[int(s)*rec.ncol+rc] = p.VSpike
			}
		}
		// Step 6: synaptic filters and readout.
		var o float64
		if single {
			if fired {
				for j := range ipsc {
					ipsc[j] = ipsc[j]*ed[j] + jd[j]*ch[j]
				}
			} else {
				for j := range ipsc {
					ipsc[j] *= ed[j]
				}
			}
			for j := range r {
				r[j] *= ed[j]
			}
			for _, s := range spk {
				r[s] += ch[s]
			}
			for j, x := range r {
				o += wout[j] * x
			}
		} else {
			if fired {
				for j := range ipsc {
					ipsc[j] = ipsc[j]*ed[j] + h[j]*dt
					h[j] = h[j]*er + jd[j]*ch[j]
					r[j] = r[j]*ed[j] + hr[j]*dt
					hr[j] *= er
					o += wout[j] * r[j]
				}
			} else {
				for j := range ipsc {
					ipsc[j] = ipsc[j]*ed[j] + h[j]*dt
					h[j] *= er
					r[j] = r[j]*ed[j] + hr[j]*dt
					hr[j] *= er
					o += wout[j] * r[j]
				}
			}
			for _, s := range spk {
				hr[s] += ch[s]
			}
		}
		out[i-1] = o
		if rc >= 0 {
			rec.put(rec.r, rc, r)
		}
		// Step 7: reset.
		for _, s := range spk {
			v[s] = vreset
		}
	}
}

func spikeAt(unit int, t float64) spikernn.Spike { return spikernn.Spike{Unit: unit, Time: t} }
