// Package facematch finds faces and compares them: dlib's HOG detector and
// 5-point landmarks on raw pixels (Detectors, for standardization), dlib's
// 128-D descriptors through go-face (Pool, for comparison), both pooled to
// the worker's concurrency, and the calibrated 0-100 score on which the
// "below 80 blocks" rule is applied.
package facematch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

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

// ErrClosed is returned by a closed Pool.
var ErrClosed = errors.New("facematch: pool closed")

// Pool holds up to Size dlib recognizers and lends one to each caller. A
// recognizer runs one image at a time and holds about 75 MB, so the pool is
// sized to the number of jobs that run at once. Recognizers are created on
// first need; the first one is loaded by NewPool so that missing or broken
// models fail at start-up.
type Pool struct {
	dir   string
	idle  chan *face.Recognizer
	slots chan struct{} // one token per recognizer that may still be created

	mu     sync.Mutex
	all    []*face.Recognizer
	closed bool
}

// NewPool returns a pool of at most size recognizers loading their models
// from dir.
func NewPool(dir string, size int) (*Pool, error) {
	if size < 1 {
		size = 1
	}
	if err := checkModels(dir); err != nil {
		return nil, err
	}
	p := &Pool{dir: dir, idle: make(chan *face.Recognizer, size), slots: make(chan struct{}, size)}
	for range size {
		p.slots <- struct{}{}
	}
	<-p.slots
	rec, err := p.newRecognizer()
	if err != nil {
		return nil, err
	}
	p.idle <- rec
	return p, nil
}

func (p *Pool) newRecognizer() (*face.Recognizer, error) {
	rec, err := face.NewRecognizer(p.dir)
	if err != nil {
		return nil, fmt.Errorf("facematch: load dlib models from %s: %w", p.dir, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		rec.Close()
		return nil, ErrClosed
	}
	p.all = append(p.all, rec)
	return rec, nil
}

// acquire returns an idle recognizer, creates one while the pool is below
// its size, or waits for one to be released.
func (p *Pool) acquire(ctx context.Context) (*face.Recognizer, error) {
	select {
	case rec := <-p.idle:
		return rec, nil
	default:
	}
	select {
	case rec := <-p.idle:
		return rec, nil
	case <-p.slots:
		rec, err := p.newRecognizer()
		if err != nil {
			p.slots <- struct{}{}
			return nil, err
		}
		return rec, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("facematch: wait for a recognizer: %w", ctx.Err())
	}
}

func (p *Pool) release(rec *face.Recognizer) { p.idle <- rec }

// Close frees every recognizer. Callers must not use the pool afterwards.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	for _, rec := range p.all {
		rec.Close()
	}
	p.all = nil
}
