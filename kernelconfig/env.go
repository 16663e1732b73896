package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Versions installed by "install". gopls v0.24 needs Go 1.27; v0.23.0 builds
// with Go 1.26.
const (
	gonbModule    = "github.com/janpfeifer/gonb"
	gonbVersion   = "v0.11.4"
	goplsModule   = "golang.org/x/tools/gopls"
	goplsVersion  = "v0.23.0"
	goimportsPkg  = "golang.org/x/tools/cmd/goimports"
	repoModule    = "github.com/spikernn/spikernn"
	defaultKernel = "gonb"
)

// firstCell is the line every notebook must start with; see the package doc.
const firstCell = "!*go mod edit -require=" + gonbModule + "@" + gonbVersion +
	" -require=" + repoModule + "@v0.0.0 -replace=" + repoModule + "=${SPIKERNN_ROOT:-${GONB_DIR}/..}"

// goInfo describes the Go toolchain found on the machine.
type goInfo struct {
	Path    string // absolute path of the go command
	Version string // e.g. "go1.26.8"
	GOROOT  string
	GOPATH  string // first entry of GOPATH
	GOBIN   string // GOBIN, or GOPATH/bin when GOBIN is unset
	GOOS    string
	GOARCH  string
}

// findGo locates the go command and asks it for its environment.
func findGo(ctx context.Context) (*goInfo, error) {
	path, err := exec.LookPath("go")
	if err != nil {
		// "go run" puts no GOROOT/bin on PATH by itself, but the running
		// binary knows where it was built from.
		candidate := filepath.Join(runtime.GOROOT(), "bin", exeName("go"))
		if _, statErr := os.Stat(candidate); runtime.GOROOT() == "" || statErr != nil {
			return nil, fmt.Errorf("go command not found on PATH: %w", err)
		}
		path = candidate
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	out, err := exec.CommandContext(ctx, path, "env", "-json",
		"GOVERSION", "GOROOT", "GOPATH", "GOBIN", "GOOS", "GOARCH").Output()
	if err != nil {
		return nil, fmt.Errorf("running %s env: %w", path, exitDetail(err))
	}
	var env map[string]string
	if err := json.Unmarshal(out, &env); err != nil {
		return nil, fmt.Errorf("parsing output of %s env -json: %w", path, err)
	}
	g := &goInfo{
		Path:    path,
		Version: env["GOVERSION"],
		GOROOT:  env["GOROOT"],
		GOOS:    env["GOOS"],
		GOARCH:  env["GOARCH"],
		GOBIN:   env["GOBIN"],
	}
	if list := filepath.SplitList(env["GOPATH"]); len(list) > 0 {
		g.GOPATH = list[0]
	}
	if g.GOBIN == "" && g.GOPATH != "" {
		g.GOBIN = filepath.Join(g.GOPATH, "bin")
	}
	return g, nil
}

// exeName adds ".exe" on Windows.
func exeName(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}

// exitDetail adds a command's stderr to an *exec.ExitError.
func exitDetail(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(bytes.TrimSpace(ee.Stderr)) > 0 {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
	}
	return err
}

// findRepo returns the absolute root of the spikernn repository: dir if it is
// given (it must hold the module's go.mod), else the first folder from the
// working directory upwards whose go.mod declares the module.
func findRepo(dir string) (string, error) {
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", fmt.Errorf("repository path %q: %w", dir, err)
		}
		if mod := modulePath(filepath.Join(abs, "go.mod")); mod != repoModule {
			return "", fmt.Errorf("%s has no go.mod for module %s", abs, repoModule)
		}
		return abs, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the repository: %w", err)
	}
	for d := wd; ; {
		if modulePath(filepath.Join(d, "go.mod")) == repoModule {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod for %s in %s or its parents: run from the repository or pass --repo", repoModule, wd)
		}
		d = parent
	}
}

// modulePath returns the module path declared by a go.mod file, or "".
func modulePath(gomod string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// goDirective returns the "go" line of a go.mod file (e.g. "1.26.8"), or "".
func goDirective(gomod string) string {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 2 && fields[0] == "go" {
			return fields[1]
		}
	}
	return ""
}

// jupyterDataDir returns the directory under which "kernels/NAME" is
// written: the flag, else $JUPYTER_DATA_DIR, else Jupyter's per-user default
// for the platform.
func jupyterDataDir(flagDir string) (string, error) {
	if flagDir != "" {
		return filepath.Abs(flagDir)
	}
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return filepath.Abs(d)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("locating the Jupyter data directory: %w", err)
	}
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Jupyter"), nil
	case "windows":
		if appdata := os.Getenv("APPDATA"); appdata != "" {
			return filepath.Join(appdata, "jupyter"), nil
		}
		return filepath.Join(home, "AppData", "Roaming", "jupyter"), nil
	default:
		if xdg := os.Getenv("XDG_DATA_HOME"); xdg != "" {
			return filepath.Join(xdg, "jupyter"), nil
		}
		return filepath.Join(home, ".local", "share", "jupyter"), nil
	}
}

// kernelSearchDirs lists where Jupyter looks for kernelspecs, most specific
// first: the private data directory (if any), $JUPYTER_PATH, the user's data
// directory and the system ones.
func kernelSearchDirs(flagDir string) []string {
	var dirs []string
	add := func(d string) {
		if d == "" {
			return
		}
		for _, have := range dirs {
			if have == d {
				return
			}
		}
		dirs = append(dirs, d)
	}
	if flagDir != "" {
		if abs, err := filepath.Abs(flagDir); err == nil {
			add(abs)
		}
	}
	for _, d := range filepath.SplitList(os.Getenv("JUPYTER_PATH")) {
		add(d)
	}
	if d, err := jupyterDataDir(""); err == nil {
		add(d)
	}
	switch runtime.GOOS {
	case "windows":
		add(filepath.Join(os.Getenv("PROGRAMDATA"), "jupyter"))
	default:
		add("/usr/local/share/jupyter")
		add("/usr/share/jupyter")
		if runtime.GOOS == "darwin" {
			add("/opt/homebrew/share/jupyter")
		}
	}
	return dirs
}

// findJupyter returns the jupyter command to use: on Debian and Ubuntu the
// distribution's /usr/bin/jupyter (the python3 first on PATH may be another
// interpreter without Jupyter's packages), else the one on PATH.
func findJupyter() (string, error) {
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat("/usr/bin/jupyter"); err == nil && !fi.IsDir() {
			return "/usr/bin/jupyter", nil
		}
	}
	p, err := exec.LookPath("jupyter")
	if err != nil {
		return "", fmt.Errorf("jupyter not found in /usr/bin or on PATH: %w", err)
	}
	return p, nil
}

// toolsDir is where the GoNB tools module lives.
func toolsDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("locating the user cache directory: %w", err)
	}
	return filepath.Join(cache, "spikernn", "gonb-tools"), nil
}

// hasCommand reports whether name is on PATH.
func hasCommand(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// isRoot reports whether the process runs as root (false on Windows).
func isRoot() bool {
	return runtime.GOOS != "windows" && os.Geteuid() == 0
}
