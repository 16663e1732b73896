// Package gomlxmodels trains spikernn's continuous rate RNNs (Kim, Li &
// Sejnowski, PNAS 2019; spec sections 1.2-1.4) with GoMLX.
//
// Train builds one GoMLX graph per network shape: the trial's T-1 time
// steps are unrolled (GoMLX's While has no gradient), the loss is the
// reference's L1 or L2 loss with its one-step offset, the gradients of w,
// w_out, b_out and (with a decay range) taus_gaus are computed by
// backpropagation through time, and Adam (TensorFlow 1's formulation,
// learning rate 0.01, betas 0.9/0.999, epsilon 1e-8) updates them, all in
// one graph execution per trial. Every 100 trials (after trials 1, 101,
// 201, ...) 100 fresh trials are evaluated in one batched forward pass, and
// training stops when the task's rule (task.Criterion) is met.
//
// Dynamics follow the reference exactly: noise N(0,1)/10 on every step and
// a random initial state N(0,1)/100, also during training; relu(w) with
// Dale's principle, with no gradient at exactly 0 so that pruned
// connections stay pruned; the SOM mask; sigmoid, clipped ReLU or softplus
// units; trainable or fixed decay constants.
//
// The backpropagation through time is written out as GoMLX operations (see
// netSpec.adjoint) rather than derived by GoMLX's reverse-mode autodiff of
// the unrolled graph: every step is then one matrix-vector product in the
// Go backend's fast layout plus a few element-wise operations, and the
// recurrent weight gradient is one matrix product over all time steps.
// TrainOptions.Autodiff selects GoMLX's autodiff instead (same gradients,
// several times slower); the tests check both against finite differences
// and an independent float64 implementation.
//
// Backends: GoMLX's pure-Go backend is compiled in and the default
// (DefaultBackend); XLA (-tags xla) and ONNX Runtime (-tags onnx) are
// opt-in, chosen with TrainOptions.Backend or $GOMLX_BACKEND. Build with
// GOEXPERIMENT=simd to enable the Go backend's AVX2/AVX-512 kernels (about
// twice as fast). The measured speeds are in the repository README's speed
// table (the one place timings live); README.md here explains how the graph
// is built and where the time goes.
package gomlxmodels
