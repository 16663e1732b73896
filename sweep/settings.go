package sweep

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/spikernn/spikernn/lifsim"
	"github.com/spikernn/spikernn/pipeline"
	"github.com/spikernn/spikernn/spikernn"
)

// Settings are the settings of one job, named as the reference's flags
// (network) and spikernn's command line (training, search, neuron). Every
// field can be an axis of a sweep. Zero values mean the defaults noted.
type Settings struct {
	// Network: the reference's flags.
	Task      string    `toml:"task" json:"task"`             // go-nogo, mante, xor or a registered task
	N         int       `toml:"N" json:"N"`                   // units
	PInh      float64   `toml:"P_inh" json:"P_inh"`           // 0.2
	PRec      float64   `toml:"P_rec" json:"P_rec"`           // 0.2
	Gain      float64   `toml:"gain" json:"gain"`             // 1.5
	SomN      int       `toml:"som_N" json:"som_N"`           // 0
	WDist     string    `toml:"w_dist" json:"w_dist"`         // gaus
	ApplyDale *bool     `toml:"apply_dale" json:"apply_dale"` // true
	Act       string    `toml:"act" json:"act"`               // sigmoid
	LossFn    string    `toml:"loss_fn" json:"loss_fn"`       // l2
	DecayTaus []float64 `toml:"decay_taus" json:"decay_taus"` // [4, 20] (steps of 5 ms)
	// TauMin and TauMax, in ms, set decay_taus (TauMin = TauMax: one fixed
	// tau): a convenient axis for Fig 2D-E (tau_max from 20 to 1000 ms).
	TauMin float64 `toml:"tau_min_ms" json:"tau_min_ms"`
	TauMax float64 `toml:"tau_max_ms" json:"tau_max_ms"`
	Seed   uint64  `toml:"seed" json:"seed"`

	// Training.
	NTrials      int     `toml:"n_trials" json:"n_trials"`           // the cap (6000, the paper's)
	MinTrial     *int    `toml:"min_trial" json:"min_trial"`         // the stopping rule's trial floor (default: the task's: 1501 for Go-NoGo; 0 for Fig 1C)
	Batch        int     `toml:"batch" json:"batch"`                 // 1
	LearningRate float64 `toml:"learning_rate" json:"learning_rate"` // 0.01

	// Grid search of the scaling factor.
	Factors      string `toml:"factors" json:"factors"`             // "20:5:75" (the paper's; "4:2:26" for softplus/ReLU)
	SearchTrials int    `toml:"search_trials" json:"search_trials"` // 100

	// Final evaluation on fresh trials at the best factor.
	EvalTrials int `toml:"eval_trials" json:"eval_trials"` // 100

	// Spiking neurons (SI Table S1); unset: the model's defaults.
	Model   string   `toml:"model" json:"model"` // lif or qif
	Tref    *float64 `toml:"tref" json:"tref"`   // s
	Tm      *float64 `toml:"tm" json:"tm"`       // s
	Tr      *float64 `toml:"tr" json:"tr"`       // s; 0: single-exponential synapses
	VReset  *float64 `toml:"vreset" json:"vreset"`
	VPeak   *float64 `toml:"vpeak" json:"vpeak"`
	Bias    *float64 `toml:"bias" json:"bias"`
	NoiseSD *float64 `toml:"noise_sd" json:"noise_sd"`
}

// Names lists the settings' names (the TOML keys), sorted.
func Names() []string {
	t := reflect.TypeFor[Settings]()
	names := make([]string, t.NumField())
	for i := range names {
		names[i] = tag(t.Field(i))
	}
	sort.Strings(names)
	return names
}

func tag(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	return name
}

// field returns the settable field of s named name.
func (s *Settings) field(name string) (reflect.Value, error) {
	v := reflect.ValueOf(s).Elem()
	t := v.Type()
	for i := range t.NumField() {
		if tag(t.Field(i)) == name {
			return v.Field(i), nil
		}
	}
	return reflect.Value{}, fmt.Errorf("unknown setting %q (settings: %s)", name, strings.Join(Names(), ", "))
}

// Set sets the setting of that name from a value as TOML or JSON decode
// it (int64 or float64 for numbers, bool, string, []any for lists) or as Go
// code writes it.
func (s *Settings) Set(name string, value any) error {
	f, err := s.field(name)
	if err != nil {
		return err
	}
	if err := assign(f, value); err != nil {
		return fmt.Errorf("setting %s = %v: %w", name, value, err)
	}
	return nil
}

// Get returns the setting of that name (nil for an unset optional one).
func (s *Settings) Get(name string) (any, error) {
	f, err := s.field(name)
	if err != nil {
		return nil, err
	}
	if f.Kind() == reflect.Pointer {
		if f.IsNil() {
			return nil, nil
		}
		return f.Elem().Interface(), nil
	}
	return f.Interface(), nil
}

// assign stores value into the field f, converting numbers.
func assign(f reflect.Value, value any) error {
	if f.Kind() == reflect.Pointer {
		if value == nil {
			f.Set(reflect.Zero(f.Type()))
			return nil
		}
		p := reflect.New(f.Type().Elem())
		if err := assign(p.Elem(), value); err != nil {
			return err
		}
		f.Set(p)
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		s, ok := value.(string)
		if !ok {
			return fmt.Errorf("want text, got %T", value)
		}
		f.SetString(s)
	case reflect.Bool:
		b, ok := value.(bool)
		if !ok {
			return fmt.Errorf("want true or false, got %T", value)
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64:
		x, err := number(value)
		if err != nil || x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return fmt.Errorf("want a whole number")
		}
		f.SetInt(int64(x))
	case reflect.Uint64:
		if u, ok := value.(uint64); ok {
			f.SetUint(u)
			return nil
		}
		x, err := number(value)
		if err != nil || x != math.Trunc(x) || x < 0 || x > 1<<53 {
			return fmt.Errorf("want a whole number >= 0")
		}
		f.SetUint(uint64(x))
	case reflect.Float64:
		x, err := number(value)
		if err != nil {
			return err
		}
		f.SetFloat(x)
	case reflect.Slice:
		list, ok := value.([]any)
		if !ok {
			if fl, ok2 := value.([]float64); ok2 {
				f.Set(reflect.ValueOf(append([]float64(nil), fl...)))
				return nil
			}
			x, err := number(value) // one number: a list of one
			if err != nil {
				return fmt.Errorf("want a list of numbers")
			}
			list = []any{x}
		}
		out := make([]float64, len(list))
		for i, e := range list {
			x, err := number(e)
			if err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
			out[i] = x
		}
		f.Set(reflect.ValueOf(out))
	default:
		return fmt.Errorf("unsupported kind %s", f.Kind())
	}
	return nil
}

func number(v any) (float64, error) {
	var x float64
	switch n := v.(type) {
	case int:
		x = float64(n)
	case int64:
		x = float64(n)
	case uint64:
		x = float64(n)
	case float64:
		x = n
	case float32:
		x = float64(n)
	case string:
		f, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return 0, fmt.Errorf("want a number, got %q", n)
		}
		x = f
	default:
		return 0, fmt.Errorf("want a number, got %T", v)
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("want a finite number")
	}
	return x, nil
}

// merged returns s with the set fields of o on top (o's zero values and
// nil pointers leave s's).
func (s Settings) merged(o Settings) Settings {
	dst := reflect.ValueOf(&s).Elem()
	src := reflect.ValueOf(o)
	for i := range src.NumField() {
		if f := src.Field(i); !f.IsZero() {
			dst.Field(i).Set(f)
		}
	}
	return s
}

// config returns the network configuration; errors name the setting.
func (s Settings) config() (spikernn.Config, error) {
	cfg := spikernn.DefaultConfig(s.Task)
	if s.Task == "" {
		return cfg, fmt.Errorf("setting task: required (one of %s)", strings.Join(spikernn.TaskNames(), ", "))
	}
	cfg.Task = strings.ToLower(s.Task)
	if s.N != 0 {
		cfg.N = s.N
	}
	if s.PInh != 0 {
		cfg.PInh = s.PInh
	}
	if s.PRec != 0 {
		cfg.PRec = s.PRec
	}
	if s.Gain != 0 {
		cfg.Gain = s.Gain
	}
	cfg.SomN = s.SomN
	if s.ApplyDale != nil {
		cfg.ApplyDale = *s.ApplyDale
	}
	var err error
	if s.WDist != "" {
		if cfg.WeightDist, err = spikernn.ParseWeightDist(s.WDist); err != nil {
			return cfg, err
		}
	}
	if s.Act != "" {
		if cfg.Activation, err = spikernn.ParseActivation(s.Act); err != nil {
			return cfg, err
		}
	}
	if s.LossFn != "" {
		if cfg.LossFn, err = spikernn.ParseLossFn(s.LossFn); err != nil {
			return cfg, err
		}
	}
	if len(s.DecayTaus) > 0 {
		cfg.Taus = append([]float64(nil), s.DecayTaus...)
	}
	if s.TauMin != 0 || s.TauMax != 0 {
		if len(s.DecayTaus) > 0 {
			return cfg, fmt.Errorf("setting tau_min_ms/tau_max_ms: give either them or decay_taus")
		}
		lo, hi := s.TauMin, s.TauMax
		if lo == 0 {
			lo = 20
		}
		if hi == 0 {
			hi = lo
		}
		cfg.Taus = []float64{lo / spikernn.StepMs, hi / spikernn.StepMs}
		if lo == hi {
			cfg.Taus = cfg.Taus[:1]
		}
	}
	return cfg, cfg.Validate()
}

// tauRangeMs returns the range of decay constants the settings give, in ms
// (equal bounds: one fixed constant); NaN when the settings are invalid.
func (s Settings) tauRangeMs() (lo, hi Float) {
	cfg, err := s.config()
	if err != nil || len(cfg.Taus) == 0 {
		return Float(math.NaN()), Float(math.NaN())
	}
	lo = Float(cfg.Taus[0] * spikernn.StepMs)
	return lo, Float(cfg.Taus[len(cfg.Taus)-1] * spikernn.StepMs)
}

// train returns the training spec.
func (s Settings) train() (pipeline.TrainSpec, error) {
	cfg, err := s.config()
	if err != nil {
		return pipeline.TrainSpec{}, err
	}
	t := pipeline.TrainSpec{Config: cfg, Seed: s.Seed, Trials: s.NTrials, Batch: s.Batch, LearningRate: s.LearningRate}
	if s.MinTrial != nil {
		task, err := spikernn.LookupTask(cfg.Task)
		if err != nil {
			return t, err
		}
		c := task.Criterion()
		c.MinTrial = *s.MinTrial
		t.Criterion = &c
	}
	return t, t.Validate()
}

// params returns the spiking neuron's parameters.
func (s Settings) params() (lifsim.Params, error) {
	model := lifsim.LIF
	if s.Model != "" {
		m, err := lifsim.ParseModel(s.Model)
		if err != nil {
			return lifsim.Params{}, &spikernn.ConfigError{Field: "model", Value: s.Model, Allowed: "allowed: lif, qif"}
		}
		model = m
	}
	p, _ := lifsim.ParamsFor(model)
	for _, o := range []struct {
		v   *float64
		dst *float64
	}{{s.Tref, &p.Tref}, {s.Tm, &p.Tm}, {s.Tr, &p.Tr}, {s.VReset, &p.VReset}, {s.VPeak, &p.VPeak}, {s.Bias, &p.Bias}, {s.NoiseSD, &p.NoiseSD}} {
		if o.v != nil {
			*o.dst = *o.v
		}
	}
	if s.VPeak != nil && s.Bias == nil && model == lifsim.LIF {
		p.Bias = p.VPeak // the reference's BIAS = vpeak
	}
	return p, p.Validate()
}

// search returns the grid-search spec.
func (s Settings) search() (pipeline.SearchSpec, error) {
	p, err := s.params()
	if err != nil {
		return pipeline.SearchSpec{}, err
	}
	spec := pipeline.SearchSpec{Trials: s.SearchTrials, Seed: s.Seed, Params: &p}
	if s.Factors != "" {
		f, err := lifsim.ParseFactors(s.Factors)
		if err != nil {
			return spec, &spikernn.ConfigError{Field: "factors", Value: s.Factors, Allowed: err.Error()}
		}
		spec.Factors = f
	}
	if s.SearchTrials != 0 {
		if err := spikernn.CheckTrials("search_trials", s.SearchTrials); err != nil {
			return spec, err
		}
	}
	return spec, nil
}
