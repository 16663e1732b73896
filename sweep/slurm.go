package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spikernn/spikernn/internal/atomicfile"
)

// SlurmOptions controls Submit.
type SlurmOptions struct {
	Binary      string   // the spikernn binary the tasks run, on a path every node sees (default: this program)
	SpecPath    string   // the sweep file, on a path every node sees (absolute or relative to where sbatch runs)
	Partition   string   // --partition
	Time        string   // --time per task, e.g. "1:00:00"
	Mem         string   // --mem per task, e.g. "4G"
	Account     string   // --account
	CPUs        int      // --cpus-per-task (default 1: one training per core is the fastest use of a node)
	MaxParallel int      // the array's % throttle (0: none)
	Extra       []string // more #SBATCH lines, e.g. "--gres=gpu:1" or "--qos=long"
	Setup       []string // shell lines before the task runs, e.g. "module load go"
	RetryFailed bool     // also submit the jobs that failed
	DryRun      bool     // write the scripts, do not submit
	Sbatch      string   // the sbatch command (default "sbatch")
	// NetsPerGraph, above 1, makes each array task run that many
	// consecutive jobs of the grid, their models trained that many per
	// GoMLX graph first (sweep run-one --index I --count K; RunRange):
	// fewer CPU hours for small networks (several networks per graph
	// trained 1.1-1.9x as many networks an hour per core, most at small N),
	// K times longer tasks (set --time accordingly). 0 or 1: one job per
	// task.
	NetsPerGraph int
}

// MaxArraySize is the largest Slurm array Submit makes (Slurm's default
// MaxArraySize is 1001: indexes up to 1000); bigger sweeps become several
// arrays.
const MaxArraySize = 1000

// Submission is what Submit wrote and submitted.
type Submission struct {
	Scripts   []string // the array scripts, then the collect script
	ArrayIDs  []string // Slurm job IDs of the arrays (empty with DryRun)
	CollectID string   // the collect job's ID
	Jobs      []int    // the job indexes submitted
}

// Submit writes a Slurm array script for the sweep's unfinished jobs (one
// array task per job; each runs "spikernn sweep run-one SPEC --index I"; with
// opt.NetsPerGraph = K above 1, one task per K consecutive jobs, which runs
// "run-one SPEC --index I --count K")
// and a collect job that runs after the array (afterany: it collects
// whatever finished, failed tasks included), and submits them with sbatch
// unless opt.DryRun. The scripts go to STORE/slurm/, the tasks' logs to
// STORE/slurm/logs/.
func Submit(spec *Spec, store *Store, opt SlurmOptions) (*Submission, error) {
	if opt.SpecPath == "" {
		return nil, errors.New("sweep: Submit needs the path of the sweep file (SlurmOptions.SpecPath)")
	}
	bin, err := binary(opt.Binary)
	if err != nil {
		return nil, err
	}
	_, states, err := Status(spec, store)
	if err != nil {
		return nil, err
	}
	var todo []int
	for i := range len(states) {
		if st := states[i]; st == Pending || (st == Failed && opt.RetryFailed) {
			todo = append(todo, i)
		}
	}
	sort.Ints(todo)
	sub := &Submission{Jobs: todo}
	if len(todo) == 0 {
		return sub, nil
	}
	dir := filepath.Join(store.Dir, "slurm")
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	absStore, _ := filepath.Abs(store.Dir)
	absSpec, _ := filepath.Abs(opt.SpecPath)
	// The array's units: jobs, or groups of K consecutive jobs (group g
	// holds jobs gK to gK+K-1) that hold at least one job to run.
	k := max(opt.NetsPerGraph, 1)
	var units []int
	for _, i := range todo {
		if u := i / k; len(units) == 0 || units[len(units)-1] != u {
			units = append(units, u)
		}
	}
	for c := 0; c*MaxArraySize <= units[len(units)-1]; c++ {
		offset := c * MaxArraySize
		var idx []int
		for _, i := range units {
			if i >= offset && i < offset+MaxArraySize {
				idx = append(idx, i-offset)
			}
		}
		if len(idx) == 0 {
			continue
		}
		name := filepath.Join(dir, fmt.Sprintf("array_%d.sbatch", c))
		script := arrayScript(spec, opt, bin, absSpec, absStore, Ranges(idx), offset)
		if err := writeScript(name, script); err != nil {
			return nil, err
		}
		sub.Scripts = append(sub.Scripts, name)
	}
	collect := filepath.Join(dir, "collect.sbatch")
	sub.Scripts = append(sub.Scripts, collect)
	if opt.DryRun {
		return sub, writeScript(collect, collectScript(spec, opt, bin, absSpec, absStore, nil))
	}
	sbatch := opt.Sbatch
	if sbatch == "" {
		sbatch = "sbatch"
	}
	for _, s := range sub.Scripts[:len(sub.Scripts)-1] {
		id, err := runSbatch(sbatch, s)
		if err != nil {
			return sub, err
		}
		sub.ArrayIDs = append(sub.ArrayIDs, id)
	}
	if err := writeScript(collect, collectScript(spec, opt, bin, absSpec, absStore, sub.ArrayIDs)); err != nil {
		return sub, err
	}
	sub.CollectID, err = runSbatch(sbatch, collect)
	return sub, err
}

// binary returns the program array tasks run.
func binary(b string) (string, error) {
	if b == "" {
		exe, err := os.Executable()
		if err != nil {
			return "", fmt.Errorf("sweep: cannot tell this program's path (%w): give the binary", err)
		}
		if strings.Contains(exe, "go-build") {
			return "", errors.New("sweep: this program runs from go run's temporary build, which array tasks cannot use: " +
				"build it (go build -o /shared/path/spikernn ./cmd/spikernn) and give --binary, or run the built binary")
		}
		b = exe
	}
	abs, err := filepath.Abs(b)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("sweep: binary: %w", err)
	}
	return abs, nil
}

func header(b *bytes.Buffer, spec *Spec, opt SlurmOptions, name, logs string) {
	fmt.Fprintf(b, "#!/bin/bash\n#SBATCH --job-name=%s\n#SBATCH --output=%s\n", shellWord(name), logs)
	if opt.Partition != "" {
		fmt.Fprintf(b, "#SBATCH --partition=%s\n", opt.Partition)
	}
	if opt.Account != "" {
		fmt.Fprintf(b, "#SBATCH --account=%s\n", opt.Account)
	}
	if opt.Time != "" {
		fmt.Fprintf(b, "#SBATCH --time=%s\n", opt.Time)
	}
	if opt.Mem != "" {
		fmt.Fprintf(b, "#SBATCH --mem=%s\n", opt.Mem)
	}
	for _, e := range opt.Extra {
		fmt.Fprintf(b, "#SBATCH %s\n", e)
	}
}

func arrayScript(spec *Spec, opt SlurmOptions, bin, specPath, store, array string, offset int) string {
	var b bytes.Buffer
	header(&b, spec, opt, "spikernn-"+spec.Name, filepath.Join(store, "slurm", "logs", "%A_%a.log"))
	if opt.MaxParallel > 0 {
		array += "%" + strconv.Itoa(opt.MaxParallel)
	}
	cpus := max(opt.CPUs, 1)
	fmt.Fprintf(&b, "#SBATCH --array=%s\n#SBATCH --cpus-per-task=%d\n", array, cpus)
	k := max(opt.NetsPerGraph, 1)
	if k == 1 {
		fmt.Fprintf(&b, "# spikernn sweep %q: each array task runs one job of the grid (job index = array index + %d).\n", spec.Name, offset)
	} else {
		fmt.Fprintf(&b, "# spikernn sweep %q: each array task runs %d consecutive jobs of the grid, from (array index + %d) * %d, their models trained %d per graph.\n",
			spec.Name, k, offset, k, k)
	}
	for _, l := range opt.Setup {
		fmt.Fprintln(&b, l)
	}
	retry := ""
	if opt.RetryFailed {
		retry = " --retry-failed"
	}
	fmt.Fprintf(&b, "export GOMAXPROCS=%d\n", cpus)
	if k == 1 {
		fmt.Fprintf(&b, "exec %s sweep run-one %s --store %s --index $((SLURM_ARRAY_TASK_ID + %d))%s\n",
			shellWord(bin), shellWord(specPath), shellWord(store), offset, retry)
	} else {
		fmt.Fprintf(&b, "exec %s sweep run-one %s --store %s --index $(((SLURM_ARRAY_TASK_ID + %d) * %d)) --count %d%s\n",
			shellWord(bin), shellWord(specPath), shellWord(store), offset, k, k, retry)
	}
	return b.String()
}

func collectScript(spec *Spec, opt SlurmOptions, bin, specPath, store string, after []string) string {
	var b bytes.Buffer
	header(&b, spec, opt, "spikernn-"+spec.Name+"-collect", filepath.Join(store, "slurm", "logs", "collect_%j.log"))
	if len(after) > 0 {
		// afterany: collect whatever finished; afterok would wait forever
		// after one failed task.
		fmt.Fprintf(&b, "#SBATCH --dependency=afterany:%s\n", strings.Join(after, ":"))
	}
	for _, l := range opt.Setup {
		fmt.Fprintln(&b, l)
	}
	fmt.Fprintf(&b, "exec %s sweep collect %s --store %s\n", shellWord(bin), shellWord(specPath), shellWord(store))
	return b.String()
}

func writeScript(path, content string) error {
	return atomicfile.Replace(path, 0o755, func(w io.Writer) error { _, err := io.WriteString(w, content); return err })
}

// runSbatch submits a script and returns its job ID (sbatch --parsable
// prints "ID" or "ID;cluster").
func runSbatch(sbatch, script string) (string, error) {
	out, err := exec.Command(sbatch, "--parsable", script).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("sweep: %s %s: %w: %s", sbatch, script, err, strings.TrimSpace(string(out)))
	}
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	if id == "" {
		return "", fmt.Errorf("sweep: %s printed no job ID", sbatch)
	}
	return id, nil
}

// Ranges writes sorted job indexes compactly, as Slurm's --array takes
// them: 0-3,7,9-11.
func Ranges(idx []int) string {
	var parts []string
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", idx[i], idx[j]))
		} else {
			parts = append(parts, strconv.Itoa(idx[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// shellWord quotes s for a shell script.
func shellWord(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+=:%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
