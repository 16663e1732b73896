//go:build onnx

package gomlxmodels

// The ONNX Runtime backend (github.com/gomlx/compute-onnx, experimental),
// compiled in with -tags onnx: GOMLX_BACKEND=onnx (GPU when nvidia-smi finds
// one, else CPU), onnx:cpu or onnx:cuda. It loads libonnxruntime.so at run
// time: point ONNXRUNTIME_SHARED_LIBRARY_PATH at it (for instance the copy
// in the npm package onnxruntime-node) and set GOMLX_NO_AUTO_INSTALL=1
// where nothing may be downloaded.

import (
	"fmt"
	"os/exec"

	onnx "github.com/gomlx/compute-onnx" // registers the "onnx" backend
)

func init() {
	accelerators = append(accelerators, onnxAccelerator)
}

// onnxAccelerator selects ONNX Runtime's CUDA execution provider when an
// NVIDIA GPU is visible (nvidia-smi runs).
func onnxAccelerator(gpu int, _ float64) (config, why string) {
	if !onnx.IsSupportedPlatform() {
		return "", "ONNX Runtime is compiled in but does not support this platform"
	}
	if err := exec.Command("nvidia-smi", "-L").Run(); err != nil {
		return "", "ONNX Runtime is compiled in but no NVIDIA GPU was found (nvidia-smi failed)"
	}
	if gpu != 0 {
		return "", fmt.Sprintf("ONNX Runtime's CUDA backend only uses GPU 0 (asked for %d)", gpu)
	}
	return "onnx:cuda", ""
}
