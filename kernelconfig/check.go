package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// checkOptions are the flags of "check".
type checkOptions struct {
	kernelName     string
	jupyterDataDir string
	repo           string
	gobin          string
}

func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o checkOptions
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.kernelName, "kernel-name", defaultKernel, "name of the kernelspec to check")
	fs.StringVar(&o.jupyterDataDir, "jupyter-data-dir", "", "also look for the kernelspec in this Jupyter data directory (as given to install)")
	fs.StringVar(&o.repo, "repo", "", "repository root (default: found from the working directory)")
	fs.StringVar(&o.gobin, "gobin", "", "where gonb, goimports and gopls should be (default: GOBIN, else $(go env GOPATH)/bin)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./kernelconfig check [flags]\n\nReports what the notebooks need and how to fix what is missing.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	c := &checker{out: stdout}
	check(ctx, c, o)
	if c.missing > 0 {
		fmt.Fprintf(stdout, "\n%d required item(s) missing: fix them as shown, or run: go run ./kernelconfig install\n", c.missing)
		return errSilent
	}
	fmt.Fprintln(stdout, "\nall set: go run ./kernelconfig test   # executes notebooks/ headless")
	return nil
}

// checker prints the result lines of "check".
type checker struct {
	out     io.Writer
	missing int
}

func (c *checker) ok(item, format string, a ...any) {
	fmt.Fprintf(c.out, "  ok       %-11s %s\n", item, fmt.Sprintf(format, a...))
}

func (c *checker) warn(item, format string, a ...any) {
	fmt.Fprintf(c.out, "  warning  %-11s %s\n", item, fmt.Sprintf(format, a...))
}

func (c *checker) info(item, format string, a ...any) {
	fmt.Fprintf(c.out, "  info     %-11s %s\n", item, fmt.Sprintf(format, a...))
}

// miss reports a required item as missing, with how to fix it.
func (c *checker) miss(item, what, fix string) {
	c.missing++
	fmt.Fprintf(c.out, "  MISSING  %-11s %s\n", item, what)
	for line := range strings.SplitSeq(fix, "\n") {
		fmt.Fprintf(c.out, "           %-11s fix: %s\n", "", line)
	}
}

// check runs every check in order; it never stops early.
func check(ctx context.Context, c *checker, o checkOptions) {
	fmt.Fprintf(c.out, "spikernn notebook set-up on %s/%s (package managers: %s)\n\n",
		runtime.GOOS, runtime.GOARCH, strings.Join(packageManagers(), ", "))
	if runtime.GOOS == "windows" {
		c.miss("platform", "GoNB runs on Linux and macOS only",
			"use WSL2 (wsl --install -d Ubuntu; then, inside it, go run ./kernelconfig install)\nor Docker: docker compose up (see docker-compose.yml)")
	}

	// Go.
	var g *goInfo
	repo, repoErr := findRepo(o.repo)
	if gi, err := findGo(ctx); err != nil {
		c.miss("go", err.Error(), goInstructions())
	} else {
		g = gi
		if o.gobin != "" {
			if abs, err := filepath.Abs(o.gobin); err == nil {
				g.GOBIN = abs
			}
		}
		want := ""
		if repoErr == nil {
			want = goDirective(filepath.Join(repo, "go.mod"))
		}
		if want != "" && versionLess(g.Version, "go"+want) {
			c.warn("go", "%s at %s, but go.mod asks for go %s: GOTOOLCHAIN=auto downloads it; with GOTOOLCHAIN=local builds fail", g.Version, g.Path, want)
		} else {
			c.ok("go", "%s at %s", g.Version, g.Path)
		}
	}

	// Repository.
	if repoErr != nil {
		c.miss("repository", repoErr.Error(), "run from the spikernn checkout, or pass --repo DIR")
	} else {
		c.ok("repository", "%s", repo)
	}

	// Jupyter and nbconvert.
	if jup, err := findJupyter(); err != nil {
		c.miss("jupyter", err.Error(), jupyterInstructions(false))
	} else if v, err := commandVersion(ctx, jup, "nbconvert", "--version"); err != nil {
		c.miss("nbconvert", fmt.Sprintf("%s nbconvert --version: %v", jup, err), jupyterInstructions(false))
	} else {
		c.ok("nbconvert", "%s nbconvert %s", jup, v)
		server := ""
		for _, sub := range []string{"lab", "notebook"} {
			if v, err := commandVersion(ctx, jup, sub, "--version"); err == nil {
				server = fmt.Sprintf("jupyter %s %s", sub, v)
				break
			}
		}
		if server == "" {
			c.info("server", "no Jupyter server (only needed to edit notebooks in a browser): %s", serverInstructions())
		} else {
			c.ok("server", "%s", server)
		}
	}

	// GoNB and its tools.
	gobin := ""
	if g != nil {
		gobin = g.GOBIN
	}
	var tools = map[string]toolStatus{}
	for _, t := range wantTools {
		st := inspectTool(t.name, gobin, t.module, t.version, o.gobin == "")
		tools[t.name] = st
		optional := t.name == "gopls"
		switch {
		case st.Path == "" && optional:
			c.warn(t.name, "not found (needed only for completion and hover in JupyterLab): go run ./kernelconfig install")
		case st.Path == "":
			c.miss(t.name, "not found in "+orUnknown(gobin)+ifStr(o.gobin == "", " or on PATH"), "go run ./kernelconfig install")
		case !st.OK && optional:
			c.warn(t.name, "%s %s at %s, want %s", st.Module, st.Version, st.Path, st.Want)
		case !st.OK:
			c.miss(t.name, fmt.Sprintf("%s %s at %s, want %s", st.Module, st.Version, st.Path, st.Want), "go run ./kernelconfig install")
		default:
			c.ok(t.name, "%s %s at %s", orUnknown(st.Version), builtWith(st.GoVersion), st.Path)
		}
	}

	// Kernelspec.
	dir := findKernelSpec(o.kernelName, o.jupyterDataDir)
	if dir == "" {
		where := strings.Join(kernelSearchDirs(o.jupyterDataDir), ", ")
		c.miss("kernelspec", fmt.Sprintf("no kernels/%s/kernel.json under %s", o.kernelName, where), installFix(o))
		return
	}
	spec, err := readKernelSpec(dir)
	if err != nil {
		c.miss("kernelspec", err.Error(), installFix(o))
		return
	}
	c.ok("kernelspec", "%s", filepath.Join(dir, "kernel.json"))
	checkSpec(c, o, spec, repo, tools)
}

// checkSpec checks the kernelspec's command line and env.
func checkSpec(c *checker, o checkOptions, spec *kernelSpec, repo string, tools map[string]toolStatus) {
	fix := installFix(o)
	if len(spec.Argv) == 0 {
		c.miss("argv", "kernel.json has no argv", fix)
		return
	}
	bin := spec.Argv[0]
	if st := inspectTool(filepath.Base(bin), filepath.Dir(bin), gonbModule, gonbVersion, false); st.Path != bin || !st.OK {
		c.miss("argv", fmt.Sprintf("kernel command %s is missing or not gonb %s (%s %s)", bin, gonbVersion, st.Module, st.Version), fix)
	} else {
		c.ok("argv", "%s", strings.Join(spec.Argv, " "))
	}
	if !slices.ContainsFunc(spec.Argv, func(a string) bool {
		return strings.HasPrefix(strings.TrimLeft(a, "-"), "raw_error") && !strings.HasSuffix(a, "=false")
	}) {
		c.warn("argv", "no --raw_error: compile errors come as HTML, which 'test' reads less well (%s)", fix)
	}

	env := spec.Env
	// PATH: goimports must be reachable for the kernel.
	path := env["PATH"]
	if path == "" {
		path = "${PATH}"
	}
	found := false
	for _, d := range filepath.SplitList(path) {
		if d == "${PATH}" || d == "$PATH" {
			if _, err := exec.LookPath("goimports"); err == nil {
				found = true
			}
			continue
		}
		if _, err := os.Stat(filepath.Join(d, exeName("goimports"))); err == nil {
			found = true
		}
	}
	if !found {
		c.miss("env PATH", fmt.Sprintf("goimports is not in the kernel's PATH %q", path), fix)
	} else {
		c.ok("env PATH", "%s", path)
	}
	if v := env["GOMLX_BACKEND"]; v != "go" {
		c.warn("env", "GOMLX_BACKEND=%q: the notebooks expect the pure Go backend (go) (%s)", v, fix)
	} else {
		c.ok("env", "GOMLX_BACKEND=go")
	}
	if v := env["GOEXPERIMENT"]; v != "" {
		c.ok("env", "GOEXPERIMENT=%s", v)
	} else {
		c.info("env", "no GOEXPERIMENT=simd: GoMLX's pure Go backend runs slower without it")
	}
	root := env["SPIKERNN_ROOT"]
	switch {
	case root == "":
		c.miss("env", "no SPIKERNN_ROOT: notebooks then use the notebook folder's parent", fix)
	case modulePath(filepath.Join(root, "go.mod")) != repoModule:
		c.miss("env", fmt.Sprintf("SPIKERNN_ROOT=%s has no go.mod for %s", root, repoModule), fix)
	case repo != "" && filepath.Clean(root) != filepath.Clean(repo):
		c.warn("env", "SPIKERNN_ROOT=%s, but this checkout is %s: notebooks will build against the other one (%s)", root, repo, fix)
	default:
		c.ok("env", "SPIKERNN_ROOT=%s", root)
	}
	for _, k := range sortedKeys(env) {
		switch k {
		case "PATH", "GOMLX_BACKEND", "GOEXPERIMENT", "SPIKERNN_ROOT", "GOFLAGS":
		default:
			c.info("env", "%s=%s", k, env[k])
		}
	}
}

// installFix is the install command matching check's flags.
func installFix(o checkOptions) string {
	s := "go run ./kernelconfig install"
	if o.kernelName != defaultKernel {
		s += " --kernel-name " + shellQuote(o.kernelName)
	}
	if o.jupyterDataDir != "" {
		s += " --jupyter-data-dir " + shellQuote(o.jupyterDataDir)
	}
	return s
}

func builtWith(goVersion string) string {
	if goVersion == "" {
		return ""
	}
	return "(built with " + goVersion + ")"
}

// commandVersion runs a --version command and returns its first line.
func commandVersion(ctx context.Context, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return "", exitDetail(err)
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line, nil
}

// packageManagers lists the package managers found on PATH.
func packageManagers() []string {
	var pms []string
	for _, pm := range []string{"apt-get", "dnf", "brew", "pip3", "pip", "py", "winget"} {
		if hasCommand(pm) {
			pms = append(pms, pm)
		}
	}
	if len(pms) == 0 {
		return []string{"none found"}
	}
	return pms
}

// goInstructions says how to get Go on this platform.
func goInstructions() string {
	switch {
	case runtime.GOOS == "darwin" && hasCommand("brew"):
		return "brew install go   (or https://go.dev/dl/), then make sure go is on PATH"
	case runtime.GOOS == "windows":
		return "install Go from https://go.dev/dl/ inside WSL2 (GoNB needs Linux or macOS)"
	default:
		return "install Go " + wantGo("") + " from https://go.dev/dl/ (tar -C /usr/local -xzf go*.tar.gz) and add /usr/local/go/bin to PATH"
	}
}

// jupyterInstructions says how to get Jupyter with nbconvert (and a server)
// on this platform.
func jupyterInstructions(server bool) string {
	switch {
	case runtime.GOOS == "windows":
		return "GoNB needs Linux or macOS: use WSL2 (wsl --install -d Ubuntu, then go run ./kernelconfig install inside it) or docker compose up"
	case hasCommand("apt-get"):
		pkgs := strings.Join(jupyterPackages, " ")
		if server {
			pkgs += " jupyter-notebook"
		}
		cmd := "apt-get install -y --no-install-recommends " + pkgs
		if !isRoot() {
			cmd = "sudo " + cmd
		}
		return "go run ./kernelconfig install" + ifStr(server, " --server") + "\nor: " + cmd
	case runtime.GOOS == "darwin" && hasCommand("brew"):
		return "brew install jupyterlab   (it includes nbconvert)"
	case hasCommand("dnf"):
		return "sudo dnf install python3-nbconvert python3-nbclient python3-ipykernel" + ifStr(server, " python3-notebook")
	case hasCommand("pip3") || hasCommand("pip"):
		return "python3 -m pip install --user nbconvert nbclient ipykernel" + ifStr(server, " jupyterlab") + "   (then make sure ~/.local/bin is on PATH)"
	default:
		return "install Jupyter (https://jupyter.org/install), e.g. python3 -m pip install --user jupyterlab"
	}
}

// serverInstructions says how to get a Jupyter server on this platform.
func serverInstructions() string {
	switch {
	case hasCommand("apt-get"):
		return "go run ./kernelconfig install --server"
	case runtime.GOOS == "darwin" && hasCommand("brew"):
		return "brew install jupyterlab"
	case runtime.GOOS == "windows":
		return "docker compose up, or WSL2"
	default:
		return "python3 -m pip install --user jupyterlab"
	}
}

// ifStr returns s when cond holds, else "".
func ifStr(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}
