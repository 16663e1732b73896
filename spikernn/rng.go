package spikernn

import "math/rand/v2"

// streamMix is an odd 64-bit constant used to spread stream numbers.
const streamMix = 0x9e3779b97f4a7c15

// NewRand returns the random source spikernn uses everywhere: a PCG generator
// seeded with seed. Every random draw in spikernn flows from an explicit seed
// through this function, so the same seed gives the same result.
func NewRand(seed uint64) *rand.Rand {
	return SubRand(seed, 0)
}

// SubRand returns an independent generator for stream number stream of a seed.
// Parallel code gives each trial its own stream (its index), so results do not
// depend on the number of workers.
func SubRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, (stream+1)*streamMix))
}
