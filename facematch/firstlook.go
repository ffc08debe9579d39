package facematch

import (
	"context"
	"image"

	"github.com/recheck/recheck/imaging"
)

// FirstLook finds faces with UltraFace first and dlib's HOG detector where
// UltraFace finds none: UltraFace finds the faces HOG misses (cut by the
// frame, turned, small and tight) in a third of the time, and HOG, on the
// photos where UltraFace finds nothing, the few it misses. UltraFace gives
// boxes only; the landmarks standardization places a face by are read on
// each box with fr_landmark.onnx, in the 5-point scheme dlib's faces
// carry (see imaging.Face).
type FirstLook struct {
	ultra *UltraFaces
	arc   *ArcFace
	hog   *Detectors
}

// NewFirstLook combines the detectors; arc reads the landmarks, and
// UltraFace's faces have none when it is nil (the embedders read their
// own: only standardization places a face by them, and it looks with HOG).
func NewFirstLook(ultra *UltraFaces, arc *ArcFace, hog *Detectors) *FirstLook {
	return &FirstLook{ultra: ultra, arc: arc, hog: hog}
}

// minDominance is the least width, as a part of the largest face's, of a
// face FirstLook reports: UltraFace finds faces far smaller than HOG's
// 80 pixels, such as people walking behind the student, which would make
// a photo of one student a photo of several.
const minDominance = 0.5

// dominant drops the faces narrower than minDominance of the widest.
func dominant(faces []imaging.Face) []imaging.Face {
	widest := 0
	for _, f := range faces {
		widest = max(widest, f.Box.Dx())
	}
	out := faces[:0]
	for _, f := range faces {
		if float64(f.Box.Dx()) >= minDominance*float64(widest) {
			out = append(out, f)
		}
	}
	return out
}

// dlib5 are the 68-point indices of dlib's 5-point scheme: the outer and
// inner corner of the eye on the image's right, the outer and inner corner
// of the eye on the image's left, the base of the nose.
var dlib5 = [5]int{45, 42, 36, 39, 33}

// DetectFaces implements imaging.FaceDetector.
func (f *FirstLook) DetectFaces(ctx context.Context, img imaging.RGB) ([]imaging.Face, error) {
	faces, err := f.ultra.DetectFaces(ctx, img)
	if err != nil {
		return nil, err
	}
	if len(faces) == 0 {
		return f.hog.DetectFaces(ctx, img)
	}
	faces = dominant(faces)
	for i := range faces {
		if f.arc == nil {
			break
		}
		lm, err := f.arc.Landmarks68(ctx, img, faces[i].Box)
		if err != nil {
			return nil, err
		}
		faces[i].Landmarks = make([]image.Point, len(dlib5))
		for k, idx := range dlib5 {
			faces[i].Landmarks[k] = image.Pt(int(lm[idx][0]+0.5), int(lm[idx][1]+0.5))
		}
	}
	return faces, nil
}
