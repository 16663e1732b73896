// Command kernelconfig prepares a machine to run spikernn's Go notebooks with
// the GoNB Jupyter kernel, checks such a set-up, and executes notebooks
// headless as tests.
//
//	go run ./kernelconfig install [--server] [--dry-run] [--kernel-name gonb] [--jupyter-data-dir DIR]
//	go run ./kernelconfig check   [--kernel-name gonb] [--jupyter-data-dir DIR]
//	go run ./kernelconfig test    [--timeout 10m] [--out DIR] [--html] [-run REGEXP] [-parallel K] [DIR or FILE.ipynb ...]
//
// Run them from the repository root (or pass --repo). "install" is
// idempotent: it prints each step it performs and each one it skips because
// it is already done.
//
// # install
//
//   - Jupyter from the distribution (Debian/Ubuntu): apt-get install -y
//     --no-install-recommends jupyter-nbconvert python3-nbclient
//     python3-ipykernel jupyter-client; with --server also jupyterlab where the
//     distribution packages it, else jupyter-notebook. As non-root it uses sudo
//     when present, or prints the exact command. On other systems it prints
//     what to install (brew, pip) and goes on.
//   - GoNB v0.11.4, goimports and gopls v0.23.0, built from a small tools module
//     under the user cache directory (~/.cache/spikernn/gonb-tools on Linux) with
//     "go get -tool" and "go install tool" into GOBIN (default $(go env GOPATH)/bin).
//     A plain "go install github.com/janpfeifer/gonb@v0.11.4" fails on this
//     project's machines: the module proxy refuses to list GoNB's versions.
//   - The kernelspec kernels/gonb/kernel.json under the Jupyter data directory
//     (~/.local/share/jupyter on Linux, ~/Library/Jupyter on macOS, or
//     --jupyter-data-dir), written by "gonb --install --raw_error
//     --logtostderr=false" and then given an "env" with:
//     PATH (GOBIN and GOROOT/bin ahead of the server's ${PATH}),
//     GOMLX_BACKEND=go, SPIKERNN_ROOT (the repository's absolute path) and
//     GOEXPERIMENT=simd when the repository builds with it (--simd=auto|on|off).
//     --raw_error makes compile errors plain text, which "test" can read.
//
// # The first cell of every notebook
//
// GoNB builds each notebook in a temporary Go module. Every notebook under
// notebooks/ must start with this cell (one line), which pins GoNB's own
// module (the kernel's automatic "go get" would otherwise ask the proxy for
// its latest version and fail) and points the notebook's module at the
// working tree of this repository:
//
//	!*go mod edit -require=github.com/janpfeifer/gonb@v0.11.4 -require=github.com/spikernn/spikernn@v0.0.0 -replace=github.com/spikernn/spikernn=${SPIKERNN_ROOT:-${GONB_DIR}/..}
//
// SPIKERNN_ROOT comes from the kernelspec written by "install" (and from
// docker-compose.yml); without it the line falls back to the notebook
// folder's parent (GONB_DIR is the folder of the notebook), which is right
// for notebooks kept directly under notebooks/. Cells may then import
// github.com/spikernn/spikernn/..., gonum.org/v1/plot/... and GoMLX: GoNB's
// "go get" fills go.sum from the module proxy and the module cache.
//
// # check
//
// Reports the Go toolchain, jupyter and nbconvert, the gonb, goimports and
// gopls binaries and their versions, the kernelspec and its env, and the
// repository path, with the command that fixes each missing piece for the
// platform (apt, brew, pip, or WSL on Windows). It exits 1 when something
// required is missing.
//
// # test
//
// Executes every *.ipynb (sorted) in the given folders (default the
// repository's notebooks/) with
//
//	jupyter nbconvert --to notebook --execute --allow-errors --ExecutePreprocessor.timeout=SECONDS --ExecutePreprocessor.kernel_name=gonb --output-dir OUT NOTEBOOK
//
// then reads each executed notebook and fails, naming the notebook and the
// cell (its 1-based position and the first line of its source), on any
// output of type "error" (compile errors, panics, non-zero exits) and on
// stderr output that shows a compile error, a panic, a failing go command or
// "exit status N". The last is how GoNB reports a failing "!" shell line,
// which does not fail its cell by itself: end a "!" line with "|| true" when
// it may fail on purpose. Other stderr output (warnings, go get's progress)
// is shown with -v only. A cell timeout or a dead kernel fails the notebook
// with nbclient's reason and the cell it happened in. "test" prints each
// notebook's wall time and the number of figures (image/png, image/jpeg,
// image/svg+xml, and inline <svg> in text/html) it produced; --html also
// renders each executed notebook as HTML. Notebooks run in separate
// kernels, -parallel at a time (default: one per CPU), the ones with the
// most code cells first; most of a notebook's time is GoNB compiling and
// linking each cell, so two at once on two cores take about half the time.
// A notebook's results file
// (results/NAME.json, what nb.Record writes for the scorecard) is rewritten
// by a successful run, so rows the notebook no longer records disappear; a
// failed run leaves the previous file in place. The Go test TestRepositoryNotebooks runs
// the same check on notebooks/ as part of "go test ./..." once the kernel is
// installed (it skips with -short or without Jupyter and GoNB).
package main
