package spikernn

import "math"

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// ActivationFunc returns the transfer function phi named by act: "sigmoid",
// "clipped_relu" (relu clipped at 20) or "softplus" (log(1+e^x) clipped at 20).
func ActivationFunc(act Activation) (func(float64) float64, error) {
	switch act {
	case Sigmoid:
		return sigmoid, nil
	case ClippedReLU:
		return func(x float64) float64 { return min(max(x, 0), 20) }, nil
	case Softplus:
		return func(x float64) float64 {
			// log1p(exp(x)) overflows for large x, where it equals x.
			var y float64
			if x > 30 {
				y = x
			} else {
				y = math.Log1p(math.Exp(x))
			}
			return min(max(y, 0), 20)
		}, nil
	}
	return nil, act.Validate()
}
