package storage

import (
	"context"
	"fmt"
)

// Config selects and configures the object store.
type Config struct {
	// Backend is "fs" (a local directory, the default) or "s3".
	Backend string `env:"RECHECK_STORAGE" default:"fs" help:"object store: fs or s3"`
	// Dir is the root directory of the fs backend.
	Dir string `env:"RECHECK_STORAGE_DIR" default:"./data" help:"root directory of the fs store"`
	// S3 configures the s3 backend.
	S3 S3Config
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch c.Backend {
	case "fs":
		if c.Dir == "" {
			return fmt.Errorf("storage: RECHECK_STORAGE_DIR is empty")
		}
		return nil
	case "s3":
		return c.S3.Validate()
	default:
		return fmt.Errorf("storage: RECHECK_STORAGE must be fs or s3, got %q", c.Backend)
	}
}

// Open returns the Store that cfg describes.
func Open(ctx context.Context, cfg Config) (Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Backend == "s3" {
		return NewS3(ctx, cfg.S3)
	}
	return NewFS(cfg.Dir)
}
