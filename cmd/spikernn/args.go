package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/spikernn/spikernn/spikernn"
)

// errHelp is returned when the user asked for --help; usage was printed.
var errHelp = errors.New("help requested")

// argSpec declares one --flag in the reference's argparse style.
type argSpec struct {
	name  string // without dashes, reference spelling (N, P_inh, decay_taus)
	nargs int    // values taken: 1, 0 (a switch) or -1 (one or more, like nargs='+')
	def   string // default shown in help (informational)
	help  string
}

// parsedArgs holds the values of one command line.
type parsedArgs struct {
	cmd        string
	vals       map[string][]string
	positional []string
}

// parseArgs parses argv (after the subcommand) against specs, accepting
// "--name value", "--name=value", "-name value" and, for nargs -1, several
// values up to the next flag. Unknown flags are errors naming the flag.
func parseArgs(cmd string, argv []string, specs []argSpec, usage io.Writer) (*parsedArgs, error) {
	byName := map[string]argSpec{}
	for _, s := range specs {
		byName[s.name] = s
	}
	p := &parsedArgs{cmd: cmd, vals: map[string][]string{}}
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		if a == "--" {
			p.positional = append(p.positional, argv[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || len(a) < 2 || isNumber(a) {
			p.positional = append(p.positional, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		var inline *string
		if k, v, ok := strings.Cut(name, "="); ok {
			name, inline = k, &v
		}
		if name == "h" || name == "help" {
			printUsage(usage, cmd, specs)
			return nil, errHelp
		}
		s, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("%s: unknown flag --%s (run 'spikernn %s --help' for the flags)", cmd, name, cmd)
		}
		switch {
		case s.nargs == 0:
			if inline != nil {
				p.vals[name] = []string{*inline}
			} else {
				p.vals[name] = []string{"true"}
			}
		case inline != nil:
			p.vals[name] = strings.Fields(strings.ReplaceAll(*inline, ",", " "))
		case s.nargs == 1:
			if i+1 >= len(argv) {
				return nil, fmt.Errorf("%s: flag --%s needs a value", cmd, name)
			}
			i++
			p.vals[name] = []string{argv[i]}
		default:
			var vs []string
			for i+1 < len(argv) && (!strings.HasPrefix(argv[i+1], "-") || isNumber(argv[i+1])) {
				i++
				vs = append(vs, argv[i])
			}
			if len(vs) == 0 {
				return nil, fmt.Errorf("%s: flag --%s needs at least one value", cmd, name)
			}
			p.vals[name] = vs
		}
	}
	return p, nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func printUsage(w io.Writer, cmd string, specs []argSpec) {
	if c, ok := commands[cmd]; ok {
		fmt.Fprintf(w, "usage: spikernn %s\n\n%s\n\nflags:\n", c.usage, c.summary)
	}
	sorted := append([]argSpec(nil), specs...)
	sort.SliceStable(sorted, func(i, j int) bool { return strings.ToLower(sorted[i].name) < strings.ToLower(sorted[j].name) })
	for _, s := range sorted {
		arg := " VALUE"
		switch s.nargs {
		case 0:
			arg = ""
		case -1:
			arg = " VALUE [VALUE ...]"
		}
		def := ""
		if s.def != "" {
			def = " (default " + s.def + ")"
		}
		fmt.Fprintf(w, "  --%s%s\n      %s%s\n", s.name, arg, s.help, def)
	}
}

func (p *parsedArgs) has(name string) bool { _, ok := p.vals[name]; return ok }

func (p *parsedArgs) str(name, def string) string {
	if v, ok := p.vals[name]; ok {
		return v[0]
	}
	return def
}

func (p *parsedArgs) int(name string, def int) (int, error) {
	v, ok := p.vals[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil {
		return 0, fmt.Errorf("%s: invalid --%s %q: must be an integer", p.cmd, name, v[0])
	}
	return n, nil
}

func (p *parsedArgs) uint64(name string, def uint64) (uint64, error) {
	v, ok := p.vals[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseUint(v[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: invalid --%s %q: must be a non-negative integer", p.cmd, name, v[0])
	}
	return n, nil
}

func (p *parsedArgs) float(name string, def float64) (float64, error) {
	v, ok := p.vals[name]
	if !ok {
		return def, nil
	}
	f, err := strconv.ParseFloat(v[0], 64)
	if err != nil {
		return 0, fmt.Errorf("%s: invalid --%s %q: must be a number", p.cmd, name, v[0])
	}
	return f, nil
}

func (p *parsedArgs) floats(name string, def []float64) ([]float64, error) {
	v, ok := p.vals[name]
	if !ok {
		return def, nil
	}
	out := make([]float64, len(v))
	for i, s := range v {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: invalid --%s value %q: must be a number", p.cmd, name, s)
		}
		out[i] = f
	}
	return out, nil
}

// bool parses like the reference's str2bool: yes/true/t/y/1 and
// no/false/f/n/0, case-insensitive.
func (p *parsedArgs) bool(name string, def bool) (bool, error) {
	v, ok := p.vals[name]
	if !ok {
		return def, nil
	}
	switch strings.ToLower(v[0]) {
	case "yes", "true", "t", "y", "1":
		return true, nil
	case "no", "false", "f", "n", "0":
		return false, nil
	}
	return false, fmt.Errorf("%s: invalid --%s %q: allowed: True, False (also yes/no, 1/0)", p.cmd, name, v[0])
}

// configSpecs are the reference's network flags, shared by init and train.
var configSpecs = []argSpec{
	{name: "task", nargs: 1, def: "go-nogo", help: "task: " + strings.Join(spikernn.TaskNames(), ", ")},
	{name: "N", nargs: 1, def: "200", help: "number of units"},
	{name: "P_inh", nargs: 1, def: "0.2", help: "probability that a unit is inhibitory"},
	{name: "P_rec", nargs: 1, def: "0.2", help: "recurrent connection probability"},
	{name: "gain", nargs: 1, def: "1.5", help: "gain of the initial Gaussian weights"},
	{name: "som_N", nargs: 1, def: "0", help: "number of SOM (SST) inhibitory units"},
	{name: "w_dist", nargs: 1, def: "gaus", help: "initial weight distribution: gaus, gamma"},
	{name: "apply_dale", nargs: 1, def: "True", help: "apply Dale's principle: True, False"},
	{name: "act", nargs: 1, def: "sigmoid", help: "activation: sigmoid, clipped_relu, softplus"},
	{name: "loss_fn", nargs: 1, def: "l2", help: "loss: l1, l2"},
	{name: "decay_taus", nargs: -1, def: "4 20", help: "synaptic decay constants in 5 ms steps: MIN MAX (trained) or one fixed value"},
	{name: "seed", nargs: 1, def: "1", help: "random seed for every draw (same seed, same result)"},
	{name: "output_dir", nargs: 1, def: ".", help: "folder under which models/<task>/... is created"},
}

// configFromArgs builds and validates a network configuration from the
// reference flags; errors name the flag and what is allowed.
func configFromArgs(p *parsedArgs) (spikernn.Config, error) {
	task := strings.ToLower(p.str("task", "go-nogo"))
	cfg := spikernn.DefaultConfig(task)
	var err error
	if cfg.N, err = p.int("N", cfg.N); err != nil {
		return cfg, err
	}
	if cfg.PInh, err = p.float("P_inh", cfg.PInh); err != nil {
		return cfg, err
	}
	if cfg.PRec, err = p.float("P_rec", cfg.PRec); err != nil {
		return cfg, err
	}
	if cfg.Gain, err = p.float("gain", cfg.Gain); err != nil {
		return cfg, err
	}
	if cfg.SomN, err = p.int("som_N", cfg.SomN); err != nil {
		return cfg, err
	}
	if cfg.ApplyDale, err = p.bool("apply_dale", cfg.ApplyDale); err != nil {
		return cfg, err
	}
	if cfg.Taus, err = p.floats("decay_taus", cfg.Taus); err != nil {
		return cfg, err
	}
	cfg.WeightDist = strings.ToLower(p.str("w_dist", cfg.WeightDist))
	cfg.Activation = strings.ToLower(p.str("act", cfg.Activation))
	cfg.LossFn = strings.ToLower(p.str("loss_fn", cfg.LossFn))
	if err := cfg.Validate(); err != nil {
		var ce *spikernn.ConfigError
		if errors.As(err, &ce) {
			return cfg, fmt.Errorf("%s: invalid --%s %v: %s", p.cmd, ce.Field, ce.Value, ce.Allowed)
		}
		return cfg, err
	}
	return cfg, nil
}
