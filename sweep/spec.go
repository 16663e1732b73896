package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/spikernn"
)

// Spec describes a sweep.
type Spec struct {
	// Name names the sweep (in tables and scripts).
	Name string `json:"name"`
	// Store is the folder of the sweep's models and results; a relative
	// path is taken from the spec file's folder (LoadSpec) or the working
	// folder (a Go value).
	Store string `json:"store"`
	// Base holds the settings every job starts from.
	Base Settings `json:"base"`
	// Axes are the swept settings; the jobs are every combination of
	// their values, the last axis varying fastest.
	Axes []Axis `json:"axes"`
	// Conditions are extra spiking evaluations of every converted network.
	Conditions []Condition `json:"conditions,omitempty"`
	// NoSearch stops each job after training and the rate evaluation (for
	// sweeps about training alone, e.g. Fig 1C).
	NoSearch bool `json:"no_search,omitempty"`
}

// Axis is one swept setting with its values.
type Axis struct {
	Name   string `json:"name"`
	Values []any  `json:"values"`
}

// Condition is an extra spiking evaluation of each converted network, with
// other neuron settings (only the spiking-neuron settings may be set:
// model, tref, tm, tr, vreset, vpeak, bias, noise_sd).
type Condition struct {
	Name string `json:"name"`
	// Search runs a grid search for the condition (the job's grid, trials
	// and seed) instead of reusing the job's best factor.
	Search   bool     `json:"search,omitempty"`
	Settings Settings `json:"settings"`
}

// specFile is the file layout of a Spec (TOML or JSON).
type specFile struct {
	Name       string         `toml:"name" json:"name"`
	Store      string         `toml:"store" json:"store"`
	NoSearch   bool           `toml:"no_search" json:"no_search"`
	Base       map[string]any `toml:"base" json:"base"`
	Axes       any            `toml:"axes" json:"axes"`
	Conditions []struct {
		Name     string         `toml:"name" json:"name"`
		Search   bool           `toml:"search" json:"search"`
		Settings map[string]any `toml:"settings" json:"settings"`
	} `toml:"conditions" json:"conditions"`
}

// LoadSpec reads a sweep description from a .toml or .json file and
// validates it; errors name the field. A relative Store is taken from the
// file's folder.
func LoadSpec(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	var sf specFile
	var axisOrder []string
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml":
		md, err := toml.Decode(string(data), &sf)
		if err != nil {
			return nil, fmt.Errorf("sweep: %s: %w", path, err)
		}
		for _, k := range md.Undecoded() {
			if k[0] != "axes" { // axes are decoded by hand
				return nil, fmt.Errorf("sweep: %s: unknown field %q", path, k.String())
			}
		}
		for _, k := range md.Keys() {
			if len(k) == 2 && k[0] == "axes" {
				axisOrder = append(axisOrder, k[1])
			}
		}
	case ".json":
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		dec.UseNumber()
		if err := dec.Decode(&sf); err != nil {
			return nil, fmt.Errorf("sweep: %s: %w", path, err)
		}
	default:
		return nil, fmt.Errorf("sweep: %s: want a .toml or .json file", path)
	}
	spec, err := sf.spec(axisOrder)
	if err != nil {
		return nil, fmt.Errorf("sweep: %s: %w", path, err)
	}
	if spec.Store != "" && !filepath.IsAbs(spec.Store) {
		spec.Store = filepath.Join(filepath.Dir(path), spec.Store)
	}
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("sweep: %s: %w", path, err)
	}
	return spec, nil
}

func (sf *specFile) spec(axisOrder []string) (*Spec, error) {
	s := &Spec{Name: sf.Name, Store: sf.Store, NoSearch: sf.NoSearch}
	for k, v := range sf.Base {
		if err := s.Base.Set(k, plain(v)); err != nil {
			return nil, fmt.Errorf("base: %w", err)
		}
	}
	axes, err := parseAxes(sf.Axes, axisOrder)
	if err != nil {
		return nil, err
	}
	s.Axes = axes
	for i, c := range sf.Conditions {
		cond := Condition{Name: c.Name, Search: c.Search}
		for k, v := range c.Settings {
			if err := cond.Settings.Set(k, plain(v)); err != nil {
				return nil, fmt.Errorf("conditions[%d] (%s): %w", i, c.Name, err)
			}
		}
		s.Conditions = append(s.Conditions, cond)
	}
	return s, nil
}

// plain converts decoded JSON numbers to float64, recursively.
func plain(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = plain(e)
		}
		return out
	}
	return v
}

// parseAxes reads the axes: a table name = values (TOML, in document
// order) or a list of {name, values} (JSON). Values are a list, or a range
// {start, stop, step} (inclusive, as MATLAB's start:step:stop), or seeds
// {from, count}.
func parseAxes(raw any, order []string) ([]Axis, error) {
	var axes []Axis
	switch a := plain(raw).(type) {
	case nil:
		return nil, nil
	case map[string]any:
		if len(order) != len(a) {
			order = order[:0]
			for k := range a {
				order = append(order, k)
			}
		}
		for _, k := range order {
			vals, err := axisValues(k, a[k])
			if err != nil {
				return nil, err
			}
			axes = append(axes, Axis{Name: k, Values: vals})
		}
	case []any:
		for i, e := range a {
			m, ok := e.(map[string]any)
			name, _ := m["name"].(string)
			if !ok || name == "" {
				return nil, fmt.Errorf("axes[%d]: want {\"name\": ..., \"values\": [...]}", i)
			}
			vals, err := axisValues(name, m["values"])
			if err != nil {
				return nil, err
			}
			axes = append(axes, Axis{Name: name, Values: vals})
		}
	default:
		return nil, fmt.Errorf("axes: want a table of name = [values]")
	}
	return axes, nil
}

func axisValues(name string, v any) ([]any, error) {
	switch x := v.(type) {
	case []any:
		return x, nil
	case map[string]any:
		get := func(k string) (float64, bool) {
			f, err := number(x[k])
			return f, err == nil
		}
		if from, ok := get("from"); ok {
			count, ok2 := get("count")
			if !ok2 || count < 1 || count > MaxJobs {
				return nil, fmt.Errorf("axes.%s: {from, count} needs a count between 1 and %d", name, MaxJobs)
			}
			out := make([]any, int(count))
			for i := range out {
				out[i] = from + float64(i)
			}
			return out, nil
		}
		start, ok1 := get("start")
		stop, ok2 := get("stop")
		step, ok3 := get("step")
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("axes.%s: a range needs start and stop (and step, default 1)", name)
		}
		if !ok3 {
			step = 1
		}
		if n := math.Floor((stop-start)/step+1e-10) + 1; !(n >= 1 && n <= MaxJobs) {
			return nil, fmt.Errorf("axes.%s: the range %v:%v:%v is empty or too long", name, start, step, stop)
		}
		r := lifsim.Range(start, step, stop)
		if r == nil {
			// Longer than a factor grid may be: build it here.
			for k := 0; start+float64(k)*step <= stop+1e-9*math.Abs(step); k++ {
				r = append(r, start+float64(k)*step)
			}
		}
		out := make([]any, len(r))
		for i, f := range r {
			out[i] = f
		}
		return out, nil
	}
	return nil, fmt.Errorf("axes.%s: want a list of values or a range {start, stop, step}", name)
}

// MaxJobs is the largest sweep accepted (Slurm's default MaxArraySize is
// 1001; bigger sweeps run as several arrays).
const MaxJobs = 100_000

// Validate checks the spec: every job's settings must give a valid
// configuration, training, grid search and neuron parameters. Errors name
// the field, and the job for axis values.
func (s *Spec) Validate() error {
	if s.Name == "" {
		return errors.New("name: required")
	}
	n := 1
	seen := map[string]bool{}
	for i, a := range s.Axes {
		if _, err := s.Base.field(a.Name); err != nil {
			return fmt.Errorf("axes[%d]: %w", i, err)
		}
		if seen[a.Name] {
			return fmt.Errorf("axes: %s given twice", a.Name)
		}
		seen[a.Name] = true
		if len(a.Values) == 0 {
			return fmt.Errorf("axes.%s: no values", a.Name)
		}
		n *= len(a.Values)
		if n > MaxJobs {
			return fmt.Errorf("axes: %d jobs or more; at most %d", n, MaxJobs)
		}
	}
	names := map[string]bool{}
	for i, c := range s.Conditions {
		if c.Name == "" || names[c.Name] || strings.ContainsAny(c.Name, ",\"\n") {
			return fmt.Errorf("conditions[%d]: needs a unique name without commas or quotes", i)
		}
		names[c.Name] = true
		if err := c.Settings.onlyNeuron(); err != nil {
			return fmt.Errorf("conditions[%d] (%s): %w", i, c.Name, err)
		}
	}
	jobs, err := s.Jobs()
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if err := j.validate(); err != nil {
			return fmt.Errorf("job %d (%s): %w", j.Index, j.Label(), err)
		}
	}
	return nil
}

// onlyNeuron fails if a setting other than the spiking neuron's is set.
func (s Settings) onlyNeuron() error {
	neuron := map[string]bool{"model": true, "tref": true, "tm": true, "tr": true, "vreset": true, "vpeak": true, "bias": true, "noise_sd": true}
	for _, name := range Names() {
		v, _ := s.Get(name)
		if v == nil || neuron[name] {
			continue
		}
		if reflectZero(v) {
			continue
		}
		return fmt.Errorf("setting %s: a condition may only change the spiking neuron (model, tref, tm, tr, vreset, vpeak, bias, noise_sd)", name)
	}
	return nil
}

func reflectZero(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case int:
		return x == 0
	case uint64:
		return x == 0
	case float64:
		return x == 0
	case []float64:
		return len(x) == 0
	}
	return false
}

// configError rewords a *spikernn.ConfigError with the setting's name.
func configError(err error) error {
	var ce *spikernn.ConfigError
	if errors.As(err, &ce) {
		return fmt.Errorf("setting %s = %v: %s", ce.Field, ce.Value, ce.Allowed)
	}
	return err
}
