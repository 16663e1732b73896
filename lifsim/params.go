package lifsim

import (
	"fmt"
	"math"
	"strings"

	"github.com/spikernn/spikernn/spikernn"
)

// Model is the spiking unit's membrane equation.
type Model string

// The membrane equations of spec 4.
const (
	// LIF is the leaky integrate-and-fire unit: dv/dt = (-v + I) / tm.
	LIF Model = "lif"
	// QIF is the quadratic integrate-and-fire unit: dv/dt = (v^2 + I) / tm.
	QIF Model = "qif"
)

// ParseModel returns the model of a name ("lif" or "qif", case-insensitive).
func ParseModel(s string) (Model, error) {
	switch m := Model(strings.ToLower(strings.TrimSpace(s))); m {
	case LIF, QIF:
		return m, nil
	}
	return "", fmt.Errorf("lifsim: unknown neuron model %q (allowed: lif, qif)", s)
}

// Params are the spiking network's neuron and synapse parameters (spec 4 and
// SI Table S1). Times are in seconds, voltages in mV. Start from
// DefaultParams (LIF) or QIFParams and change what you need: the zero value
// is not valid (Tm = 0).
type Params struct {
	Model  Model   // LIF (default) or QIF
	Tref   float64 // refractory period (0.002 s); 0 disables it
	Tm     float64 // membrane time constant (0.010 s)
	VReset float64 // reset voltage (-65 mV)
	VPeak  float64 // spike threshold (-40 mV for LIF, 30 mV for QIF)
	Bias   float64 // constant bias current (= VPeak = -40 for LIF, 0 for QIF)
	// Tr is the synaptic rise time (0.002 s) of the double-exponential
	// filter; Tr = 0 selects the single-exponential filter.
	Tr float64
	// VInit is the upper end of the initial voltages:
	// v ~ VReset + U(0,1) * (VInit - VReset), 30 mV in the reference.
	VInit float64
	// VSpike is the voltage a spiking unit holds in the voltage record at
	// the step of its spike (30 mV).
	VSpike float64
	// NoiseSD is the standard deviation of the membrane noise added at every
	// step, in mV (0.1: the reference's randn/10).
	NoiseSD float64
	// Downsample d >= 1 keeps every d-th input column and uses a step of
	// d * 0.05 ms (1: no downsampling).
	Downsample int
	// InitialWeights runs the network with the rate network's initial
	// weights W0 instead of the trained W (the reference's
	// use_initial_weights). The decay constants stay the trained ones, as in
	// the reference.
	InitialWeights bool
	// InitialTaus uses the decay constants before training (td0) instead of
	// the trained ones: an extension, the reference has no such switch.
	InitialTaus bool
}

// DefaultParams returns the reference LIF parameters (spec 4).
func DefaultParams() Params {
	return Params{
		Model:      LIF,
		Tref:       0.002,
		Tm:         0.010,
		VReset:     -65,
		VPeak:      -40,
		Bias:       -40,
		Tr:         0.002,
		VInit:      30,
		VSpike:     30,
		NoiseSD:    0.1,
		Downsample: 1,
	}
}

// QIFParams returns the quadratic integrate-and-fire parameters of SI Table
// S1: threshold (peak) 30 mV, bias 0, reset -65 mV, tm 10 ms, tref 2 ms,
// tr 2 ms.
func QIFParams() Params {
	p := DefaultParams()
	p.Model = QIF
	p.VPeak = 30
	p.Bias = 0
	return p
}

// ParamsFor returns the reference parameters of a model: DefaultParams for
// LIF, QIFParams for QIF.
func ParamsFor(m Model) (Params, error) {
	switch m {
	case LIF:
		return DefaultParams(), nil
	case QIF:
		return QIFParams(), nil
	}
	return Params{}, fmt.Errorf("lifsim: unknown neuron model %q (allowed: lif, qif)", m)
}

// Dt returns the simulation step in seconds: spikernn.SpikingDt (0.05 ms)
// times Downsample.
func (p Params) Dt() float64 { return spikernn.SpikingDt * float64(p.Downsample) }

// SingleExponential reports whether the synapses use the single-exponential
// filter (Tr = 0).
func (p Params) SingleExponential() bool { return p.Tr == 0 }

// Validate checks every field and names the first invalid one.
func (p Params) Validate() error {
	if p.Model != LIF && p.Model != QIF {
		return fmt.Errorf("lifsim: invalid Model %q (allowed: lif, qif)", p.Model)
	}
	fields := []struct {
		name string
		v    float64
	}{{"Tref", p.Tref}, {"Tm", p.Tm}, {"VReset", p.VReset}, {"VPeak", p.VPeak}, {"Bias", p.Bias},
		{"Tr", p.Tr}, {"VInit", p.VInit}, {"VSpike", p.VSpike}, {"NoiseSD", p.NoiseSD}}
	for _, f := range fields {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("lifsim: invalid %s = %v: must be a finite number", f.name, f.v)
		}
	}
	switch {
	case p.Tm <= 0:
		return fmt.Errorf("lifsim: invalid Tm = %v: the membrane time constant must be > 0 (start from DefaultParams)", p.Tm)
	case p.Tref < 0:
		return fmt.Errorf("lifsim: invalid Tref = %v: the refractory period must be >= 0", p.Tref)
	case p.Tr < 0:
		return fmt.Errorf("lifsim: invalid Tr = %v: the synaptic rise time must be >= 0 (0 selects the single-exponential filter)", p.Tr)
	case p.NoiseSD < 0:
		return fmt.Errorf("lifsim: invalid NoiseSD = %v: must be >= 0", p.NoiseSD)
	case p.VPeak <= p.VReset:
		return fmt.Errorf("lifsim: invalid VPeak = %v: must be above VReset = %v", p.VPeak, p.VReset)
	case p.Downsample < 1:
		return fmt.Errorf("lifsim: invalid Downsample = %d: must be at least 1", p.Downsample)
	}
	return nil
}
