package facematch

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"sort"

	face "github.com/Kagami/go-face"

	"github.com/recheck/recheck/imaging"
)

// Descriptor is dlib's 128-dimensional face descriptor.
type Descriptor [128]float32

// Face is a face found by dlib's pipeline: the HOG detector's box, the
// 5-point landmarks and the ResNet descriptor.
type Face struct {
	Box        image.Rectangle
	Landmarks  []image.Point
	Descriptor Descriptor
}

// Faces runs go-face's pipeline (HOG detection without upsampling, 5-point
// landmarks, ResNet descriptor) on a JPEG and returns the faces ordered left
// to right. Input that dlib cannot decode is an *imaging.Error.
func (p *Pool) Faces(ctx context.Context, jpeg []byte) ([]Face, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var found []face.Face
	err := p.l.with(ctx, func(rec *face.Recognizer) error {
		var err error
		found, err = rec.Recognize(jpeg)
		return err
	})
	if err != nil {
		var le face.ImageLoadError
		if errors.As(err, &le) {
			return nil, imaging.Unreadable("dlib cannot decode the JPEG: " + err.Error())
		}
		return nil, fmt.Errorf("facematch: recognize: %w", err)
	}
	out := make([]Face, len(found))
	for i, f := range found {
		out[i] = Face{Box: f.Rectangle, Landmarks: f.Shapes, Descriptor: Descriptor(f.Descriptor)}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Box.Min.X < out[b].Box.Min.X })
	return out, nil
}

// FaceCountError says a photo that must show exactly one face shows Count.
type FaceCountError struct{ Count int }

// Error implements error.
func (e *FaceCountError) Error() string {
	if e.Count == 0 {
		return "facematch: no face found"
	}
	return fmt.Sprintf("facematch: %d faces found, want exactly one", e.Count)
}

// DescribeOne decodes any accepted photo (JPEG, PNG, WebP, HEIF) with
// libvips, shrunk so that its longest side is at most maxSide, and returns
// its single face in the photo's own pixels. It fails with an
// *imaging.Error for unusable input and a *FaceCountError unless there is
// exactly one face.
func (p *Pool) DescribeOne(ctx context.Context, photo []byte, lim imaging.Limits, maxSide int) (Face, error) {
	prep, err := imaging.Prepare(photo, lim, maxSide)
	if err != nil {
		return Face{}, err
	}
	faces, err := p.Faces(ctx, prep.JPEG)
	if err != nil {
		return Face{}, err
	}
	if len(faces) != 1 {
		return Face{}, &FaceCountError{Count: len(faces)}
	}
	return faces[0].scale(prep.Scale), nil
}

func (f Face) scale(s float64) Face {
	sp := func(p image.Point) image.Point {
		return image.Pt(int(math.Round(float64(p.X)*s)), int(math.Round(float64(p.Y)*s)))
	}
	out := Face{Box: image.Rectangle{Min: sp(f.Box.Min), Max: sp(f.Box.Max)}, Descriptor: f.Descriptor}
	for _, pt := range f.Landmarks {
		out.Landmarks = append(out.Landmarks, sp(pt))
	}
	return out
}
