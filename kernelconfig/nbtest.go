package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// testOptions are the flags of "test".
type testOptions struct {
	timeout        time.Duration // per cell
	out            string
	html           bool
	run            string
	kernelName     string
	jupyterDataDir string
	repo           string
	verbose        bool
	parallel       int // notebooks executed at once
}

func cmdTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o testOptions
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "limit for each cell")
	fs.StringVar(&o.out, "out", "", "folder for the executed notebooks (default notebooks/out, which git ignores, or a new temporary folder)")
	fs.BoolVar(&o.html, "html", false, "also render each executed notebook as HTML next to it")
	fs.StringVar(&o.run, "run", "", "execute only the notebooks whose file name matches this regular expression")
	fs.StringVar(&o.kernelName, "kernel-name", defaultKernel, "kernelspec to execute the notebooks with")
	fs.StringVar(&o.jupyterDataDir, "jupyter-data-dir", "", "a private Jupyter data directory holding the kernelspec (as given to install)")
	fs.StringVar(&o.repo, "repo", "", "repository root (default: found from the working directory)")
	fs.BoolVar(&o.verbose, "v", false, "also print nbconvert's output and the stderr of cells that did not fail")
	fs.IntVar(&o.parallel, "parallel", runtime.NumCPU(), "notebooks executed at once (each in its own kernel; results do not depend on it)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./kernelconfig test [flags] [DIR or NOTEBOOK.ipynb ...]\n\nExecutes notebooks (default: the repository's notebooks/) headless with the GoNB kernel\nand fails on any cell with an error.\n\nflags:")
		fs.PrintDefaults()
	}
	// Accept flags after the paths too ("test notebooks -run x").
	var paths []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return errHelp
			}
			return errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		paths = append(paths, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if o.timeout <= 0 {
		return fmt.Errorf("--timeout %v: want a positive duration", o.timeout)
	}
	results, err := testNotebooks(ctx, o, paths, stdout)
	if err != nil {
		return err
	}
	if failed(results) > 0 {
		return errSilent
	}
	return nil
}

// notebookResult is the outcome of executing one notebook.
type notebookResult struct {
	Path     string        // the source notebook
	Executed string        // the executed copy, "" if nbconvert wrote none
	HTML     string        // its HTML rendering, if asked for
	Wall     time.Duration // nbconvert's wall time
	Report   *Report       // nil if nbconvert wrote nothing readable
	Err      error         // nbconvert failure (timeout, dead kernel, bad notebook)
}

// OK reports whether the notebook ran without errors.
func (r notebookResult) OK() bool {
	return r.Err == nil && r.Report != nil && len(r.Report.Problems) == 0
}

func failed(rs []notebookResult) int {
	n := 0
	for _, r := range rs {
		if !r.OK() {
			n++
		}
	}
	return n
}

// testEnv is what executing notebooks needs, found before starting.
type testEnv struct {
	jupyter   string
	kernelDir string
	env       []string // added to nbconvert's environment
}

// prepareTest finds jupyter and the kernelspec, or says how to install them.
func prepareTest(ctx context.Context, o testOptions) (*testEnv, error) {
	fix := "go run ./kernelconfig install"
	if o.jupyterDataDir != "" {
		fix += " --jupyter-data-dir " + shellQuote(o.jupyterDataDir)
	}
	if o.kernelName != defaultKernel {
		fix += " --kernel-name " + shellQuote(o.kernelName)
	}
	jup, err := findJupyter()
	if err != nil {
		return nil, fmt.Errorf("%w; install it with: %s", err, fix)
	}
	if _, err := commandVersion(ctx, jup, "nbconvert", "--version"); err != nil {
		return nil, fmt.Errorf("%s nbconvert does not run (%v); install it with: %s", jup, err, fix)
	}
	te := &testEnv{jupyter: jup}
	if o.jupyterDataDir != "" {
		abs, err := filepath.Abs(o.jupyterDataDir)
		if err != nil {
			return nil, fmt.Errorf("--jupyter-data-dir: %w", err)
		}
		jp := abs
		if old := os.Getenv("JUPYTER_PATH"); old != "" {
			jp += string(os.PathListSeparator) + old
		}
		te.env = append(te.env, "JUPYTER_PATH="+jp)
	}
	te.kernelDir = findKernelSpec(o.kernelName, o.jupyterDataDir)
	if te.kernelDir == "" {
		return nil, fmt.Errorf("no %q kernelspec found (looked in %s); install it with: %s",
			o.kernelName, strings.Join(kernelSearchDirs(o.jupyterDataDir), ", "), fix)
	}
	return te, nil
}

// listNotebooks expands folders into their *.ipynb files (sorted, not
// recursive) and keeps those whose base name matches run.
func listNotebooks(paths []string, run string) ([]string, error) {
	var re *regexp.Regexp
	if run != "" {
		var err error
		if re, err = regexp.Compile(run); err != nil {
			return nil, fmt.Errorf("-run %q: %w", run, err)
		}
	}
	var nbs []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("notebook path: %w", err)
		}
		var found []string
		if fi.IsDir() {
			matches, err := filepath.Glob(filepath.Join(p, "*.ipynb"))
			if err != nil {
				return nil, fmt.Errorf("listing %s: %w", p, err)
			}
			slices.Sort(matches)
			found = matches
		} else {
			found = []string{p}
		}
		for _, f := range found {
			if re != nil && !re.MatchString(filepath.Base(f)) {
				continue
			}
			if abs, err := filepath.Abs(f); err == nil {
				f = abs
			}
			if !slices.Contains(nbs, f) {
				nbs = append(nbs, f)
			}
		}
	}
	return nbs, nil
}

// defaultNotebookDir is the repository's notebooks/ folder.
func defaultNotebookDir(repoFlag string) (string, error) {
	repo, err := findRepo(repoFlag)
	if err != nil {
		return "", err
	}
	return filepath.Join(repo, "notebooks"), nil
}

// testNotebooks executes the notebooks under paths (default notebooks/)
// one after the other and prints a report for each.
func testNotebooks(ctx context.Context, o testOptions, paths []string, out io.Writer) ([]notebookResult, error) {
	if len(paths) == 0 {
		dir, err := defaultNotebookDir(o.repo)
		if err != nil {
			return nil, err
		}
		paths = []string{dir}
	}
	nbs, err := listNotebooks(paths, o.run)
	if err != nil {
		return nil, err
	}
	if len(nbs) == 0 {
		return nil, fmt.Errorf("no notebooks (*.ipynb) in %s%s", strings.Join(paths, ", "), ifStr(o.run != "", " matching -run "+o.run))
	}
	te, err := prepareTest(ctx, o)
	if err != nil {
		return nil, err
	}
	outDir, err := outputDir(o)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "executing %d notebook(s) with kernel %s (%s), executed copies in %s\n",
		len(nbs), o.kernelName, te.kernelDir, outDir)

	start := time.Now()
	names := outputNames(nbs, outDir)
	// Notebooks run in separate kernels, o.parallel at a time: most of a
	// notebook's time is GoNB compiling and linking each cell, which one
	// core does while the other runs cells. Each notebook's log is printed
	// whole when it ends.
	results := make([]notebookResult, len(nbs))
	var mu sync.Mutex
	sem := make(chan struct{}, max(o.parallel, 1))
	var wg sync.WaitGroup
	for _, i := range longestFirst(nbs) {
		nb := nbs[i]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if ctx.Err() != nil {
				results[i] = notebookResult{Path: nb, Err: fmt.Errorf("not run: %w", ctx.Err())}
				return
			}
			var log bytes.Buffer
			results[i] = executeNotebook(ctx, o, te, nb, outDir, names[i], &log)
			printResult(&log, results[i], o.verbose)
			mu.Lock()
			defer mu.Unlock()
			_, _ = out.Write(log.Bytes())
		}()
	}
	wg.Wait()
	nFailed := failed(results)
	fmt.Fprintf(out, "\n%d notebook(s): %d ok, %d failed (%.1fs); executed copies in %s\n",
		len(results), len(results)-nFailed, nFailed, time.Since(start).Seconds(), outDir)
	return results, nil
}

// longestFirst returns the indices of the notebooks in the order to start
// them: most code cells first (each cell costs GoNB a compile and a link,
// so the cell count is the best cheap guess of a notebook's run time), so
// that a long notebook does not start last and run alone. Ties keep the
// given order; an unreadable notebook counts as empty (it fails when run).
func longestFirst(nbs []string) []int {
	cells := make([]int, len(nbs))
	order := make([]int, len(nbs))
	for i, path := range nbs {
		order[i] = i
		var nb notebook
		if data, err := os.ReadFile(path); err == nil && json.Unmarshal(data, &nb) == nil {
			for _, c := range nb.Cells {
				if c.CellType == "code" {
					cells[i]++
				}
			}
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cells[b] - cells[a] })
	return order
}

// outputDir returns (and creates) the folder for executed notebooks.
func outputDir(o testOptions) (string, error) {
	if o.out != "" {
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return "", fmt.Errorf("creating --out folder: %w", err)
		}
		return filepath.Abs(o.out)
	}
	if dir, err := defaultNotebookDir(o.repo); err == nil {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			out := filepath.Join(dir, "out") // in .gitignore
			if err := os.MkdirAll(out, 0o755); err != nil {
				return "", fmt.Errorf("creating %s: %w", out, err)
			}
			return out, nil
		}
	}
	dir, err := os.MkdirTemp("", "kernelconfig-test-")
	if err != nil {
		return "", fmt.Errorf("creating a folder for executed notebooks: %w", err)
	}
	return dir, nil
}

// outputNames picks the executed copies' base names (without .ipynb):
// the source's own name, made unique, and never the source itself.
func outputNames(nbs []string, outDir string) []string {
	names := make([]string, len(nbs))
	used := map[string]bool{}
	for i, nb := range nbs {
		stem := strings.TrimSuffix(filepath.Base(nb), filepath.Ext(nb))
		name := stem
		if filepath.Join(outDir, name+".ipynb") == nb {
			name = stem + ".executed"
		}
		for n := 2; used[name]; n++ {
			name = stem + "-" + strconv.Itoa(n)
		}
		used[name] = true
		names[i] = name
	}
	return names
}

// executeNotebook runs nbconvert on one notebook and scans the result.
func executeNotebook(ctx context.Context, o testOptions, te *testEnv, nb, outDir, name string, out io.Writer) notebookResult {
	res := notebookResult{Path: nb}
	fmt.Fprintf(out, "\n=== %s\n", displayPath(nb))
	executed := filepath.Join(outDir, name+".ipynb")
	_ = os.Remove(executed) // never scan a stale copy
	secs := int(o.timeout.Round(time.Second).Seconds())
	args := []string{"nbconvert", "--to", "notebook", "--execute", "--allow-errors",
		"--ExecutePreprocessor.timeout=" + strconv.Itoa(max(secs, 1)),
		"--ExecutePreprocessor.kernel_name=" + o.kernelName,
		"--output-dir", outDir, "--output", name, nb}
	// A complete run rewrites the notebook's results file (rows it no
	// longer records must not linger in the scorecard); a failed run puts
	// the previous file back.
	restore := setAsideResults(nb)
	defer func() { restore(res.OK()) }()
	start := time.Now()
	log, err := runLogged(ctx, te, o.verbose, out, te.jupyter, args...)
	res.Wall = time.Since(start)
	if err != nil {
		src, _ := os.ReadFile(nb)
		res.Err = fmt.Errorf("jupyter nbconvert --execute failed after %.1fs: %w%s", res.Wall.Seconds(), err, nbconvertReason(log, src))
	}
	data, readErr := os.ReadFile(executed)
	if readErr != nil {
		if res.Err == nil {
			res.Err = fmt.Errorf("nbconvert wrote no %s: %w", executed, readErr)
		}
		return res
	}
	res.Executed = executed
	rep, err := scanNotebook(data)
	if err != nil {
		res.Err = errors.Join(res.Err, fmt.Errorf("reading %s: %w", executed, err))
		return res
	}
	res.Report = rep
	if o.html {
		hargs := []string{"nbconvert", "--to", "html", "--output-dir", outDir, "--output", name, executed}
		if log, err := runLogged(ctx, te, o.verbose, out, te.jupyter, hargs...); err != nil {
			res.Err = errors.Join(res.Err, fmt.Errorf("rendering HTML: %w%s", err, nbconvertReason(log, nil)))
		} else {
			res.HTML = filepath.Join(outDir, name+".html")
		}
	}
	return res
}

// setAsideResults moves the results file a notebook records into
// (results/<name>.json beside it, see nb.Record) out of the way, and returns
// the function that, after the run, deletes the set-aside copy when the run
// succeeded and otherwise puts it back in place of whatever the failed run
// wrote. Without a results file it does nothing.
func setAsideResults(nb string) func(ok bool) {
	path := filepath.Join(filepath.Dir(nb), "results", strings.TrimSuffix(filepath.Base(nb), ".ipynb")+".json")
	aside := path + ".before-run"
	if err := os.Rename(path, aside); err != nil {
		return func(bool) {}
	}
	return func(ok bool) {
		if ok {
			if _, err := os.Stat(path); err == nil {
				_ = os.Remove(aside)
				return
			}
		}
		_ = os.Rename(aside, path)
	}
}

// runLogged runs a jupyter command, keeping its combined output (and
// echoing it with verbose).
func runLogged(ctx context.Context, te *testEnv, verbose bool, out io.Writer, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), te.env...)
	var log strings.Builder
	var w io.Writer = &log
	if verbose {
		w = io.MultiWriter(&log, &prefixWriter{w: out, prefix: "    | "})
	}
	cmd.Stdout, cmd.Stderr = w, w
	killGroup(cmd) // also stop the kernel and its programs on timeout or ^C
	err := cmd.Run()
	return log.String(), err
}

var pyExceptionRE = regexp.MustCompile(`^(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Interrupt)\b`)

// nbconvertReason picks from nbconvert's output why it failed: the last
// Python exception line, and for a cell that timed out or killed the
// kernel, which cell it was (nbclient prints a preview of its source).
func nbconvertReason(log string, src []byte) string {
	lines := strings.Split(strings.TrimSpace(stripANSI(log)), "\n")
	var keep []string
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); pyExceptionRE.MatchString(l) {
			keep = append(keep, shorten(l, 300))
			break
		}
	}
	if len(keep) == 0 {
		for i := max(len(lines)-4, 0); i < len(lines); i++ {
			if l := strings.TrimSpace(lines[i]); l != "" {
				keep = append(keep, shorten(l, 300))
			}
		}
	}
	if cell := previewCell(lines, src); cell != "" {
		keep = append(keep, cell)
	}
	if len(keep) == 0 {
		return ""
	}
	return "\n      " + strings.Join(keep, "\n      ")
}

// previewCell finds the cell whose source nbclient previewed in its error
// message ("Here is a preview of the cell contents:" and the first lines
// between dashes) and names it like a Problem does.
func previewCell(lines []string, src []byte) string {
	var preview []string
	for i, l := range lines {
		if !strings.Contains(l, "preview of the cell contents") {
			continue
		}
		inside := false
		for _, p := range lines[i+1:] {
			if strings.HasPrefix(strings.TrimSpace(p), "-----") {
				if inside {
					break
				}
				inside = true
				continue
			}
			if inside && strings.TrimSpace(p) != "" && strings.TrimSpace(p) != "..." {
				preview = append(preview, strings.TrimSpace(p))
			}
		}
	}
	if len(preview) == 0 {
		return ""
	}
	var nb notebook
	if json.Unmarshal(src, &nb) != nil {
		return ""
	}
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		var code []string
		for l := range strings.SplitSeq(string(c.Source), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				code = append(code, l)
			}
		}
		n := min(len(preview), 3)
		if len(code) >= n && slices.Equal(code[:n], preview[:n]) {
			return fmt.Sprintf("in cell %d: %s", i+1, firstLine(string(c.Source)))
		}
	}
	return ""
}

// printResult prints one notebook's outcome.
func printResult(out io.Writer, r notebookResult, verbose bool) {
	status := "ok  "
	if !r.OK() {
		status = "FAIL"
	}
	fmt.Fprintf(out, "--- %s %s (%.1fs)", status, filepath.Base(r.Path), r.Wall.Seconds())
	if rep := r.Report; rep != nil {
		fmt.Fprintf(out, ": %d cells (%d code, %d executed), %d figure(s)", rep.Cells, rep.CodeCells, rep.Executed, rep.Images)
	}
	fmt.Fprintln(out)
	if r.Err != nil {
		fmt.Fprintf(out, "    %v\n", r.Err)
	}
	if rep := r.Report; rep != nil {
		for _, p := range rep.Problems {
			printProblem(out, filepath.Base(r.Path), p)
		}
		if verbose {
			for _, p := range rep.Stderr {
				fmt.Fprintf(out, "    note: cell %d (%s) wrote to stderr:\n", p.Cell, p.FirstLine)
				fmt.Fprintf(out, "        %s\n", strings.ReplaceAll(p.Message, "\n", "\n        "))
			}
		}
	}
	if r.Executed != "" {
		fmt.Fprintf(out, "    executed: %s\n", displayPath(r.Executed))
	}
	if r.HTML != "" {
		fmt.Fprintf(out, "    html:     %s\n", displayPath(r.HTML))
	}
}

func printProblem(out io.Writer, nb string, p Problem) {
	fmt.Fprintf(out, "    %s: cell %d: %s\n", nb, p.Cell, p.FirstLine)
	fmt.Fprintf(out, "        %s: %s\n", p.Kind, strings.ReplaceAll(p.Message, "\n", "\n        "))
}

// displayPath shows a path relative to the working directory when shorter.
func displayPath(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(wd, p); err == nil && len(rel) < len(p) && !strings.HasPrefix(rel, "../..") {
		return rel
	}
	return p
}
