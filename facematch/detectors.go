package facematch

import (
	"context"
	"fmt"
	"sync"

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
	dir   string
	idle  chan *detector
	slots chan struct{}

	mu     sync.Mutex
	all    []*detector
	closed bool
}

// NewDetectors returns a pool of at most size detectors loading the shape
// predictor from dir.
func NewDetectors(dir string, size int) (*Detectors, error) {
	if size < 1 {
		size = 1
	}
	if err := checkModels(dir); err != nil {
		return nil, err
	}
	p := &Detectors{dir: dir, idle: make(chan *detector, size), slots: make(chan struct{}, size-1)}
	for range size - 1 {
		p.slots <- struct{}{}
	}
	d, err := p.create()
	if err != nil {
		return nil, err
	}
	p.idle <- d
	return p, nil
}

func (p *Detectors) create() (*detector, error) {
	d, err := newDetector(p.dir)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		d.close()
		return nil, ErrClosed
	}
	p.all = append(p.all, d)
	return d, nil
}

func (p *Detectors) acquire(ctx context.Context) (*detector, error) {
	select {
	case d := <-p.idle:
		return d, nil
	default:
	}
	select {
	case d := <-p.idle:
		return d, nil
	case <-p.slots:
		d, err := p.create()
		if err != nil {
			p.slots <- struct{}{}
			return nil, err
		}
		return d, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("facematch: wait for a detector: %w", ctx.Err())
	}
}

// Detect finds the faces in img, in its pixels.
func (p *Detectors) Detect(ctx context.Context, img imaging.RGB) ([]Detection, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { p.idle <- d }()
	return d.detect(img.Pix, img.W, img.H)
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
func (p *Detectors) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	for _, d := range p.all {
		d.close()
	}
	p.all = nil
}
