package spikernn

import (
	"fmt"
	"math"
	"strings"
)

// Config holds every option of the reference command line that shapes a rate
// network. Field comments give the reference flag in brackets.
//
// The zero value is not valid; start from DefaultConfig.
type Config struct {
	Task       string     // task name [--task]: go-nogo, mante, xor or a registered task
	N          int        // number of units [--N]
	PInh       float64    // probability that a unit is inhibitory [--P_inh]
	PRec       float64    // probability of a recurrent connection [--P_rec]
	Gain       float64    // gain of the Gaussian initial weights [--gain]
	SomN       int        // number of SOM inhibitory units [--som_N]
	WeightDist WeightDist // Gaussian or GammaDis [--w_dist]
	ApplyDale  bool       // Dale's principle [--apply_dale]
	Activation Activation // Sigmoid, ClippedReLU or Softplus [--act]
	LossFn     LossFn     // LossL2 or LossL1 [--loss_fn]
	Taus       []float64  // decay constants in 5 ms steps: {min, max} (trained) or {value} (fixed) [--decay_taus]
}

// DefaultConfig returns the reference defaults for a task: N = 200, P_inh =
// P_rec = 0.2, gain 1.5, no SOM units, Gaussian weights, Dale's principle,
// sigmoid units, L2 loss and trainable decay constants between 4 and 20 steps
// (20 to 100 ms).
func DefaultConfig(task string) Config {
	return Config{
		Task:       task,
		N:          200,
		PInh:       0.2,
		PRec:       0.2,
		Gain:       1.5,
		SomN:       0,
		WeightDist: Gaussian,
		ApplyDale:  true,
		Activation: Sigmoid,
		LossFn:     LossL2,
		Taus:       []float64{4, 20},
	}
}

// ConfigError reports an invalid configuration value. Field uses the
// reference's flag spelling (N, P_inh, som_N, decay_taus, ...).
type ConfigError struct {
	Field   string
	Value   any
	Allowed string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("spikernn: invalid %s = %v: %s", e.Field, e.Value, e.Allowed)
}

// TauTrainable reports whether the decay constants are a trainable range
// (two values) rather than one fixed value.
func (c Config) TauTrainable() bool { return len(c.Taus) == 2 }

// TauRange returns the decay-constant range in steps; for a fixed value both
// ends are that value.
func (c Config) TauRange() (min, max float64) {
	if len(c.Taus) == 0 {
		return math.NaN(), math.NaN()
	}
	return c.Taus[0], c.Taus[len(c.Taus)-1]
}

// Validate checks every field and returns a *ConfigError naming the first
// invalid one, its value and what is allowed.
func (c Config) Validate() error {
	if _, err := LookupTask(c.Task); err != nil {
		return &ConfigError{"task", quoteOrEmpty(c.Task), "allowed: " + strings.Join(TaskNames(), ", ")}
	}
	if err := CheckN("N", c.N); err != nil {
		return err
	}
	if !(c.PInh >= 0 && c.PInh <= 1) {
		return &ConfigError{"P_inh", c.PInh, "must be a probability in [0, 1]"}
	}
	if !(c.PRec >= 0 && c.PRec <= 1) {
		return &ConfigError{"P_rec", c.PRec, "must be a probability in [0, 1]"}
	}
	if c.WeightDist == Gaussian && c.PRec == 0 {
		return &ConfigError{"P_rec", c.PRec, "must be above 0 for Gaussian weights (they are scaled by 1/sqrt(N*P_rec))"}
	}
	if math.IsNaN(c.Gain) || math.IsInf(c.Gain, 0) || c.Gain < 0 {
		return &ConfigError{"gain", c.Gain, "must be a finite number >= 0"}
	}
	if c.SomN < 0 || c.SomN > c.N {
		return &ConfigError{"som_N", c.SomN, fmt.Sprintf("must be between 0 and the inhibitory population (at most N = %d)", c.N)}
	}
	if c.SomN > 0 && !c.ApplyDale {
		return &ConfigError{"som_N", c.SomN, "must be 0 without Dale's principle (there are no inhibitory units)"}
	}
	if c.SomN > 0 && c.PInh == 0 {
		return &ConfigError{"som_N", c.SomN, "must be 0 when P_inh = 0 (there are no inhibitory units)"}
	}
	for _, err := range []error{c.WeightDist.Validate(), c.Activation.Validate(), c.LossFn.Validate()} {
		if err != nil {
			return err
		}
	}
	switch len(c.Taus) {
	case 1, 2:
	default:
		return &ConfigError{"decay_taus", c.Taus, "give one fixed value or a min and a max, in 5 ms steps"}
	}
	for _, t := range c.Taus {
		if math.IsNaN(t) || math.IsInf(t, 0) || t < 1 {
			return &ConfigError{"decay_taus", c.Taus, "each value must be a finite number of steps >= 1 (5 ms): shorter decay constants make the Euler update unstable"}
		}
	}
	if len(c.Taus) == 2 && c.Taus[0] > c.Taus[1] {
		return &ConfigError{"decay_taus", c.Taus, "min must not exceed max"}
	}
	return nil
}

func quoteOrEmpty(s string) string { return fmt.Sprintf("%q", s) }
