// Package vision joins imaging (libvips) and facematch (dlib, ONNX Runtime)
// into what the workers and the intake call: the standardizer, which
// returns the capture.StandardizeResult a capture records, and its free
// quality check (precheck); the scorer (the calibrated face comparison,
// with the admission photo's embedding cached in Redis); and the face
// counter of admission photos. The worker knows only its small
// interfaces; journey tests use the fakes of worker/workertest, and a few
// end-to-end tests these.
package vision

import (
	"context"
	"fmt"
	"time"

	"github.com/recheck/recheck/capture/redisstore"
)

// Config configures the standardizer's face checks.
type Config struct {
	// DetectSize is the longest side of the copy faces are detected on.
	DetectSize int `env:"RECHECK_DETECT_SIZE" default:"480" help:"longest side, in pixels, of the copy faces are detected on (a second pass at 2.5x runs when none is found)"`
	// LivenessLine flags a capture for manual review as re-photographed
	// when its liveness is below it (0 turns the check off).
	LivenessLine float64 `env:"RECHECK_LIVENESS_LINE" default:"0.2" help:"liveness below which a capture is flagged for manual review as re-photographed (0: off)"`
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.LivenessLine < 0 || c.LivenessLine > 1 {
		return fmt.Errorf("vision: RECHECK_LIVENESS_LINE must be 0-1, got %g", c.LivenessLine)
	}
	if c.DetectSize < 160 || c.DetectSize > 4096 {
		return fmt.Errorf("vision: RECHECK_DETECT_SIZE must be 160-4096, got %d", c.DetectSize)
	}
	return nil
}

// EmbeddingCache keeps admission photos' embeddings by embedder and photo
// digest; *redisstore.Repository is one.
type EmbeddingCache interface {
	Embedding(ctx context.Context, embedder, sha string) ([]float32, bool, error)
	SetEmbedding(ctx context.Context, embedder, sha string, vec []float32, ttl time.Duration) error
}

var _ EmbeddingCache = (*redisstore.Repository)(nil)
