package worker

import (
	"context"
	"fmt"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/ctid"
)

// The engines the handlers drive, behind interfaces small enough to fake:
// a journey test runs in milliseconds with the fakes of package workertest,
// and package vision holds the real ones (libvips, dlib, ONNX Runtime).

// Standardizer checks a capture's original and standardizes it to the
// school's profile.
type Standardizer interface {
	// Standardize returns what the capture records: the standardized photo
	// (Photo, when OK) or the findings of a photo that failed the checks
	// (an unreadable photo is such a finding, not an error). An error
	// means the machine failed and may be retried.
	Standardize(ctx context.Context, school string, original []byte) (capture.StandardizeResult, error)
}

// Scorer compares a standardized photo's face with the admission photo's
// on the calibrated 0-100 scale.
type Scorer interface {
	// Score returns the score; an *UnusablePhotoError when either photo
	// does not show exactly one usable face; other errors may be retried.
	Score(ctx context.Context, probe Probe, ref Reference) (Score, error)
}

// Probe is the standardized photo compared with the admission photo.
type Probe struct {
	// Photo is the standardized photo.
	Photo []byte
	// Face, when known, is where standardization put the face (x, y,
	// width, height in Photo's pixels); the scorer then reads it there
	// instead of looking for it. Captures standardized before it was
	// recorded have none.
	Face *[4]int
}

// Reference is the admission photo a capture is compared with.
type Reference struct {
	// SHA256 identifies the version on file, so that a scorer may cache
	// its embedding.
	SHA256 string
	// Load reads the photo, when the scorer needs it.
	Load func(context.Context) ([]byte, error)
}

// Score is a comparison's outcome.
type Score struct {
	Score    float64
	Distance float64
	Embedder string
}

// UnusablePhotoError is a photo without exactly one usable face.
type UnusablePhotoError struct {
	// Which is "probe" (the standardized photo) or "reference" (the
	// admission photo).
	Which string
	Err   error
}

// Error implements error.
func (e *UnusablePhotoError) Error() string {
	return fmt.Sprintf("%s photo unusable: %v", e.Which, e.Err)
}

// Unwrap returns the cause.
func (e *UnusablePhotoError) Unwrap() error { return e.Err }

// Verifier checks a name, a resident ID number and a portrait with CTID;
// *ctid.Client is one.
type Verifier interface {
	Verify(ctx context.Context, name, number string, portrait []byte) ctid.Verdict
}
