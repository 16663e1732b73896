package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// jupyterPackages are the Debian/Ubuntu packages for headless execution:
// nbconvert (jupyter nbconvert --execute, --to html), nbclient, ipykernel and
// jupyter-client (jupyter kernelspec).
var jupyterPackages = []string{"jupyter-nbconvert", "python3-nbclient", "python3-ipykernel", "jupyter-client"}

// installOptions are the flags of "install".
type installOptions struct {
	server         bool
	dryRun         bool
	kernelName     string
	jupyterDataDir string
	repo           string
	gobin          string
	toolsDir       string
	simd           string // auto, on, off
	noJupyter      bool
}

func cmdInstall(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o installOptions
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.server, "server", false, "also install a Jupyter server (jupyterlab where the distribution has it, else jupyter-notebook; about 150 packages)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print what would be done and change nothing")
	fs.StringVar(&o.kernelName, "kernel-name", defaultKernel, "name of the kernelspec to write (kernels/NAME/kernel.json)")
	fs.StringVar(&o.jupyterDataDir, "jupyter-data-dir", "", "write the kernelspec under this Jupyter data directory instead of the user's (for CI: then run 'test' with the same flag)")
	fs.StringVar(&o.repo, "repo", "", "repository root (default: found from the working directory)")
	fs.StringVar(&o.gobin, "gobin", "", "where to put gonb, goimports and gopls (default: GOBIN, else $(go env GOPATH)/bin)")
	fs.StringVar(&o.toolsDir, "tools-dir", "", "the Go module that pins the tools (default: the user cache directory's spikernn/gonb-tools)")
	fs.StringVar(&o.simd, "simd", "auto", "set GOEXPERIMENT=simd in the kernel: auto (if the repository builds with it), on, off")
	fs.BoolVar(&o.noJupyter, "no-jupyter", false, "skip the Jupyter packages (when Jupyter comes from elsewhere)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./kernelconfig install [flags]\n\nInstalls Jupyter (apt), GoNB "+gonbVersion+", goimports, gopls "+goplsVersion+" and the GoNB kernelspec.\n\nflags:")
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
	switch o.simd {
	case "auto", "on", "off":
	default:
		return fmt.Errorf("--simd=%q: want auto, on or off", o.simd)
	}
	return install(ctx, o, stdout)
}

// install performs the steps of "install" in order. Steps that fail are
// reported and later steps still run when they can; the error says how many
// needed attention.
func install(ctx context.Context, o installOptions, out io.Writer) error {
	start := time.Now()
	r := &runner{ctx: ctx, out: out, dryRun: o.dryRun}
	if o.dryRun {
		fmt.Fprintln(out, "dry run: nothing will be changed")
	}

	r.step("Go toolchain")
	g, err := findGo(ctx)
	if err != nil {
		r.problem("%v", err)
		r.note("install Go %s or later from https://go.dev/dl/ and put its bin folder on PATH", wantGo(o.repo))
		return fmt.Errorf("go toolchain: %w", err)
	}
	if o.gobin != "" {
		abs, err := filepath.Abs(o.gobin)
		if err != nil {
			return fmt.Errorf("--gobin %q: %w", o.gobin, err)
		}
		g.GOBIN = abs
	}
	r.skip("%s at %s (tools go to %s)", g.Version, g.Path, g.GOBIN)
	if g.GOBIN == "" {
		return errors.New("cannot tell where to install binaries: set GOBIN or GOPATH, or pass --gobin")
	}
	if runtime.GOOS == "windows" {
		r.problem("GoNB runs on Linux and macOS only")
		r.note("use WSL2 (wsl --install -d Ubuntu; then run go run ./kernelconfig install inside it), or docker compose up (docker-compose.yml)")
		return errors.New("GoNB does not run on Windows")
	}
	repo, err := findRepo(o.repo)
	if err != nil {
		r.problem("%v", err)
		return fmt.Errorf("repository: %w", err)
	}
	r.note("repository: %s", repo)
	if want := goDirective(filepath.Join(repo, "go.mod")); want != "" && versionLess(g.Version, "go"+want) {
		r.note("warning: go.mod asks for go %s; with GOTOOLCHAIN=local builds will fail (GOTOOLCHAIN=auto downloads it)", want)
	}

	if o.noJupyter {
		r.step("Jupyter")
		r.skip("--no-jupyter")
	} else {
		installJupyter(r, o)
	}

	gonbPath, toolDirs := installTools(r, o, g)

	installKernelSpec(r, o, g, repo, gonbPath, toolDirs)

	fmt.Fprintf(out, "\n%d %s, %d skipped as already present, %d problem(s) (%.1fs)\n",
		r.done, ifStr(o.dryRun, "to do")+ifStr(!o.dryRun, "done"), r.skipped, r.problems, time.Since(start).Seconds())
	if r.problems > 0 {
		return fmt.Errorf("%d problem(s), see above", r.problems)
	}
	if !o.dryRun {
		fmt.Fprintln(out, "\nnext:")
		fmt.Fprintln(out, "  go run ./kernelconfig check")
		testCmd := "  go run ./kernelconfig test"
		if o.jupyterDataDir != "" {
			testCmd += " --jupyter-data-dir " + shellQuote(o.jupyterDataDir)
		}
		if o.kernelName != defaultKernel {
			testCmd += " --kernel-name " + shellQuote(o.kernelName)
		}
		fmt.Fprintln(out, testCmd+"        # execute notebooks/ headless")
		if o.server {
			fmt.Fprintln(out, "  cd notebooks && jupyter lab   # or 'jupyter notebook' where the distribution has no jupyterlab")
		}
	}
	return nil
}

// wantGo is the Go version the repository's go.mod asks for, for messages.
func wantGo(repoFlag string) string {
	repo, err := findRepo(repoFlag)
	if err != nil {
		return "1.26"
	}
	if v := goDirective(filepath.Join(repo, "go.mod")); v != "" {
		return v
	}
	return "1.26"
}

// installJupyter installs the distribution's Jupyter packages with apt, or
// says what to install elsewhere.
func installJupyter(r *runner, o installOptions) {
	r.step("Jupyter (nbconvert for headless execution)")
	if !hasCommand("apt-get") || !hasCommand("dpkg-query") {
		if jup, err := findJupyter(); err == nil && jupyterHas(r.ctx, jup, "nbconvert") {
			r.skip("no apt here; using %s, which has nbconvert", jup)
			if o.server && !jupyterHas(r.ctx, jup, "lab") && !jupyterHas(r.ctx, jup, "notebook") {
				r.problem("no Jupyter server: %s", serverInstructions())
			}
			return
		}
		r.problem("no apt-get here and no jupyter with nbconvert found: %s", jupyterInstructions(o.server))
		return
	}
	pkgs := slices.Clone(jupyterPackages)
	if o.server {
		if aptHasCandidate(r.ctx, "jupyterlab") {
			pkgs = append(pkgs, "jupyterlab")
		} else {
			r.note("the distribution has no jupyterlab package: using jupyter-notebook (start it with 'jupyter notebook')")
			pkgs = append(pkgs, "jupyter-notebook")
		}
	}
	missing := dpkgMissing(r.ctx, pkgs)
	if len(missing) == 0 {
		r.skip("%s already installed", strings.Join(pkgs, " "))
		return
	}
	r.note("missing: %s", strings.Join(missing, " "))
	update := []string{"apt-get", "update"}
	inst := append([]string{"apt-get", "install", "-y", "--no-install-recommends"}, missing...)
	env := []string{"DEBIAN_FRONTEND=noninteractive"}
	switch {
	case isRoot():
	case hasCommand("sudo"):
		update = append([]string{"sudo"}, update...)
		inst = append([]string{"sudo", "env", "DEBIAN_FRONTEND=noninteractive"}, inst...)
		env = nil
	default:
		r.problem("not root and no sudo: as root, run\n      apt-get update && DEBIAN_FRONTEND=noninteractive %s", strings.Join(inst, " "))
		return
	}
	if err := r.run("", env, update[0], update[1:]...); err != nil {
		r.problem("%v", err)
		return
	}
	if err := r.run("", env, inst[0], inst[1:]...); err != nil {
		r.problem("%v", err)
		return
	}
	r.did("apt-get install %s", strings.Join(missing, " "))
}

// dpkgMissing returns the packages dpkg does not list as installed.
func dpkgMissing(ctx context.Context, pkgs []string) []string {
	var missing []string
	for _, p := range pkgs {
		out, err := exec.CommandContext(ctx, "dpkg-query", "-W", "-f=${Status}", p).Output()
		if err != nil || !strings.Contains(string(out), "install ok installed") {
			missing = append(missing, p)
		}
	}
	return missing
}

// aptHasCandidate reports whether apt can install pkg.
func aptHasCandidate(ctx context.Context, pkg string) bool {
	out, err := exec.CommandContext(ctx, "apt-cache", "policy", pkg).Output()
	if err != nil {
		return false
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Candidate:"); ok {
			v = strings.TrimSpace(v)
			return v != "" && v != "(none)"
		}
	}
	return false
}

// jupyterHas reports whether "jupyter SUB --version" works.
func jupyterHas(ctx context.Context, jupyter, sub string) bool {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, jupyter, sub, "--version").Run() == nil
}

// installTools builds gonb, goimports and gopls into GOBIN through a tools
// module, unless they are there at the right versions. It returns the path
// of the gonb binary to put in the kernelspec.
func installTools(r *runner, o installOptions, g *goInfo) (gonbPath string, toolDirs []string) {
	r.step(fmt.Sprintf("GoNB %s, goimports and gopls %s (into %s)", gonbVersion, goplsVersion, g.GOBIN))
	gonbPath = filepath.Join(g.GOBIN, exeName("gonb"))
	var stale []string
	// With an explicit --gobin the tools must be there; otherwise the right
	// versions anywhere on PATH will do.
	for _, t := range wantTools {
		st := inspectTool(t.name, g.GOBIN, t.module, t.version, o.gobin == "")
		switch {
		case st.Path == "":
			stale = append(stale, t.name+" (missing)")
		case !st.OK:
			stale = append(stale, fmt.Sprintf("%s (%s %s at %s)", t.name, st.Module, st.Version, st.Path))
		case filepath.Dir(st.Path) != g.GOBIN && t.name == "gonb":
			// Another gonb at the right version: keep using it.
			gonbPath = st.Path
		}
		if st.OK {
			r.skip("%s %s at %s", t.name, orUnknown(st.Version), st.Path)
			toolDirs = append(toolDirs, filepath.Dir(st.Path))
		}
	}
	if len(stale) == 0 {
		return gonbPath, toolDirs
	}
	r.note("to build: %s", strings.Join(stale, ", "))
	dir := o.toolsDir
	if dir == "" {
		var err error
		if dir, err = toolsDir(); err != nil {
			r.problem("%v", err)
			return gonbPath, toolDirs
		}
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	env := []string{"GOWORK=off"}
	if !r.dryRun {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			r.problem("creating the tools module folder: %v", err)
			return gonbPath, toolDirs
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		if err := r.run(dir, env, g.Path, "mod", "init", "spikernn.local/gonb-tools"); err != nil {
			r.problem("%v", err)
			return gonbPath, toolDirs
		}
	}
	// The proxy serves these exact versions to "go get" even where it refuses
	// to list GoNB's versions (which breaks "go install ...@v0.11.4").
	steps := [][]string{
		{"get", "-tool", gonbModule + "@" + gonbVersion, goplsModule + "@" + goplsVersion},
		{"mod", "edit", "-tool=" + goimportsPkg},
	}
	for _, args := range steps {
		if err := r.run(dir, env, g.Path, args...); err != nil {
			r.problem("%v", err)
			return gonbPath, toolDirs
		}
	}
	if err := r.run(dir, append(env, "GOBIN="+g.GOBIN), g.Path, "install", "tool"); err != nil {
		r.problem("%v", err)
		return gonbPath, toolDirs
	}
	if r.dryRun {
		r.did("build gonb, goimports and gopls into %s", g.GOBIN)
		return gonbPath, toolDirs
	}
	for _, t := range wantTools {
		st := inspectTool(t.name, g.GOBIN, t.module, t.version, false)
		if !st.OK {
			r.problem("%s not at %s in %s after go install tool (found %q %s)", t.name, t.version, g.GOBIN, st.Path, st.Version)
			continue
		}
		r.did("%s %s at %s", t.name, orUnknown(st.Version), st.Path)
	}
	return filepath.Join(g.GOBIN, exeName("gonb")), toolDirs
}

func orUnknown(s string) string {
	if s == "" {
		return "(version unknown)"
	}
	return s
}

// installKernelSpec writes DATA/kernels/NAME/kernel.json from what
// "gonb --install" writes, plus the env the notebooks need.
func installKernelSpec(r *runner, o installOptions, g *goInfo, repo, gonbPath string, toolDirs []string) {
	dataDir, err := jupyterDataDir(o.jupyterDataDir)
	r.step(fmt.Sprintf("GoNB kernelspec %q", o.kernelName))
	if err != nil {
		r.problem("%v", err)
		return
	}
	if strings.ContainsAny(o.kernelName, `/\ `) || o.kernelName == "" {
		r.problem("bad --kernel-name %q", o.kernelName)
		return
	}
	kernelDir := filepath.Join(dataDir, "kernels", o.kernelName)

	simd := decideSIMD(r, o.simd, g, repo)

	spec, logo, err := gonbKernelSpec(r, g, gonbPath)
	if err != nil {
		r.problem("%v", err)
		return
	}
	spec.Argv[0] = gonbPath
	if o.kernelName != defaultKernel {
		spec.DisplayName = fmt.Sprintf("Go (gonb: %s)", o.kernelName)
	}
	env := kernelEnv(g, repo, simd, toolDirs...)
	old, oldErr := readKernelSpec(kernelDir)
	if oldErr == nil {
		// Keep variables someone added by hand; ours win.
		for k, v := range old.Env {
			if _, ours := env[k]; !ours && (k != "GOEXPERIMENT" || o.simd == "auto") {
				env[k] = v
				r.note("keeping %s=%s from the existing kernel.json", k, v)
			}
		}
		if len(old.Metadata) > 0 {
			spec.Metadata = old.Metadata
		}
	}
	spec.Env = env
	data, err := spec.encode()
	if err != nil {
		r.problem("%v", err)
		return
	}
	path := filepath.Join(kernelDir, "kernel.json")
	if prev, err := os.ReadFile(path); err == nil && bytes.Equal(prev, data) {
		r.skip("%s is up to date", path)
		printSpec(r, data)
		return
	}
	if r.dryRun {
		r.did("write %s:", path)
		printSpec(r, data)
		return
	}
	if err := os.MkdirAll(kernelDir, 0o755); err != nil {
		r.problem("creating %s: %v", kernelDir, err)
		return
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		r.problem("writing %s: %v", path, err)
		return
	}
	if len(logo) > 0 {
		if err := os.WriteFile(filepath.Join(kernelDir, "logo-svg.svg"), logo, 0o644); err != nil {
			r.note("warning: writing the logo: %v", err)
		}
	}
	r.did("wrote %s:", path)
	printSpec(r, data)
}

func printSpec(r *runner, data []byte) {
	for line := range strings.SplitSeq(strings.TrimRight(string(data), "\n"), "\n") {
		r.note("  %s", line)
	}
}

// gonbKernelSpec runs "gonb --install" into a scratch Jupyter data
// directory and returns the spec and logo it wrote. With --dry-run, or when
// gonb is not built yet, it returns the spec gonb v0.11.4 writes.
func gonbKernelSpec(r *runner, g *goInfo, gonbPath string) (*kernelSpec, []byte, error) {
	fallback := &kernelSpec{
		Argv: []string{gonbPath, "--kernel", "{connection_file}",
			"-logtostderr=false", "-alsologtostderr=false", "-raw_error=true"},
		DisplayName:   "Go (gonb)",
		Language:      "go",
		InterruptMode: "message",
	}
	if _, err := os.Stat(gonbPath); err != nil {
		if r.dryRun {
			return fallback, nil, nil
		}
		return nil, nil, fmt.Errorf("gonb binary %s: %w", gonbPath, err)
	}
	tmp, err := os.MkdirTemp("", "kernelconfig-spec-")
	if err != nil {
		return nil, nil, fmt.Errorf("scratch folder for gonb --install: %w", err)
	}
	defer os.RemoveAll(tmp)
	path := strings.Join([]string{g.GOBIN, filepath.Join(g.GOROOT, "bin"), os.Getenv("PATH")}, string(os.PathListSeparator))
	env := []string{"JUPYTER_DATA_DIR=" + tmp, "PATH=" + path}
	// The scratch run is an implementation detail: show it, run it even
	// with --dry-run (it writes only into tmp).
	dry := r.dryRun
	r.dryRun = false
	args := []string{"--install", "--raw_error", "--logtostderr=false"}
	shown := shellLine("", []string{"JUPYTER_DATA_DIR=" + tmp}, gonbPath, args)
	err = r.runShown(shown, "", env, gonbPath, args...)
	r.dryRun = dry
	if err != nil {
		return nil, nil, fmt.Errorf("gonb --install: %w", err)
	}
	dir := filepath.Join(tmp, "kernels", "gonb")
	spec, err := readKernelSpec(dir)
	if err != nil {
		return nil, nil, err
	}
	if len(spec.Argv) == 0 {
		return nil, nil, fmt.Errorf("gonb --install wrote a kernel.json without argv")
	}
	logo, _ := os.ReadFile(filepath.Join(dir, "logo-svg.svg"))
	return spec, logo, nil
}

// decideSIMD tells whether the kernel gets GOEXPERIMENT=simd: with "auto",
// when the repository builds with it (this also warms the build cache for
// the notebooks).
func decideSIMD(r *runner, mode string, g *goInfo, repo string) bool {
	switch mode {
	case "on":
		r.note("GOEXPERIMENT=simd (--simd=on)")
		return true
	case "off":
		r.note("no GOEXPERIMENT (--simd=off)")
		return false
	}
	if r.dryRun {
		r.note("would check 'GOEXPERIMENT=simd go build ./...' to decide on GOEXPERIMENT=simd")
		return true
	}
	env := []string{"GOEXPERIMENT=simd", "GOWORK=off"}
	r.note("checking that the repository builds with GOEXPERIMENT=simd (also warms the build cache)")
	if err := r.run(repo, env, g.Path, "build", "-buildvcs=false", "./..."); err == nil {
		return true
	}
	if err := r.run(repo, []string{"GOWORK=off"}, g.Path, "build", "-buildvcs=false", "./..."); err != nil {
		r.note("the repository does not build right now, with or without simd: leaving GOEXPERIMENT unset (rerun install later, or pass --simd=on)")
		return false
	}
	// The tree may have changed under the first build (others edit it):
	// try once more before deciding.
	if err := r.run(repo, env, g.Path, "build", "-buildvcs=false", "./..."); err == nil {
		return true
	}
	r.note("the repository builds without GOEXPERIMENT=simd only: leaving it unset")
	return false
}

// versionLess compares Go versions like "go1.26.8" < "go1.27".
func versionLess(a, b string) bool {
	pa, pb := goVersionParts(a), goVersionParts(b)
	for i := range max(len(pa), len(pb)) {
		var x, y int
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if x != y {
			return x < y
		}
	}
	return false
}

func goVersionParts(v string) []int {
	v = strings.TrimPrefix(v, "go")
	if i := strings.IndexFunc(v, func(c rune) bool { return c != '.' && (c < '0' || c > '9') }); i >= 0 {
		v = v[:i] // drop "rc1", " X:..." and the like
	}
	var parts []int
	for f := range strings.SplitSeq(v, ".") {
		n := 0
		for _, c := range f {
			n = n*10 + int(c-'0')
		}
		parts = append(parts, n)
	}
	return parts
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
