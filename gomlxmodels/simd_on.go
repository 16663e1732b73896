//go:build goexperiment.simd

package gomlxmodels

// simdBuild: built with GOEXPERIMENT=simd, so the Go backend's AVX2/AVX-512
// kernels are in use (see netSpec.clean).
const simdBuild = true
