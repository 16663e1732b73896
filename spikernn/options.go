package spikernn

import (
	"fmt"
	"slices"
	"strings"
)

// Activation names a rate unit's transfer function phi.
type Activation string

// The transfer functions of the reference (spec 1.2).
const (
	Sigmoid     Activation = "sigmoid"      // 1/(1+e^-x), the default; the one that maps well to spikes
	ClippedReLU Activation = "clipped_relu" // min(max(x, 0), 20)
	Softplus    Activation = "softplus"     // min(log(1+e^x), 20)
)

// LossFn names the training loss.
type LossFn string

// The losses of the reference (spec 1.3).
const (
	LossL1 LossFn = "l1" // sum |o - z|
	LossL2 LossFn = "l2" // sqrt(sum (o - z)^2), the default
)

// WeightDist names the distribution of the initial recurrent weights.
type WeightDist string

// The initial weight distributions of the reference (spec 1.1).
const (
	Gaussian WeightDist = "gaus"  // Normal(0,1)/sqrt(N*P_rec)*gain, the default
	GammaDis WeightDist = "gamma" // Gamma(shape 2, scale 0.003)
)

// Status is the outcome of a training run, as the model file records it
// (spikernn's training_status variable).
type Status string

// Training outcomes.
const (
	StatusTrained    Status = "trained"    // met the task's stopping rule
	StatusFailed     Status = "failed"     // ran all trials without meeting it
	StatusUnfinished Status = "unfinished" // interrupted; the state reached so far
	StatusUntrained  Status = "untrained"  // never trained (Network.Baseline)
)

// Activations returns the allowed activations, the default first.
func Activations() []Activation { return []Activation{Sigmoid, ClippedReLU, Softplus} }

// LossFns returns the allowed losses.
func LossFns() []LossFn { return []LossFn{LossL1, LossL2} }

// WeightDists returns the allowed initial weight distributions, the default first.
func WeightDists() []WeightDist { return []WeightDist{Gaussian, GammaDis} }

// Statuses returns the training outcomes.
func Statuses() []Status {
	return []Status{StatusTrained, StatusFailed, StatusUnfinished, StatusUntrained}
}

// String implements fmt.Stringer.
func (a Activation) String() string { return string(a) }

// String implements fmt.Stringer.
func (l LossFn) String() string { return string(l) }

// String implements fmt.Stringer.
func (w WeightDist) String() string { return string(w) }

// String implements fmt.Stringer.
func (s Status) String() string { return string(s) }

// Validate returns a *ConfigError (field "act") unless a is an allowed activation.
func (a Activation) Validate() error { return validOption("act", a, Activations()) }

// Validate returns a *ConfigError (field "loss_fn") unless l is an allowed loss.
func (l LossFn) Validate() error { return validOption("loss_fn", l, LossFns()) }

// Validate returns a *ConfigError (field "w_dist") unless w is an allowed distribution.
func (w WeightDist) Validate() error { return validOption("w_dist", w, WeightDists()) }

// Validate returns an error unless s is a known training outcome.
func (s Status) Validate() error { return validOption("training_status", s, Statuses()) }

// ParseActivation returns the activation named s (case-insensitive, spaces
// trimmed), or a *ConfigError for field "act".
func ParseActivation(s string) (Activation, error) { return parseOption("act", s, Activations()) }

// ParseLossFn returns the loss named s (case-insensitive), or a
// *ConfigError for field "loss_fn".
func ParseLossFn(s string) (LossFn, error) { return parseOption("loss_fn", s, LossFns()) }

// ParseWeightDist returns the distribution named s (case-insensitive), or a
// *ConfigError for field "w_dist".
func ParseWeightDist(s string) (WeightDist, error) { return parseOption("w_dist", s, WeightDists()) }

// ParseStatus returns the training outcome named s (case-insensitive).
func ParseStatus(s string) (Status, error) { return parseOption("training_status", s, Statuses()) }

func parseOption[T ~string](field, s string, allowed []T) (T, error) {
	v := T(strings.ToLower(strings.TrimSpace(s)))
	return v, validOption(field, v, allowed)
}

func validOption[T ~string](field string, v T, allowed []T) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return &ConfigError{Field: field, Value: fmt.Sprintf("%q", string(v)), Allowed: "allowed: " + strings.Join(names, ", ")}
}
