package facematch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/recheck/recheck/imaging"
)

// specSession holds the landmark model and the spec's model; it runs one
// face at a time.
type specSession struct {
	landmark, feature *onnxModel
}

func (s *specSession) close() {
	s.landmark.close()
	s.feature.close()
}

// specEmbedder is the embedder an EmbedderSpec describes, its sessions
// pooled one per worker slot.
type specEmbedder struct {
	spec  *EmbedderSpec
	input faceInput
	dir   string // the models directory, for fr_landmark.onnx
	l     *lender[*specSession]
}

// newSpecEmbedder checks the spec's model against its SHA-256 and loads up
// to size sessions of it, with fr_landmark.onnx from dir.
func newSpecEmbedder(spec *EmbedderSpec, dir, libPath string, size int) (*specEmbedder, error) {
	if err := spec.checkModel(); err != nil {
		return nil, err
	}
	e := &specEmbedder{spec: spec, input: spec.input(), dir: dir}
	in, out := spec.tensorNames()
	inShape := ort.NewShape(1, 3, int64(spec.InputSize), int64(spec.InputSize))
	if e.input.nhwc {
		inShape = ort.NewShape(1, int64(spec.InputSize), int64(spec.InputSize), 3)
	}
	create := func() (*specSession, error) {
		s := &specSession{}
		var err error
		if s.landmark, err = newONNXModel(filepath.Join(dir, "fr_landmark.onnx"), ort.NewShape(1, 1, 64, 64), ort.NewShape(1, 136)); err != nil {
			return nil, err
		}
		if s.feature, err = newNamedONNXModel(spec.ModelPath(), in, out, inShape, ort.NewShape(1, int64(spec.OutputSize))); err != nil {
			s.landmark.close()
			return nil, fmt.Errorf("facematch: embedder %s (input %q %v, output %q [1 %d]): %w", spec.Name, in, inShape, out, spec.OutputSize, err)
		}
		return s, nil
	}
	l, err := newONNXLender(dir, libPath, spec.Name+" session", size, create, (*specSession).close)
	if err != nil {
		return nil, err
	}
	e.l = l
	return e, nil
}

func (e *specEmbedder) Name() string { return e.spec.Name }

// Embed reads the face's five points with fr_landmark.onnx and embeds it
// as the spec says.
func (e *specEmbedder) Embed(ctx context.Context, img imaging.RGB, face imaging.Face) ([]float32, error) {
	var vec []float32
	err := e.l.with(ctx, func(s *specSession) error {
		lm, err := landmarks5(s.landmark, img, face.Box)
		if err != nil {
			return err
		}
		vec, err = e.input.embed(s.feature, img, lm)
		return err
	})
	return vec, err
}

// Distance is the cosine distance of unit vectors.
func (e *specEmbedder) Distance(a, b []float32) float64 { return CosineDistance(a, b) }

// Ready reports how many sessions are loaded, or why another cannot be.
func (e *specEmbedder) Ready() (string, error) {
	for _, p := range []string{filepath.Join(e.dir, "fr_landmark.onnx"), e.spec.ModelPath()} {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("facematch: model %s missing: %w", p, err)
		}
	}
	return e.l.ready()
}

// Close frees every session.
func (e *specEmbedder) Close() { e.l.close() }
