package pipeline

import (
	"fmt"
	"time"

	"github.com/spikernn/spikernn/internal/atomicfile"
	"github.com/spikernn/spikernn/spikernn"
)

// CheckOutput creates the reference's model folder for cfg under outputDir
// and checks that a file can be written there, so that a long run learns
// before its first trial that it could not save its result. It removes the
// folders it created.
func CheckOutput(outputDir string, cfg spikernn.Config) error {
	dir := spikernn.ModelDir(outputDir, cfg)
	if err := atomicfile.CheckWritable(dir); err != nil {
		return fmt.Errorf("pipeline: cannot write models into %s: %w", dir, err)
	}
	return nil
}

// SaveNew writes the model as a new file in the reference's folder layout
// under outputDir, named for the time now (never replacing a file: a taken
// name gets a numbered suffix), sets m.Path and returns it. If that fails
// (a full disk, a folder that became read-only), the model is written to
// the system's temporary folder instead, and the error says where.
func SaveNew(m *Model, outputDir string, opt spikernn.SaveOptions) (string, error) {
	path, err := m.Net.SaveNew(outputDir, time.Now(), opt)
	if err == nil {
		m.Path = path
		return path, nil
	}
	fallback, ferr := saveFallback(m.Net)
	if ferr != nil {
		return "", fmt.Errorf("pipeline: %w; saving to the temporary folder failed too: %w", err, ferr)
	}
	m.Path = fallback
	return fallback, fmt.Errorf("pipeline: %w; the model was saved to %s instead", err, fallback)
}
