package main

import (
	"bytes"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// kernelSpec is a Jupyter kernel.json; see
// https://jupyter-client.readthedocs.io/en/latest/kernels.html#kernel-specs.
// Unknown fields are kept in Extra so that rewriting a spec loses nothing.
type kernelSpec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode,omitempty"`
	Env           map[string]string `json:"env,omitempty"`
	Metadata      json.RawMessage   `json:"metadata,omitempty"`
}

// readKernelSpec parses dir/kernel.json.
func readKernelSpec(dir string) (*kernelSpec, error) {
	path := filepath.Join(dir, "kernel.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading kernelspec: %w", err)
	}
	var ks kernelSpec
	if err := json.Unmarshal(data, &ks); err != nil {
		return nil, fmt.Errorf("parsing kernelspec %s: %w", path, err)
	}
	return &ks, nil
}

// encode renders the spec as indented JSON with a final newline.
func (ks *kernelSpec) encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ks); err != nil {
		return nil, fmt.Errorf("encoding kernelspec: %w", err)
	}
	return buf.Bytes(), nil
}

// findKernelSpec returns the folder of the kernelspec called name, searched
// the way Jupyter does (see kernelSearchDirs), or "" if there is none.
func findKernelSpec(name, flagDataDir string) string {
	for _, d := range kernelSearchDirs(flagDataDir) {
		dir := filepath.Join(d, "kernels", name)
		if _, err := os.Stat(filepath.Join(dir, "kernel.json")); err == nil {
			return dir
		}
	}
	return ""
}

// kernelEnv is the "env" stanza install writes. simd adds GOEXPERIMENT=simd.
// GOFLAGS=-ldflags=-s links each cell's program without the symbol table
// and debug information (stack traces keep their function names and
// lines): GoNB builds a program per cell, and this cuts the link of one
// that imports spikernn from about 1.35 to 1.1 s.
// PATH lists GOBIN, the folders of tools found elsewhere, GOROOT/bin and
// then ${PATH}, which Jupyter (jupyter_client 7 and later) replaces with the
// server's own PATH when it starts the kernel.
func kernelEnv(g *goInfo, repo string, simd bool, toolDirs ...string) map[string]string {
	env := map[string]string{
		"GOMLX_BACKEND": "go",
		"SPIKERNN_ROOT": repo,
		"GOFLAGS":       "-ldflags=-s",
	}
	var path []string
	dirs := append(append([]string{g.GOBIN}, toolDirs...), filepath.Join(g.GOROOT, "bin"))
	for _, d := range dirs {
		if d != "" && !slices.Contains(path, d) {
			path = append(path, d)
		}
	}
	path = append(path, "${PATH}")
	env["PATH"] = strings.Join(path, string(os.PathListSeparator))
	if simd {
		env["GOEXPERIMENT"] = "simd"
	}
	return env
}

// binaryModule reports the main module path and version recorded in a Go
// binary, e.g. ("github.com/janpfeifer/gonb", "v0.11.4").
func binaryModule(path string) (mod, version, goVersion string, err error) {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return "", "", "", fmt.Errorf("reading build info of %s: %w", path, err)
	}
	return info.Main.Path, info.Main.Version, info.GoVersion, nil
}

// toolStatus describes one of the binaries GoNB needs.
type toolStatus struct {
	Name      string // gonb, goimports, gopls
	Path      string // where it was found, "" if missing
	Module    string // main module recorded in the binary
	Version   string // its version
	GoVersion string // the Go version it was built with
	Want      string // the module@version install would build
	OK        bool   // found, and the version matches (or cannot be told)
}

// wantTools lists the binaries to install, with the module each one's
// build info names as its main module.
var wantTools = []struct{ name, module, version string }{
	{"gonb", gonbModule, gonbVersion},
	{"goimports", "golang.org/x/tools", ""}, // version follows gopls's x/tools
	{"gopls", goplsModule, goplsVersion},
}

// inspectTool looks for name in gobin and then, when searchPath is set, on
// PATH, and reads its version from the binary's build info.
func inspectTool(name, gobin, module, version string, searchPath bool) toolStatus {
	st := toolStatus{Name: name, Want: module}
	if version != "" {
		st.Want += "@" + version
	}
	if gobin != "" {
		c := filepath.Join(gobin, exeName(name))
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			st.Path = c
		}
	}
	if st.Path == "" && searchPath {
		if p, err := exec.LookPath(name); err == nil {
			st.Path = p
		}
	}
	if st.Path == "" {
		return st
	}
	mod, ver, gover, err := binaryModule(st.Path)
	if err != nil {
		// A binary without build info (e.g. built by hand): accept it.
		st.OK = true
		return st
	}
	st.Module, st.Version, st.GoVersion = mod, ver, gover
	st.OK = version == "" || ver == version || ver == "(devel)"
	return st
}
