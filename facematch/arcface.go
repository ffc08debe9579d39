package facematch

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/recheck/recheck/imaging"
)

// ONNXFiles are the files the ArcFace embedder loads: the models from the
// npm package faceplugin-face-recognition-js@0.0.1 and the ONNX Runtime
// library from onnxruntime-node@1.30.0, all pinned by SHA-256 in
// scripts/setup.sh.
var ONNXFiles = []string{"fr_landmark.onnx", "fr_feature.onnx", "fr_liveness.onnx", "libonnxruntime.so.1"}

// arcSession holds one ONNX session per model; it runs one face at a time.
type arcSession struct {
	landmark, feature, liveness *onnxModel
}

func newArcSession(dir string) (*arcSession, error) {
	s := &arcSession{}
	var err error
	if s.landmark, err = newONNXModel(filepath.Join(dir, "fr_landmark.onnx"), ort.NewShape(1, 1, 64, 64), ort.NewShape(1, 136)); err != nil {
		return nil, err
	}
	if s.feature, err = newONNXModel(filepath.Join(dir, "fr_feature.onnx"), ort.NewShape(1, 3, 112, 112), ort.NewShape(1, 512)); err != nil {
		s.landmark.close()
		return nil, err
	}
	if s.liveness, err = newONNXModel(filepath.Join(dir, "fr_liveness.onnx"), ort.NewShape(1, 3, 128, 128), ort.NewShape(1, 3)); err != nil {
		s.landmark.close()
		s.feature.close()
		return nil, err
	}
	return s, nil
}

func (s *arcSession) close() {
	s.landmark.close()
	s.feature.close()
	s.liveness.close()
}

// ArcFace embeds faces with the ArcFace-style 512-D model of
// faceplugin-face-recognition-js through ONNX Runtime. A face found by the
// dlib detector gets 68 landmarks from fr_landmark.onnx, is aligned to the
// standard ArcFace 5-point template (eye centres, nose tip, mouth corners)
// by a least-squares similarity, and described by fr_feature.onnx. Sessions
// are pooled, one per worker slot.
type ArcFace struct {
	l   *lender[*arcSession]
	dir string
}

// NewArcFace returns an ArcFace embedder with at most size sessions, its
// models in dir and ONNX Runtime at libPath (empty: dir/libonnxruntime.so.1).
func NewArcFace(dir, libPath string, size int) (*ArcFace, error) {
	l, err := newONNXLender(dir, libPath, "ONNX session", size, func() (*arcSession, error) { return newArcSession(dir) }, (*arcSession).close)
	if err != nil {
		return nil, err
	}
	return &ArcFace{l: l, dir: dir}, nil
}

// Ready reports how many sessions are loaded, or why another cannot be: a
// model file gone from the models directory, a failed load, a closed pool.
func (a *ArcFace) Ready() (string, error) {
	for _, name := range []string{"fr_landmark.onnx", "fr_feature.onnx", "fr_liveness.onnx"} {
		if _, err := os.Stat(filepath.Join(a.dir, name)); err != nil {
			return "", fmt.Errorf("facematch: model %s missing: %w", name, err)
		}
	}
	return a.l.ready()
}

// Close frees every session.
func (a *ArcFace) Close() { a.l.close() }

// Landmarks5 are the five points ArcFace aligns on, in image pixels: left
// and right eye centre (by side of the image), nose tip, left and right
// mouth corner.
type Landmarks5 [5]pt

// Embed returns the unit-length 512-D embedding of the face in box, and the
// landmarks it was aligned on.
func (a *ArcFace) Embed(ctx context.Context, img imaging.RGB, box image.Rectangle) ([]float32, Landmarks5, error) {
	var vec []float32
	var lm Landmarks5
	err := a.l.with(ctx, func(s *arcSession) error {
		var err error
		if lm, err = landmarks5(s.landmark, img, box); err != nil {
			return err
		}
		vec, err = builtinArcFace.embed(s.feature, img, lm)
		return err
	})
	return vec, lm, err
}

// Liveness returns the three softmax outputs of fr_liveness.onnx for the face
// in box: a crop 2.7 times the box, kept inside the image, at 128 × 128,
// raw RGB values.
func (a *ArcFace) Liveness(ctx context.Context, img imaging.RGB, box image.Rectangle) ([3]float64, error) {
	var out [3]float64
	err := a.l.with(ctx, func(s *arcSession) error {
		const scale = 2.7
		bw, bh := float64(box.Dx()), float64(box.Dy())
		sc := math.Min(scale, math.Min(float64(img.H-1)/bh, float64(img.W-1)/bw))
		w, h := bw*sc, bh*sc
		cx, cy := float64(box.Min.X)+bw/2, float64(box.Min.Y)+bh/2
		x0 := math.Max(0, math.Min(cx-w/2, float64(img.W-1)-w))
		y0 := math.Max(0, math.Min(cy-h/2, float64(img.H-1)-h))
		crop := resample(img, x0, y0, w, h, 128)
		in := s.liveness.in.GetData()
		const plane = 128 * 128
		for i := 0; i < plane; i++ {
			for c := 0; c < 3; c++ {
				in[c*plane+i] = float32(crop[3*i+c])
			}
		}
		res, err := s.liveness.run()
		if err != nil {
			return err
		}
		var sum float64
		for i, v := range res {
			out[i] = math.Exp(float64(v))
			sum += out[i]
		}
		for i := range out {
			out[i] /= sum
		}
		return nil
	})
	return out, err
}

// landmarks68 runs fr_landmark.onnx on the box, cut from img, made grey and
// 64 × 64 (pixels / 256): the 68 points of the iBUG 300-W scheme, given by
// the model relative to the box, in img's pixels.
func landmarks68(model *onnxModel, img imaging.RGB, box image.Rectangle) (imaging.Landmarks68, error) {
	var lm imaging.Landmarks68
	bx, by := float64(box.Min.X), float64(box.Min.Y)
	bw, bh := float64(box.Dx()), float64(box.Dy())
	if bw < 8 || bh < 8 {
		return lm, errors.New("facematch: face box too small for landmarks")
	}
	crop := resample(img, bx, by, bw, bh, 64)
	in := model.in.GetData()
	for i := 0; i < 64*64; i++ {
		r, g, b := float32(crop[3*i]), float32(crop[3*i+1]), float32(crop[3*i+2])
		in[i] = (0.299*r + 0.587*g + 0.114*b) / 256
	}
	out, err := model.run()
	if err != nil {
		return lm, err
	}
	for k := range lm {
		lm[k] = [2]float64{float64(out[2*k])*bw + bx, float64(out[2*k+1])*bh + by}
	}
	return lm, nil
}

// landmarks5 reduces the 68 points of landmarks68 to the five ArcFace
// aligns on.
func landmarks5(model *onnxModel, img imaging.RGB, box image.Rectangle) (Landmarks5, error) {
	lm, err := landmarks68(model, img, box)
	if err != nil {
		return Landmarks5{}, err
	}
	p := func(k int) pt { return pt{lm[k][0], lm[k][1]} }
	mean := func(ks ...int) pt {
		var m pt
		for _, k := range ks {
			q := p(k)
			m.X, m.Y = m.X+q.X, m.Y+q.Y
		}
		return pt{m.X / float64(len(ks)), m.Y / float64(len(ks))}
	}
	// 68-point scheme: eye lids 37,38,40,41 and 43,44,46,47; nose tip 30;
	// mouth corners 48 and 54 with the inner corners 60 and 64.
	return Landmarks5{mean(37, 38, 40, 41), mean(43, 44, 46, 47), p(30), mean(48, 60), mean(54, 64)}, nil
}

// Landmarks68 returns the 68 points of the face in box (iBUG 300-W
// numbering), in img's pixels.
func (a *ArcFace) Landmarks68(ctx context.Context, img imaging.RGB, box image.Rectangle) (imaging.Landmarks68, error) {
	var lm imaging.Landmarks68
	err := a.l.with(ctx, func(s *arcSession) error {
		var err error
		lm, err = landmarks68(s.landmark, img, box)
		return err
	})
	return lm, err
}

// CosineDistance is 1 − cos of the angle between two unit vectors.
func CosineDistance(a, b []float32) float64 {
	var dot float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
	}
	return 1 - dot
}
