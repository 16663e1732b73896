package sweep

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"

	"github.com/spikernn/spikernn/internal/atomicfile"
	"github.com/spikernn/spikernn/internal/parallel"
)

// Table is a sweep's results: one row per job, in job order.
//
// Its columns, in this order (stable names):
//
//	index, key, label                    the job
//	<one column per axis>                the job's value on each axis
//	status, error                        done or failed, and why
//	training_status, trained             trained / failed / unfinished; 1 if trained
//	trials, train_seconds                trials trained (tr + 1), training time (empty if loaded)
//	final_loss, final_accuracy           the last evaluation during training
//	tau_min_ms, tau_max_ms               the decay constants' range the settings allow
//	tau_mean_ms, tau_sd_ms               the trained decay constants
//	rate_perf                            the rate network on fresh trials
//	best_factor, search_perf             the grid search's opt_scaling_factor and its performance
//	spiking_perf                         the spiking network on fresh trials at best_factor
//	successful                           1 if spiking_perf >= 0.95 (the paper's "successful LIF")
//	exc_rate_hz, inh_rate_hz             its mean firing rates
//	spiking_perf_<cond>                  per task condition (Go, NoGo, ...)
//	<condition>_factor, <condition>_perf per extra spiking condition
//	seconds, host, model                 the job's wall time, machine and model file
//
// Numbers not computed (a network that did not train is not converted) are
// empty in the CSV and NaN in Float.
type Table struct {
	Columns []string
	Rows    [][]string
	Records []*Record
}

// SuccessThreshold is the spiking performance of a "successful" LIF
// network in the paper (>= 95%).
const SuccessThreshold = 0.95

// Collect reads the records of the spec's jobs from the store into a
// table; jobs without a record (pending) are left out.
func Collect(spec *Spec, store *Store) (*Table, error) {
	jobs, err := spec.Jobs()
	if err != nil {
		return nil, err
	}
	have, err := store.listing()
	if err != nil {
		return nil, err
	}
	// Each finished job's record is read once; several reads at a time
	// hide the file system's latency (a shared file system on a cluster).
	recs := make([]*Record, len(jobs))
	err = parallel.Each(context.Background(), len(jobs), 8, func(i int) error {
		j := jobs[i]
		if !have[j.Key()+".json"] {
			return nil
		}
		r, err := store.Record(j.Key())
		if r != nil {
			r.Index = j.Index // the position in this spec's grid
			r.TauMinMs, r.TauMaxMs = j.Settings.tauRangeMs()
			recs[i] = r
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	recs = slices.DeleteFunc(recs, func(r *Record) bool { return r == nil })
	axes := make([]string, len(spec.Axes))
	for i, a := range spec.Axes {
		axes[i] = a.Name
	}
	return newTable(axes, recs), nil
}

func newTable(axes []string, recs []*Record) *Table {
	condSet, extraSet := map[string]bool{}, map[string]bool{}
	for _, r := range recs {
		for c := range r.SpikingPerfCond {
			condSet[c] = true
		}
		for _, c := range r.Conditions {
			extraSet[c.Name] = true
		}
	}
	conds, extras := sortedKeys(condSet), sortedKeys(extraSet)
	t := &Table{Records: recs}
	t.Columns = append([]string{"index", "key", "label"}, axes...)
	t.Columns = append(t.Columns, "status", "error", "training_status", "trained", "trials", "train_seconds",
		"final_loss", "final_accuracy", "tau_min_ms", "tau_max_ms", "tau_mean_ms", "tau_sd_ms", "rate_perf", "best_factor", "search_perf",
		"spiking_perf", "successful", "exc_rate_hz", "inh_rate_hz")
	for _, c := range conds {
		t.Columns = append(t.Columns, "spiking_perf_"+c)
	}
	for _, c := range extras {
		t.Columns = append(t.Columns, c+"_factor", c+"_perf")
	}
	t.Columns = append(t.Columns, "seconds", "host", "model")
	for _, r := range recs {
		row := []string{strconv.Itoa(r.Index), r.Key, r.Label}
		for _, a := range axes {
			row = append(row, fmt.Sprint(r.Axes[a]))
		}
		trained := "0"
		if r.TrainingStatus == "trained" {
			trained = "1"
		}
		successful := ""
		if !math.IsNaN(float64(r.SpikingPerf)) {
			successful = "0"
			if float64(r.SpikingPerf) >= SuccessThreshold {
				successful = "1"
			}
		}
		row = append(row, r.Status, r.Error, r.TrainingStatus, trained, strconv.Itoa(r.Trials), num(r.TrainSeconds),
			num(r.FinalLoss), num(r.FinalAccuracy), num(r.TauMinMs), num(r.TauMaxMs), num(r.TauMeanMs), num(r.TauSDMs), num(r.RatePerf), num(r.BestFactor),
			num(r.SearchPerf), num(r.SpikingPerf), successful, num(r.ExcRate), num(r.InhRate))
		for _, c := range conds {
			v, ok := r.SpikingPerfCond[c]
			if !ok {
				v = math.NaN()
			}
			row = append(row, num(Float(v)))
		}
		for _, c := range extras {
			f, p := Float(math.NaN()), Float(math.NaN())
			for _, cr := range r.Conditions {
				if cr.Name == c {
					f, p = cr.Factor, cr.Perf
				}
			}
			row = append(row, num(f), num(p))
		}
		row = append(row, strconv.FormatFloat(r.Seconds, 'f', 2, 64), r.Host, r.Model)
		t.Rows = append(t.Rows, row)
	}
	return t
}

func num(f Float) string {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return ""
	}
	return strconv.FormatFloat(float64(f), 'g', -1, 64)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// WriteCSV writes the table as CSV with a header row.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	if err := cw.WriteAll(t.Rows); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// SaveCSV writes the table to path atomically.
func (t *Table) SaveCSV(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Replace(path, 0o644, t.WriteCSV)
}

// ReadCSV reads a table written by WriteCSV (without Records), e.g. a
// committed results file.
func ReadCSV(r io.Reader) (*Table, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("sweep: reading a results table: %w", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("sweep: empty results table")
	}
	return &Table{Columns: rows[0], Rows: rows[1:]}, nil
}

// LoadCSV reads a results table file.
func LoadCSV(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	defer f.Close()
	return ReadCSV(f)
}

func (t *Table) col(name string) (int, error) {
	for i, c := range t.Columns {
		if c == name {
			return i, nil
		}
	}
	return -1, fmt.Errorf("sweep: the table has no column %q (columns: %v)", name, t.Columns)
}

// Strings returns a column as text.
func (t *Table) Strings(name string) ([]string, error) {
	i, err := t.col(name)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(t.Rows))
	for r, row := range t.Rows {
		out[r] = row[i]
	}
	return out, nil
}

// Floats returns a column as numbers (NaN for empty or non-numeric cells),
// ready for plotting.
func (t *Table) Floats(name string) ([]float64, error) {
	s, err := t.Strings(name)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(s))
	for i, v := range s {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			f = math.NaN()
		}
		out[i] = f
	}
	return out, nil
}

// Filter returns the rows for which keep(row) is true; row gives a cell by
// column name.
func (t *Table) Filter(keep func(row func(col string) string) bool) *Table {
	out := &Table{Columns: t.Columns}
	for k, r := range t.Rows {
		get := func(col string) string {
			if i, err := t.col(col); err == nil {
				return r[i]
			}
			return ""
		}
		if keep(get) {
			out.Rows = append(out.Rows, r)
			if k < len(t.Records) {
				out.Records = append(out.Records, t.Records[k])
			}
		}
	}
	return out
}

// Where returns the rows whose column col holds value (none when the table
// has no such column).
func (t *Table) Where(col, value string) *Table {
	return t.Filter(func(row func(string) string) bool { return row(col) == value })
}

// Group is the rows of a table that share a value of a column.
type Group struct {
	Value string  // the column's value
	X     float64 // the value as a number (NaN if it is not one)
	Table *Table
}

// GroupBy splits the table by the values of a column, in increasing
// numeric (else text) order.
func (t *Table) GroupBy(name string) ([]Group, error) {
	vals, err := t.Strings(name)
	if err != nil {
		return nil, err
	}
	idx := map[string]int{}
	var groups []Group
	for r, v := range vals {
		k, ok := idx[v]
		if !ok {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				x = math.NaN()
			}
			k = len(groups)
			idx[v] = k
			groups = append(groups, Group{Value: v, X: x, Table: &Table{Columns: t.Columns}})
		}
		g := groups[k].Table
		g.Rows = append(g.Rows, t.Rows[r])
		if r < len(t.Records) {
			g.Records = append(g.Records, t.Records[r])
		}
	}
	sort.SliceStable(groups, func(a, b int) bool {
		xa, xb := groups[a].X, groups[b].X
		if !math.IsNaN(xa) && !math.IsNaN(xb) {
			return xa < xb
		}
		return groups[a].Value < groups[b].Value
	})
	return groups, nil
}

// Fraction is a binomial proportion with its 95% Wilson score interval.
type Fraction struct {
	K, N         int
	P, Low, High float64
}

// Wilson returns the proportion k/n with its Wilson score interval at z
// standard errors (1.96 for 95%); NaN for n = 0.
func Wilson(k, n int, z float64) Fraction {
	f := Fraction{K: k, N: n, P: math.NaN(), Low: math.NaN(), High: math.NaN()}
	if n == 0 {
		return f
	}
	p := float64(k) / float64(n)
	nf := float64(n)
	den := 1 + z*z/nf
	centre := (p + z*z/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	f.P, f.Low, f.High = p, math.Max(0, centre-half), math.Min(1, centre+half)
	return f
}

// String formats the fraction in percent with its count and interval:
// "40% (4/10; 95% CI 17-69%)".
func (f Fraction) String() string {
	if f.N == 0 {
		return "no networks"
	}
	return fmt.Sprintf("%.0f%% (%d/%d; 95%% CI %.0f-%.0f%%)", 100*f.P, f.K, f.N, 100*f.Low, 100*f.High)
}

// FractionOf returns the fraction of the rows whose column is 1 (e.g.
// "trained" or "successful"), over the rows where it is not empty, with
// its 95% Wilson interval.
func (t *Table) FractionOf(name string) (Fraction, error) {
	v, err := t.Strings(name)
	if err != nil {
		return Fraction{}, err
	}
	k, n := 0, 0
	for _, s := range v {
		if s == "" {
			continue
		}
		n++
		if s == "1" {
			k++
		}
	}
	return Wilson(k, n, 1.96), nil
}
