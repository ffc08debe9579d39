package vision

import (
	"context"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
)

// FaceCounter counts the faces of an admission photo at upload, the way
// the comparison will look for them (facematch.FindFaces), so that a photo
// accepted on file is one the comparison can use. Detector is the
// comparison's (facematch.Matcher.Finder).
type FaceCounter struct {
	Detector imaging.FaceDetector
	Limits   imaging.Limits
}

// CountFaces implements intake.FaceCounter.
func (f *FaceCounter) CountFaces(ctx context.Context, photo []byte) (int, error) {
	_, faces, _, err := facematch.FindFaces(ctx, f.Detector, photo, f.Limits)
	return len(faces), err
}
