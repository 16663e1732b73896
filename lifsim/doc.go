// Package lifsim is spikernn's spiking side: a fast native simulator of the
// leaky (or quadratic) integrate-and-fire network that a trained rate RNN
// maps onto one-to-one (Kim, Li & Sejnowski, PNAS 2019; spec sections 4 and
// 5), and the grid search that picks the scaling factor.
//
// FromRate turns a spikernn.Network and a scaling factor s (the paper's
// lambda = 1/s) into a Network: recurrent weights W = w_eff/s stored by
// presynaptic unit, readout w_out/s, synaptic decay constants from the
// trained taus. Network.Run simulates one trial of any input at the
// reference's 0.05 ms step (with every option of the reference: LIF or QIF
// units, double or single exponential synapses, refractory period, membrane
// constant, reset and peak voltages, bias, downsampling, optogenetic-style
// perturbations, initial instead of trained weights) and returns the output
// trace, the spikes, firing rates and, on request, voltage, filtered-rate and
// current recordings. Simulate does both in one call.
//
// GridSearch scores a task's spiking trials over a grid of scaling factors
// (20:5:75 and 100 trials per factor by default), spreading trials over all
// cores, deterministically for a seed whatever the number of workers.
// SearchFile does it for a model file and records opt_scaling_factor,
// all_perfs and scaling_factors in it.
//
// # Speed
//
// The cost of one step is linear in N plus the spiking units' synapses:
// W is stored by presynaptic unit (as sparse columns when at most half of
// it is nonzero), so a spike adds one column to the synaptic input. The
// common case (LIF units, double-exponential synapses, no recordings) runs
// a fused kernel that passes over the units once per step; the membrane
// noise, one N(0,1) draw per unit and step, comes from a ziggurat over a
// wyrand generator (FastNoise) and takes most of the time. Built with
// GOEXPERIMENT=simd on amd64 the fused loop uses AVX-512 or AVX2. The
// measured times are in the repository README's speed table, the one place
// timings live (BenchmarkTrial, BenchmarkTrialTrained,
// BenchmarkGridSearchTrained; scripts/bench/speed.sh runs them with the
// Brian2 port beside them and regenerates the table).
//
// A batched kernel (batch.go) simulates eight independent trials of one
// network at once, one per vector lane, with the state laid out
// [unit][lane] and each trial's own noise stream; every lane is bit for bit
// the single-trial kernel's trial (TestBatchMatchesSingle,
// TestBatchedEqualsSingle), so batching changes no result, whatever the
// number of workers. With GOEXPERIMENT=simd on AVX-512 its update is about
// four times cheaper than the single-trial kernel's (BenchmarkBatchNoNoise),
// but measured whole (BenchmarkBatch, BenchmarkGridSearchTrained) it is no
// faster than one trial at a time, so Evaluate and GridSearch do not use it
// (useBatch); a cheaper normal generator would make it pay.
//
// The normal draws stay scalar and take most of a trial. They
// could not be vectorised with the same stream at a profit (an
// AVX-512 version, bit-identical, is in the repository history, commit
// 3068768): wyrand needs the high half of a 64x64-bit product, which
// AVX-512 only has as four 32x32-bit products and a dozen adds and shifts
// for eight draws, against one MULX per draw in scalar code, and the
// ziggurat's 256-entry tables of 64-bit scales need gathers, which
// simd/archsimd does not offer: looked up with two-source permutes (32
// entries each) and blends they cost about 30 vector instructions per 16
// candidates, and the tables do not fit the fifteen vector registers Go
// allocates. Measured in the same run it was 10% slower than the scalar
// draws for one stream and no faster for eight.
//
// # Correctness
//
// Every random draw goes through the Noise interface, so the simulator can
// be fed any stream; the package's tests run a literal transcription of
// spec 4 on the same stream and check that both produce the same spikes and
// the same traces to float rounding.
package lifsim
