package main

import (
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
)

// errHelp is returned when the user asked for --help; usage was printed.
var errHelp = errors.New("help requested")

// flagSet parses a command's flags into typed destinations, in the style of
// the reference's argparse command line: "--name value", "--name=value",
// "-name value", unambiguous prefixes of a name ("--n_tr 500"), and flags
// of one or more values ("--decay_taus 4 20"). Every command declares its
// flags with their defaults in one place and parses the whole command line
// before doing any work.
type flagSet struct {
	cmd     string
	usage   string // e.g. "lif MODEL.mat [flags]"
	summary string
	defs    []*flagDef
	args    []string // positional arguments
	// afterSwitch names the switch flag that immediately preceded a
	// positional argument ("--force maybe"), for a hint when that
	// argument turns out not to be a file.
	afterSwitch map[int]string
}

// flagDef is one --flag.
type flagDef struct {
	name  string
	help  string
	def   string // default shown in help
	nargs int    // 0: a switch, 1: one value, -1: one or more values
	set   func(vals []string) error
	seen  bool
	// refRequired notes that the reference's main.py requires the flag
	// while spikernn has a default.
	refRequired bool
}

func newFlagSet(cmd, usage, summary string) *flagSet {
	return &flagSet{cmd: cmd, usage: usage, summary: summary}
}

func (fs *flagSet) add(d *flagDef) *flagDef {
	for _, o := range fs.defs {
		if o.name == d.name {
			panic("duplicate flag --" + d.name) // a programming error, caught by the tests
		}
	}
	fs.defs = append(fs.defs, d)
	return d
}

func (fs *flagSet) invalid(name, val, allowed string) error {
	return fmt.Errorf("%s: invalid --%s %q: %s", fs.cmd, name, val, allowed)
}

// stringVar declares a flag of one text value.
func (fs *flagSet) stringVar(dst *string, name, def, help string) *flagDef {
	*dst = def
	return fs.add(&flagDef{name: name, help: help, def: def, nargs: 1, set: func(v []string) error { *dst = v[0]; return nil }})
}

// intVar declares an integer flag.
func (fs *flagSet) intVar(dst *int, name string, def int, help string) *flagDef {
	*dst = def
	return fs.add(&flagDef{name: name, help: help, def: strconv.Itoa(def), nargs: 1, set: func(v []string) error {
		n, err := strconv.Atoi(v[0])
		if err != nil {
			return fs.invalid(name, v[0], "must be an integer")
		}
		*dst = n
		return nil
	}})
}

// uintVar declares a non-negative 64-bit integer flag (seeds).
func (fs *flagSet) uintVar(dst *uint64, name string, def uint64, help string) *flagDef {
	*dst = def
	return fs.add(&flagDef{name: name, help: help, def: strconv.FormatUint(def, 10), nargs: 1, set: func(v []string) error {
		n, err := strconv.ParseUint(v[0], 10, 64)
		if err != nil {
			return fs.invalid(name, v[0], "must be a whole number between 0 and 18446744073709551615")
		}
		*dst = n
		return nil
	}})
}

// floatVar declares a number flag; values must be finite.
func (fs *flagSet) floatVar(dst *float64, name string, def float64, help string) *flagDef {
	*dst = def
	return fs.add(&flagDef{name: name, help: help, def: fmtNum(def), nargs: 1, set: func(v []string) error {
		f, err := parseFinite(v[0])
		if err != nil {
			return fs.invalid(name, v[0], err.Error())
		}
		*dst = f
		return nil
	}})
}

// unitVar declares a number flag in [0, 1], as the reference's
// restricted_float.
func (fs *flagSet) unitVar(dst *float64, name string, def float64, help string) *flagDef {
	*dst = def
	return fs.add(&flagDef{name: name, help: help, def: fmtNum(def), nargs: 1, set: func(v []string) error {
		f, err := parseFinite(v[0])
		if err != nil || f < 0 || f > 1 {
			return fs.invalid(name, v[0], "must be a number in [0, 1]")
		}
		*dst = f
		return nil
	}})
}

// floatsVar declares a flag of one or more numbers.
func (fs *flagSet) floatsVar(dst *[]float64, name string, def []float64, help string) *flagDef {
	*dst = def
	ds := make([]string, len(def))
	for i, d := range def {
		ds[i] = fmtNum(d)
	}
	return fs.add(&flagDef{name: name, help: help, def: strings.Join(ds, " "), nargs: -1, set: func(v []string) error {
		out := make([]float64, len(v))
		for i, s := range v {
			f, err := parseFinite(s)
			if err != nil {
				return fs.invalid(name, s, err.Error())
			}
			out[i] = f
		}
		*dst = out
		return nil
	}})
}

// boolVar declares a flag taking True or False, as the reference's
// str2bool (yes/true/t/y/1, no/false/f/n/0, any case).
func (fs *flagSet) boolVar(dst *bool, name string, def bool, help string) *flagDef {
	*dst = def
	return fs.add(&flagDef{name: name, help: help, def: strconv.FormatBool(def), nargs: 1, set: func(v []string) error {
		b, ok := parseBool(v[0])
		if !ok {
			return fs.invalid(name, v[0], "allowed: True, False (also yes/no, 1/0)")
		}
		*dst = b
		return nil
	}})
}

// switchVar declares a flag without a value (--force). "--force=false"
// also works.
func (fs *flagSet) switchVar(dst *bool, name, help string) *flagDef {
	*dst = false
	return fs.add(&flagDef{name: name, help: help, nargs: 0, set: func(v []string) error {
		if len(v) == 0 {
			*dst = true
			return nil
		}
		b, ok := parseBool(v[0])
		if !ok {
			return fs.invalid(name, v[0], "a switch: give --"+name+" alone, or --"+name+"=true/false")
		}
		*dst = b
		return nil
	}})
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "yes", "true", "t", "y", "1":
		return true, true
	case "no", "false", "f", "n", "0":
		return false, true
	}
	return false, false
}

func parseFinite(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, errors.New("must be a number")
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errors.New("must be a finite number")
	}
	return f, nil
}

// lookup finds a flag by its name or an unambiguous prefix of it.
func (fs *flagSet) lookup(name string) (*flagDef, error) {
	var cands []*flagDef
	for _, d := range fs.defs {
		if d.name == name {
			return d, nil
		}
		if strings.HasPrefix(d.name, name) {
			cands = append(cands, d)
		}
	}
	switch len(cands) {
	case 1:
		return cands[0], nil
	case 0:
		return nil, fmt.Errorf("%s: unknown flag --%s (run 'spikernn %s --help' for the flags)", fs.cmd, name, fs.cmd)
	}
	names := make([]string, len(cands))
	for i, c := range cands {
		names[i] = "--" + c.name
	}
	return nil, fmt.Errorf("%s: ambiguous flag --%s: could be %s", fs.cmd, name, strings.Join(names, ", "))
}

// isFlag tells a flag from a value: negative numbers are values.
func isFlag(a string) bool {
	if len(a) < 2 || a[0] != '-' {
		return false
	}
	_, err := strconv.ParseFloat(a, 64)
	return err != nil
}

// parse parses argv. With --help it prints the usage to w and returns
// errHelp.
func (fs *flagSet) parse(argv []string, w io.Writer) error {
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		if a == "--" {
			fs.args = append(fs.args, argv[i+1:]...)
			break
		}
		if !isFlag(a) {
			if i > 0 && isFlag(argv[i-1]) && !strings.Contains(argv[i-1], "=") {
				if d, err := fs.lookup(strings.TrimLeft(argv[i-1], "-")); err == nil && d.nargs == 0 {
					if fs.afterSwitch == nil {
						fs.afterSwitch = map[int]string{}
					}
					fs.afterSwitch[len(fs.args)] = d.name
				}
			}
			fs.args = append(fs.args, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		var inline *string
		if k, v, ok := strings.Cut(name, "="); ok {
			name, inline = k, &v
		}
		if name == "h" || name == "help" {
			fs.printUsage(w)
			return errHelp
		}
		if name == "" {
			return fmt.Errorf("%s: invalid argument %q", fs.cmd, a)
		}
		d, err := fs.lookup(name)
		if err != nil {
			return err
		}
		var vals []string
		switch {
		case inline != nil && d.nargs == -1:
			vals = strings.Fields(strings.ReplaceAll(*inline, ",", " "))
		case inline != nil:
			vals = []string{*inline}
		case d.nargs == 1:
			if i+1 >= len(argv) || isFlag(argv[i+1]) {
				return fmt.Errorf("%s: flag --%s needs a value", fs.cmd, d.name)
			}
			i++
			vals = []string{argv[i]}
		case d.nargs == -1:
			for i+1 < len(argv) && !isFlag(argv[i+1]) && argv[i+1] != "--" {
				i++
				vals = append(vals, argv[i])
			}
		}
		if d.nargs != 0 && len(vals) == 0 {
			return fmt.Errorf("%s: flag --%s needs at least one value", fs.cmd, d.name)
		}
		d.seen = true // given twice: the last value wins, as in argparse
		if err := d.set(vals); err != nil {
			return err
		}
	}
	return nil
}

// given reports whether the flag was on the command line.
func (fs *flagSet) given(name string) bool {
	for _, d := range fs.defs {
		if d.name == name {
			return d.seen
		}
	}
	return false
}

// files returns the positional arguments after checking that each is an
// existing file, before the command does any work; the error names the
// argument (and, for a word after a switch, says the switch takes no value).
func (fs *flagSet) files(what string) ([]string, error) {
	for i, a := range fs.args {
		st, err := os.Stat(a)
		if err == nil && !st.IsDir() {
			continue
		}
		why := "no such file"
		if err == nil {
			why = "a folder"
		} else if !errors.Is(err, iofs.ErrNotExist) {
			why = err.Error()
		}
		msg := fmt.Sprintf("%s: %q is not a %s: %s", fs.cmd, a, what, why)
		if sw, ok := fs.afterSwitch[i]; ok {
			msg += fmt.Sprintf(" (--%s is a switch and takes no value: give --%s alone, or --%s=true/false)", sw, sw, sw)
		}
		return nil, errors.New(msg + "; nothing was done")
	}
	return fs.args, nil
}

// noArgs fails if positional arguments were given.
func (fs *flagSet) noArgs() error {
	if len(fs.args) > 0 {
		return fmt.Errorf("%s: unexpected argument %q (run 'spikernn %s --help')", fs.cmd, fs.args[0], fs.cmd)
	}
	return nil
}

func (fs *flagSet) printUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: spikernn %s\n\n%s\n\nflags (a unique prefix of a name is enough, as in the reference's argparse):\n", fs.usage, fs.summary)
	sorted := append([]*flagDef(nil), fs.defs...)
	sort.SliceStable(sorted, func(i, j int) bool { return strings.ToLower(sorted[i].name) < strings.ToLower(sorted[j].name) })
	for _, d := range sorted {
		arg := " VALUE"
		switch d.nargs {
		case 0:
			arg = ""
		case -1:
			arg = " VALUE [VALUE ...]"
		}
		def := ""
		if d.def != "" && d.nargs != 0 {
			def = " (default " + d.def + ")"
		}
		if d.refRequired {
			def += " [required by the reference's main.py; spikernn uses the default when it is not given]"
		}
		fmt.Fprintf(w, "  --%s%s\n      %s%s\n", d.name, arg, d.help, def)
	}
}

// fmtNum prints a number compactly (25, 0.002, -65).
func fmtNum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
