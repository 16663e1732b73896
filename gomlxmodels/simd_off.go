//go:build !goexperiment.simd

package gomlxmodels

// simdBuild: built without GOEXPERIMENT=simd (see netSpec.clean).
const simdBuild = false
