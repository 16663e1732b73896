//go:build xla

package gomlxmodels

// The XLA backend (github.com/gomlx/go-xla), compiled in with -tags xla. It
// needs cgo and a PJRT plugin: "cpu" (GOMLX_BACKEND=xla:cpu) or "cuda" for
// NVIDIA GPUs. go-xla downloads missing plugins on first use unless
// GOMLX_NO_AUTO_INSTALL is set; see its documentation.

import (
	"fmt"
	"sort"
	"strings"

	_ "github.com/gomlx/go-xla/compute/xla" // registers the "xla" backend
	"github.com/gomlx/go-xla/pjrt"
)

func init() {
	accelerators = append(accelerators, xlaAccelerator)
}

// xlaAccelerator selects XLA's CUDA plugin if it is installed. It only looks
// for installed plugins: probing never downloads one. TF32 is turned off so
// that float32 products keep the reference's precision.
func xlaAccelerator(gpu int, memFraction float64) (config, why string) {
	plugins := pjrt.AvailablePlugins()
	if _, ok := plugins["cuda"]; !ok {
		names := make([]string, 0, len(plugins))
		for n := range plugins {
			names = append(names, n)
		}
		sort.Strings(names)
		return "", fmt.Sprintf("XLA is compiled in but its CUDA PJRT plugin is not installed (installed plugins: [%s])", strings.Join(names, " "))
	}
	config = fmt.Sprintf("xla:cuda,tf32=false,visible_devices=%d", gpu)
	if memFraction > 0 {
		config += fmt.Sprintf(",preallocate=true,memory_fraction=%g", memFraction)
	}
	return config, ""
}
