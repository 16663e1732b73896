package spikernn

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// PyFloat formats a number the way Python's str() prints a float (4.0, 0.2,
// 1e-05), as the reference does in model file and folder names.
func PyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	// Shortest round-trip digits, as Python's repr; its exponent decides
	// between fixed and scientific notation (Python: exp < -4 or >= 16).
	s := strconv.FormatFloat(f, 'e', -1, 64)
	_, e, _ := strings.Cut(s, "e")
	if exp, _ := strconv.Atoi(e); exp < -4 || exp >= 16 {
		return s // Go writes e-05 and e+16 exactly like Python
	}
	s = strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// ModelDir returns the folder the reference saves a model in:
// <outputDir>/models/<task>[/NoDale]/P_rec_<P_rec>_Taus_<min>_<max> (or
// .../P_rec_<P_rec>_Tau_<t> for a fixed decay constant).
func ModelDir(outputDir string, cfg Config) string {
	dir := filepath.Join(outputDir, "models", strings.ToLower(cfg.Task))
	if !cfg.ApplyDale {
		dir = filepath.Join(dir, "NoDale")
	}
	return filepath.Join(dir, "P_rec_"+PyFloat(cfg.PRec)+"_"+tausTag(cfg))
}

// ModelFileName returns the reference file name for a model saved at time t:
// Task_<task>_N_<N>_Taus_<min>_<max>_Act_<act>_<YYYY_MM_DD_HHMMSS>.mat.
func ModelFileName(cfg Config, t time.Time) string {
	return ModelFileStem(cfg) + "_" + t.Format("2006_01_02_150405") + ".mat"
}

// ModelFileStem returns the part of the reference file name that the
// configuration decides: Task_<task>_N_<N>_Taus_<min>_<max>_Act_<act>.
func ModelFileStem(cfg Config) string {
	return fmt.Sprintf("Task_%s_N_%d_%s_Act_%s", strings.ToLower(cfg.Task), cfg.N, tausTag(cfg), cfg.Activation)
}

func tausTag(cfg Config) string {
	if len(cfg.Taus) == 2 {
		return "Taus_" + PyFloat(cfg.Taus[0]) + "_" + PyFloat(cfg.Taus[1])
	}
	if len(cfg.Taus) == 1 {
		return "Tau_" + PyFloat(cfg.Taus[0])
	}
	return "Tau_none"
}

// ModelFormat is the version of what a model file holds and how spikernn
// computes it. It is part of every model-store key (package pipeline): a
// change to training, initialisation or the file's content that makes an
// old file differ from what the code would produce now increments it, so
// that no store returns a stale model.
const ModelFormat = 2
