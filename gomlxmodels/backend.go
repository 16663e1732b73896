package gomlxmodels

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	// The pure-Go backend, always compiled in (no cgo).
	_ "github.com/gomlx/compute/gobackend"
)

// DefaultBackend is the backend configuration used when neither
// TrainOptions.Backend nor the GOMLX_BACKEND environment variable names one:
// GoMLX's pure-Go backend, executing the graph's operations one after
// another (faster than its parallel scheduler for the many small
// operations of an unrolled recurrent network).
const DefaultBackend = "go:ops_sequential"

// defaultEvalBackend evaluates (100 trials in one forward pass) with the
// Go backend's parallel scheduler, twice as fast there as the sequential
// one, which is faster for the training step at batch 1.
const defaultEvalBackend = "go"

// evalBackendFor returns the backend configuration of the evaluations of a
// run on the backend config: the same, except for the default.
func evalBackendFor(config string) string {
	if config == DefaultBackend {
		return defaultEvalBackend
	}
	return config
}

// BackendEnv is the environment variable GoMLX reads for the backend
// configuration ("go", "go:ops_sequential", "xla:cpu", "xla:cuda", "onnx",
// ...).
const BackendEnv = compute.ConfigEnvVar

var (
	backendsMu sync.Mutex
	backends   = map[string]compute.Backend{}
)

// ResolveBackend returns the backend configuration a run uses: config if
// not empty, else $GOMLX_BACKEND, else DefaultBackend.
func ResolveBackend(config string) string {
	if config != "" {
		return config
	}
	if env := strings.TrimSpace(os.Getenv(BackendEnv)); env != "" {
		return env
	}
	return DefaultBackend
}

// Backend returns the GoMLX backend for a configuration (see
// ResolveBackend; "" selects the default), creating it on first use and
// sharing it afterwards. The error for a backend that is not compiled in
// lists those that are and the build tags that add the others.
func Backend(config string) (compute.Backend, error) {
	config = ResolveBackend(config)
	backendsMu.Lock()
	defer backendsMu.Unlock()
	if be, ok := backends[config]; ok && !be.IsFinalized() {
		return be, nil
	}
	name, _, _ := strings.Cut(config, ":")
	if !isCompiledIn(name) {
		return nil, fmt.Errorf("gomlxmodels: backend %q is not compiled in (available: %s; build with -tags xla for XLA, -tags onnx for ONNX Runtime)",
			name, strings.Join(CompiledBackends(), ", "))
	}
	var be compute.Backend
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		be, err = compute.NewWithConfig(config)
	}()
	if err != nil {
		return nil, fmt.Errorf("gomlxmodels: starting backend %q: %w", config, err)
	}
	backends[config] = be
	return be, nil
}

// CompiledBackends lists the GoMLX backends compiled into this program:
// always "go"; "xla" with the build tag xla; "onnx" with the build tag onnx.
func CompiledBackends() []string {
	l := compute.List()
	sort.Strings(l)
	return l
}

func isCompiledIn(name string) bool {
	for _, n := range compute.List() {
		if n == name {
			return true
		}
	}
	return false
}

// accelerators lists, in order of preference, functions that return the
// configuration of an accelerated (GPU) backend that is compiled in and
// usable on this machine, or an explanation of why it is not. Build-tagged
// files (backend_xla.go, backend_onnx.go) add to it.
var accelerators []func(gpu int, memFraction float64) (config string, why string)

// AcceleratedBackend returns the configuration of a GPU backend for device
// gpu, preallocating memFraction of its memory where the backend supports it
// (0: its default), if one is compiled in and available. Otherwise it
// returns "" and a plain explanation.
func AcceleratedBackend(gpu int, memFraction float64) (config string, why string) {
	if len(accelerators) == 0 {
		return "", "no GPU backend is compiled in (build with -tags xla or -tags onnx)"
	}
	var reasons []string
	for _, f := range accelerators {
		c, why := f(gpu, memFraction)
		if c != "" {
			return c, ""
		}
		reasons = append(reasons, why)
	}
	return "", strings.Join(reasons, "; ")
}

// BuildNote says, for a long command to print once at its start, what the
// build costs: on amd64 without GOEXPERIMENT=simd the pure-Go backend's
// vector kernels are off and training runs about half as fast. It is empty
// when there is nothing to say (a simd build, another backend, another
// architecture).
func BuildNote(backend string) string {
	if simdBuild || runtime.GOARCH != "amd64" || !strings.HasPrefix(ResolveBackend(backend), "go") {
		return ""
	}
	return "built without GOEXPERIMENT=simd: training on the pure-Go backend runs about half as fast (see the README's speed table; GOEXPERIMENT=simd go build ./cmd/spikernn)"
}
