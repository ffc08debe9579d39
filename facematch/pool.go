// Package facematch finds faces and compares them. The Matcher owns it all:
// dlib's HOG detector and 5-point landmarks on raw pixels (Detectors, with
// second looks for small, tight admission photos), the ArcFace embedder of
// faceplugin-face-recognition-js through ONNX Runtime (68 landmarks,
// alignment, 512-D embedding, liveness; the default), dlib's 128-D
// descriptors through go-face (Pool, kept beside it), all lent to the
// worker's slots, and the calibrated 0-100 score (calibration.json, fitted
// by package facematch/calibrate) on which "below 80 blocks" is applied.
package facematch

import (
	"fmt"
	"os"
	"path/filepath"

	face "github.com/Kagami/go-face"
)

// ModelFiles are the dlib model files a recognizer loads from the models
// directory; go-face needs all three, the CNN detector's too.
var ModelFiles = []string{
	"shape_predictor_5_face_landmarks.dat",
	"dlib_face_recognition_resnet_model_v1.dat",
	"mmod_human_face_detector.dat",
}

// checkModels names the first model file missing from dir.
func checkModels(dir string) error {
	for _, name := range ModelFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("facematch: model %s missing in %s (run `make dev` or scripts/setup.sh to fetch it): %w", name, dir, err)
		}
	}
	return nil
}

// Pool holds up to size go-face recognizers (dlib's ResNet descriptor) and
// lends one to each caller. A recognizer runs one image at a time and holds
// about 75 MB, so the pool is sized to the number of jobs that run at once.
// Recognizers are created on first need; the first one is loaded by NewPool
// so that missing or broken models fail at start-up.
type Pool struct {
	l   *lender[*face.Recognizer]
	dir string
}

// NewPool returns a pool of at most size recognizers loading their models
// from dir.
func NewPool(dir string, size int) (*Pool, error) {
	if err := checkModels(dir); err != nil {
		return nil, err
	}
	l, err := newLender("recognizer", size, func() (*face.Recognizer, error) {
		rec, err := face.NewRecognizer(dir)
		if err != nil {
			return nil, fmt.Errorf("facematch: load dlib models from %s: %w", dir, err)
		}
		return rec, nil
	}, (*face.Recognizer).Close)
	if err != nil {
		return nil, err
	}
	return &Pool{l: l, dir: dir}, nil
}

// Ready reports how many recognizers are loaded, or why another cannot be.
func (p *Pool) Ready() (string, error) {
	if err := checkModels(p.dir); err != nil {
		return "", err
	}
	return p.l.ready()
}

// Close frees every recognizer. Callers must not use the pool afterwards.
func (p *Pool) Close() { p.l.close() }
