package spikernn

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Amplitude threshold of a correct response (the reference's eval_amp_threh).
const ampThreshold = 0.7

// GoNoGo is the Go-NoGo task (the reference's rate/model.py): a Go trial (probability 0.5)
// has a unit pulse on the single input during [StimOn, StimOn+StimDur) and
// the target is 1 from the pulse's end; a NoGo trial has no input and a zero
// target. Go is correct when max(o[resp:]) > 0.7, NoGo when
// max(|o[resp:]|) < 0.3, where resp = StimOn+StimDur.
type GoNoGo struct {
	T, StimOn, StimDur int
	// SpikingFrom is the start of the spiking scoring window in seconds
	// (0.5 s: MATLAB's out(10000:end) at 0.05 ms steps).
	SpikingFrom float64
	// MinTrial is the extra stopping condition of the reference (tr > 1500).
	MinTrial int
}

// NewGoNoGo returns the reference Go-NoGo task.
func NewGoNoGo() *GoNoGo {
	return &GoNoGo{T: 200, StimOn: 50, StimDur: 25, SpikingFrom: 0.5, MinTrial: 1501}
}

// Name implements Task.
func (g *GoNoGo) Name() string { return "go-nogo" }

// NumInputs implements Task.
func (g *GoNoGo) NumInputs() int { return 1 }

// Steps implements Task.
func (g *GoNoGo) Steps() int { return g.T }

// NewTrial implements Task.
func (g *GoNoGo) NewTrial(rng *rand.Rand) Trial {
	u := mat.NewDense(1, g.T, nil)
	z := make([]float64, g.T)
	tr := Trial{U: u, Target: z, Label: 0, Cond: "NoGo"}
	if rng.Float64() <= 0.5 {
		for t := g.StimOn; t < g.StimOn+g.StimDur; t++ {
			u.Set(0, t, 1)
		}
		for t := g.StimOn + g.StimDur; t < g.T; t++ {
			z[t] = 1
		}
		tr.Label, tr.Cond = 1, "Go"
	}
	return tr
}

// Correct implements Task.
func (g *GoNoGo) Correct(o []float64, tr Trial) bool {
	w := tail(o, g.StimOn+g.StimDur)
	if len(w) == 0 {
		return false
	}
	if tr.Label == 1 {
		return maxOf(w) > ampThreshold
	}
	return maxAbsOf(w) < 0.3
}

// SpikingTrial implements Task: the rate trial's input with one more column.
func (g *GoNoGo) SpikingTrial(rng *rand.Rand) Trial { return padTrial(g.NewTrial(rng)) }

// SpikingCorrect implements Task: Go when max(out(t >= 0.5 s)) > 0.7, NoGo
// when it is below 0.3 (the reference's spiking rule has no absolute value).
func (g *GoNoGo) SpikingCorrect(out []float64, dt float64, tr Trial) bool {
	w := tail(out, windowStart(g.SpikingFrom, dt))
	if len(w) == 0 {
		return false
	}
	if tr.Label == 1 {
		return maxOf(w) > ampThreshold
	}
	return maxOf(w) < 0.3
}

// Criterion implements Task.
func (g *GoNoGo) Criterion() Criterion {
	c := DefaultCriterion()
	c.MinTrial = g.MinTrial
	return c
}

// Mante is the context-dependent sensory integration task (the reference's rate/model.py):
// two noisy sensory inputs with offsets +-0.5 during [StimOn, StimOn+StimDur)
// and two context inputs, one of them on for the whole trial; the target is
// the sign of the cued input's offset from the stimulus end.
type Mante struct {
	T, StimOn, StimDur int
	Offset             float64 // stimulus offset magnitude (0.5)
	RespWindow         int     // rate scoring window: the last RespWindow outputs (200)
	SpikingFrom        float64 // spiking scoring window start, seconds (1.3 s: out(26000:end))
}

// NewMante returns the reference context-dependent integration task.
func NewMante() *Mante {
	return &Mante{T: 500, StimOn: 50, StimDur: 200, Offset: 0.5, RespWindow: 200, SpikingFrom: 1.3}
}

// Name implements Task.
func (m *Mante) Name() string { return "mante" }

// NumInputs implements Task.
func (m *Mante) NumInputs() int { return 4 }

// Steps implements Task.
func (m *Mante) Steps() int { return m.T }

// NewTrial implements Task. Info holds "context" (1 or 2), "offset1",
// "offset2" (+-Offset).
func (m *Mante) NewTrial(rng *rand.Rand) Trial {
	u := mat.NewDense(4, m.T, nil)
	var lab [2]float64
	for row := range 2 {
		lab[row] = -1
		if rng.Float64() <= 0.5 {
			lab[row] = 1
		}
		for t := m.StimOn; t < m.StimOn+m.StimDur; t++ {
			u.Set(row, t, rng.NormFloat64()+lab[row]*m.Offset)
		}
	}
	ctx := 2
	if rng.Float64() <= 0.5 {
		ctx = 1
	}
	for t := range m.T {
		u.Set(1+ctx, t, 1)
	}
	label := lab[ctx-1]
	z := make([]float64, m.T)
	for t := m.StimOn + m.StimDur; t < m.T; t++ {
		z[t] = label
	}
	sign := "+"
	if label < 0 {
		sign = "-"
	}
	return Trial{U: u, Target: z, Label: label, Cond: fmt.Sprintf("ctx%d %s", ctx, sign),
		Info: map[string]float64{"context": float64(ctx), "offset1": lab[0] * m.Offset, "offset2": lab[1] * m.Offset}}
}

// Correct implements Task: +1 needs max(o[-200:]) > 0.7, -1 min(o[-200:]) < -0.7.
func (m *Mante) Correct(o []float64, tr Trial) bool {
	return signedCorrect(tail(o, len(o)-m.RespWindow), tr.Label)
}

// SpikingTrial implements Task: the rate trial's input with one more
// column, as the reference's grid search builds it (u = zeros(4, 501)): the
// sensory rows are zero there, the cued context row stays on through the
// last column.
func (m *Mante) SpikingTrial(rng *rand.Rand) Trial {
	tr := padTrial(m.NewTrial(rng))
	row := 1 + int(tr.Info["context"])
	tr.U.Set(row, m.T, 1)
	return tr
}

// SpikingCorrect implements Task.
func (m *Mante) SpikingCorrect(out []float64, dt float64, tr Trial) bool {
	return signedCorrect(tail(out, windowStart(m.SpikingFrom, dt)), tr.Label)
}

// Criterion implements Task.
func (m *Mante) Criterion() Criterion { return DefaultCriterion() }

// XOR is the temporal exclusive-or task (the reference's rate/model.py): two +-1 pulses in
// sequence on two inputs; the target is +1 ("same") or -1 ("diff") during
// [RespOn, RespOn+RespDur).
type XOR struct {
	T, StimOn, StimDur, Delay int
	RespOn, RespDur           int     // target window (170, 100)
	ScoreFrom                 int     // rate scoring window start (200)
	SpikingFrom               float64 // spiking scoring window start, seconds (1.0 s: out(20000:end))
}

// NewXOR returns the reference XOR task.
func NewXOR() *XOR {
	return &XOR{T: 300, StimOn: 50, StimDur: 50, Delay: 10, RespOn: 170, RespDur: 100, ScoreFrom: 200, SpikingFrom: 1.0}
}

// Name implements Task.
func (x *XOR) Name() string { return "xor" }

// NumInputs implements Task.
func (x *XOR) NumInputs() int { return 2 }

// Steps implements Task.
func (x *XOR) Steps() int { return x.T }

// NewTrial implements Task. Info holds "s1" and "s2", the two pulse signs.
func (x *XOR) NewTrial(rng *rand.Rand) Trial {
	u := mat.NewDense(2, x.T, nil)
	var s [2]float64
	for k := range 2 {
		s[k] = -1
		if rng.Float64() < 0.5 {
			s[k] = 1
		}
		on := x.StimOn + k*(x.StimDur+x.Delay)
		for t := on; t < on+x.StimDur; t++ {
			u.Set(k, t, s[k])
		}
	}
	label := s[0] * s[1]
	z := make([]float64, x.T)
	for t := x.RespOn; t < min(x.RespOn+x.RespDur, x.T); t++ {
		z[t] = label
	}
	cond := "same"
	if label < 0 {
		cond = "diff"
	}
	return Trial{U: u, Target: z, Label: label, Cond: cond, Info: map[string]float64{"s1": s[0], "s2": s[1]}}
}

// Correct implements Task: same needs max(o[200:]) > 0.7, diff min(o[200:]) < -0.7.
func (x *XOR) Correct(o []float64, tr Trial) bool {
	return signedCorrect(tail(o, x.ScoreFrom), tr.Label)
}

// SpikingTrial implements Task.
func (x *XOR) SpikingTrial(rng *rand.Rand) Trial { return padTrial(x.NewTrial(rng)) }

// SpikingCorrect implements Task.
func (x *XOR) SpikingCorrect(out []float64, dt float64, tr Trial) bool {
	return signedCorrect(tail(out, windowStart(x.SpikingFrom, dt)), tr.Label)
}

// Criterion implements Task.
func (x *XOR) Criterion() Criterion { return DefaultCriterion() }

// signedCorrect: label +1 needs max(w) > 0.7, label -1 needs min(w) < -0.7.
func signedCorrect(w []float64, label float64) bool {
	if len(w) == 0 {
		return false
	}
	if label > 0 {
		return maxOf(w) > ampThreshold
	}
	return minOf(w) < -ampThreshold
}
