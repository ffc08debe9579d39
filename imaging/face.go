package imaging

import (
	"context"
	"image"
	"math"
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
	// Confidence is the detector's score; higher is surer.
	Confidence float64
	// Filter is the HOG filter that fired: 0 frontal, 1 and 2 turned to a
	// side, 3 and 4 rotated in the image plane.
	Filter int
}

// FaceDetector finds faces in an image. Implementations (package facematch)
// are safe for concurrent use.
type FaceDetector interface {
	DetectFaces(ctx context.Context, img RGB) ([]Face, error)
}

// point is a position in floating-point pixels.
type point struct{ X, Y float64 }

func fpt(p image.Point) point { return point{float64(p.X), float64(p.Y)} }

// landmarks5 are the named points of the 5-point model.
type landmarks5 struct {
	LeftEye, RightEye point // eye centres, by side of the image
	Nose              point // base of the nose
}

// shape returns the eye centres and the nose from 5-point landmarks; ok is
// false for other landmark sets.
func (f Face) shape() (l landmarks5, ok bool) {
	if len(f.Landmarks) != 5 {
		return l, false
	}
	p := f.Landmarks
	r := point{float64(p[0].X+p[1].X) / 2, float64(p[0].Y+p[1].Y) / 2}
	le := point{float64(p[2].X+p[3].X) / 2, float64(p[2].Y+p[3].Y) / 2}
	if le.X > r.X {
		le, r = r, le
	}
	return landmarks5{LeftEye: le, RightEye: r, Nose: fpt(p[4])}, true
}

// scale maps the face from one image's coordinates to another's.
func (f Face) scale(s float64) Face {
	sp := func(p image.Point) image.Point {
		return image.Pt(int(math.Round(float64(p.X)*s)), int(math.Round(float64(p.Y)*s)))
	}
	out := f
	out.Box = image.Rectangle{Min: sp(f.Box.Min), Max: sp(f.Box.Max)}
	out.Landmarks = nil
	for _, p := range f.Landmarks {
		out.Landmarks = append(out.Landmarks, sp(p))
	}
	return out
}
