package imaging

import (
	"context"
	"image"
)

// Face is a detected face in the coordinates of the image it was found in.
type Face struct {
	// Box is the detector's face rectangle.
	Box image.Rectangle
	// Landmarks are the detector's landmark points; for the 5-point model
	// they are the outer and inner corner of the eye on the image's right,
	// the outer and inner corner of the eye on the image's left, and the
	// base of the nose.
	Landmarks []image.Point
}

// FaceDetector finds faces in a JPEG image. Implementations (package
// facematch) are safe for concurrent use.
type FaceDetector interface {
	DetectFaces(ctx context.Context, jpeg []byte) ([]Face, error)
}

// eyes returns the centres of the eye on the image's left and on its right,
// from 5-point landmarks; ok is false for other landmark sets.
func (f Face) eyes() (left, right image.Point, ok bool) {
	if len(f.Landmarks) != 5 {
		return image.Point{}, image.Point{}, false
	}
	p := f.Landmarks
	right = image.Pt((p[0].X+p[1].X)/2, (p[0].Y+p[1].Y)/2)
	left = image.Pt((p[2].X+p[3].X)/2, (p[2].Y+p[3].Y)/2)
	if left.X > right.X {
		left, right = right, left
	}
	return left, right, true
}

// scale maps the face from one image's coordinates to another's.
func (f Face) scale(s float64) Face {
	sp := func(p image.Point) image.Point {
		return image.Pt(int(float64(p.X)*s+0.5), int(float64(p.Y)*s+0.5))
	}
	out := Face{Box: image.Rectangle{Min: sp(f.Box.Min), Max: sp(f.Box.Max)}}
	for _, p := range f.Landmarks {
		out.Landmarks = append(out.Landmarks, sp(p))
	}
	return out
}
