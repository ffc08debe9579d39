package facematch

import (
	"context"

	"github.com/recheck/recheck/imaging"
)

// Detectors is a pool of dlib HOG face detectors with the 5-point shape
// predictor: detection and landmarks without descriptors, on raw pixels.
// Standardization needs nothing more, and skipping go-face's ResNet
// descriptor saves about 30 ms per face. Each detector holds about 10 MB and
// runs one image at a time; detectors are created on first need, up to the
// pool's size, and the first one by NewDetectors so that a missing model
// fails at start-up.
type Detectors struct {
	l   *lender[*detector]
	dir string
}

// NewDetectors returns a pool of at most size detectors loading the shape
// predictor from dir.
func NewDetectors(dir string, size int) (*Detectors, error) {
	if err := checkModels(dir); err != nil {
		return nil, err
	}
	l, err := newLender("detector", size, func() (*detector, error) { return newDetector(dir) }, (*detector).close)
	if err != nil {
		return nil, err
	}
	return &Detectors{l: l, dir: dir}, nil
}

// Ready reports how many detectors are loaded, or why another cannot be:
// a model file gone from the models directory, a failed load, a closed
// pool.
func (p *Detectors) Ready() (string, error) {
	if err := checkModels(p.dir); err != nil {
		return "", err
	}
	return p.l.ready()
}

// Detect finds the faces in img, in its pixels.
func (p *Detectors) Detect(ctx context.Context, img imaging.RGB) ([]Detection, error) {
	var dets []Detection
	err := p.l.with(ctx, func(d *detector) error {
		var err error
		dets, err = d.detect(img.Pix, img.W, img.H)
		return err
	})
	return dets, err
}

// DetectFaces implements imaging.FaceDetector.
func (p *Detectors) DetectFaces(ctx context.Context, img imaging.RGB) ([]imaging.Face, error) {
	dets, err := p.Detect(ctx, img)
	if err != nil {
		return nil, err
	}
	out := make([]imaging.Face, len(dets))
	for i, d := range dets {
		out[i] = imaging.Face{Box: d.Box, Landmarks: d.Landmarks, Confidence: d.Confidence, Filter: d.Filter}
	}
	return out, nil
}

// Close frees every detector. Callers must not use the pool afterwards.
func (p *Detectors) Close() { p.l.close() }
