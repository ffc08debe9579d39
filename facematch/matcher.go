package facematch

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strings"

	"github.com/recheck/recheck/imaging"
)

// describeSides are the sizes photos are decoded at for comparison: the
// first pass finds the face of any ID-style photo; the second, only when
// the first found none, a small face in a big photo.
var describeSides = [2]int{640, 1280}

// Matcher compares faces: it decodes a photo once, finds its single face
// with the dlib detector and describes it with the loaded embedders, and
// turns distances into calibrated scores.
type Matcher struct {
	det   *Detectors
	ultra *UltraFaces
	pose  *Poses
	first *FirstLook // the comparison's detector (Finder)
	emb   map[string]Embedder
	names []string              // the loaded embedders, built-in ones first
	cal   map[string]Calibrated // each loaded embedder's mapping
	pipe  map[string]string     // each loaded embedder's pipeline
	arc   *ArcFace              // for liveness; nil unless ArcFace is loaded
	def   string
}

// NewMatcher loads the detector and the named embedders (the configured
// one when none is named), each pooled to slots. It fails for an embedder
// whose calibration was fitted on another pipeline (Calibrated.Check), and
// for the spec's embedder (Config.EmbedderSpec) when its model does not
// match its SHA-256 or its calibration is missing or stale
// (ErrNotCalibrated).
func NewMatcher(cfg Config, slots int, names ...string) (*Matcher, error) {
	return newMatcher(cfg, slots, true, names)
}

// NewUncalibratedMatcher is NewMatcher for fitting a calibration: it loads
// embedders whatever pipeline their current mapping was fitted on; its
// scores mean nothing until the new mapping is written.
func NewUncalibratedMatcher(cfg Config, slots int, names ...string) (*Matcher, error) {
	return newMatcher(cfg, slots, false, names)
}

func newMatcher(cfg Config, slots int, checked bool, names []string) (*Matcher, error) {
	if len(names) == 0 {
		names = []string{cfg.Embedder}
	}
	m := &Matcher{emb: map[string]Embedder{}, cal: map[string]Calibrated{}, pipe: map[string]string{}, def: cfg.Embedder}
	spec, err := cfg.Spec()
	if err != nil {
		return nil, err
	}
	if m.det, err = NewDetectors(cfg.ModelsDir, slots); err != nil {
		return nil, err
	}
	if m.ultra, err = NewUltraFaces(cfg.ModelsDir, cfg.ONNXRuntime, slots, DefaultUltraFaceThreshold); err != nil {
		m.Close()
		return nil, err
	}
	if m.pose, err = NewPoses(cfg.ModelsDir, cfg.ONNXRuntime, slots); err != nil {
		m.Close()
		return nil, err
	}
	for _, n := range names {
		if err := m.load(cfg, spec, n, slots, checked); err != nil {
			m.Close()
			return nil, err
		}
	}
	for _, n := range knownNames(spec) {
		if _, ok := m.emb[n]; ok {
			m.names = append(m.names, n)
		}
	}
	m.first = NewFirstLook(m.ultra, m.arc, m.det)
	if _, ok := m.emb[m.def]; !ok {
		m.def = names[0]
	}
	return m, nil
}

// load loads the embedder called name: a built-in one, or the spec's.
func (m *Matcher) load(cfg Config, spec *EmbedderSpec, name string, slots int, checked bool) error {
	if spec != nil && name == spec.Name {
		c, err := spec.LoadCalibration()
		if err != nil && checked {
			return err
		}
		e, err := newSpecEmbedder(spec, cfg.ModelsDir, cfg.ONNXRuntime, slots)
		if err != nil {
			return err
		}
		m.emb[name], m.cal[name], m.pipe[name] = e, c, spec.EffectivePipeline()
		return nil
	}
	c, ok := Calibrations[name]
	if !ok {
		return fmt.Errorf("facematch: unknown embedder %q; use one of %v", name, knownNames(spec))
	}
	if err := c.Check(name); err != nil && checked {
		return err
	}
	m.cal[name], m.pipe[name] = c, Pipelines[name]
	switch name {
	case EmbedderArcFace:
		a, err := NewArcFace(cfg.ModelsDir, cfg.ONNXRuntime, slots)
		if err != nil {
			return err
		}
		m.arc, m.emb[name] = a, arcEmbedder{a}
	case EmbedderDlib:
		p, err := NewPool(cfg.ModelsDir, slots)
		if err != nil {
			return err
		}
		m.emb[name] = dlibEmbedder{p}
	}
	return nil
}

// Pipeline is the named embedder's pipeline, the key its cached
// embeddings and its calibration are kept under; empty when it is not
// loaded.
func (m *Matcher) Pipeline(name string) string { return m.pipe[name] }

// Calibration is the named embedder's 0-100 mapping as loaded (for an
// uncalibrated matcher, possibly one fitted on another pipeline, or none).
func (m *Matcher) Calibration(name string) Calibrated { return m.cal[name] }

// Default names the embedder that scores captures.
func (m *Matcher) Default() string { return m.def }

// Embedders names the loaded embedders.
func (m *Matcher) Embedders() []string { return append([]string(nil), m.names...) }

// Ready reports the matcher's models as the readiness check sees them: how
// many of each are loaded, or the first reason one more could not be (a
// model file gone, a failed load, a closed matcher). A worker whose models
// cannot serve its slots is not ready.
func (m *Matcher) Ready(context.Context) (string, error) {
	s, err := m.det.Ready()
	if err != nil {
		return "", fmt.Errorf("detectors: %w", err)
	}
	parts := []string{s}
	u, err := m.ultra.Ready()
	if err != nil {
		return "", fmt.Errorf("UltraFace detectors: %w", err)
	}
	parts = append(parts, "UltraFace: "+u)
	p, err := m.pose.Ready()
	if err != nil {
		return "", fmt.Errorf("pose models: %w", err)
	}
	parts = append(parts, "pose: "+p)
	for _, n := range m.Embedders() {
		r, ok := m.emb[n].(interface{ Ready() (string, error) })
		if !ok {
			parts = append(parts, n+" embedder loaded")
			continue
		}
		s, err := r.Ready()
		if err != nil {
			return "", fmt.Errorf("%s embedder: %w", n, err)
		}
		parts = append(parts, n+": "+s)
	}
	return strings.Join(parts, "; "), nil
}

// Finder returns the detector the comparison finds faces with: UltraFace
// first and HOG where it finds none (FirstLook), its faces with landmarks
// when the arcface models that read them are loaded. The admission photo
// check at upload uses it too.
func (m *Matcher) Finder() imaging.FaceDetector { return m.first }

// PoseReader returns the matcher's head-pose models, for standardization's
// not_frontal check (imaging.Options.PoseReader).
func (m *Matcher) PoseReader() imaging.PoseReader { return m.pose }

// Detectors returns the matcher's face detectors, for standardization.
func (m *Matcher) Detectors() *Detectors { return m.det }

// SecondLook returns the matcher's UltraFace detectors: standardization's
// second look where dlib's finds no face (imaging.Options.SecondLook).
func (m *Matcher) SecondLook() *UltraFaces { return m.ultra }

// Close frees every model.
func (m *Matcher) Close() {
	if m.det != nil {
		m.det.Close()
	}
	if m.ultra != nil {
		m.ultra.Close()
	}
	if m.pose != nil {
		m.pose.Close()
	}
	for _, e := range m.emb {
		e.Close()
	}
}

// Description is a photo's single face and its embeddings.
type Description struct {
	// Face is the face in the photo's own pixels.
	Face imaging.Face
	// Vectors holds an embedding per embedder name.
	Vectors map[string][]float32

	img   imaging.RGB  // the decoded copy
	face  imaging.Face // the face in its pixels
	scale float64      // from the copy's pixels to the photo's
}

// Describe decodes a photo (JPEG, PNG, WebP, HEIF) at most 640 pixels on its
// longest side (1280 when no face shows at 640), finds its single face and embeds it with the named
// embedders (all loaded ones when none is named). It fails with an
// *imaging.Error for unusable input and a *FaceCountError unless there is
// exactly one face.
func (m *Matcher) Describe(ctx context.Context, photo []byte, lim imaging.Limits, names ...string) (*Description, error) {
	img, faces, scale, err := FindFaces(ctx, m.Finder(), photo, lim)
	if err != nil {
		return nil, err
	}
	if len(faces) != 1 {
		return nil, &FaceCountError{Count: len(faces)}
	}
	return m.describe(ctx, img, faces[0], scale, names)
}

// DescribeAt is Describe for a photo whose single face is already known:
// box, in the photo's pixels, is where standardization put it
// (imaging.Output.Face). The photo is decoded as Describe decodes it and
// the face embedded from box, without looking for it again.
func (m *Matcher) DescribeAt(ctx context.Context, photo []byte, lim imaging.Limits, box image.Rectangle, names ...string) (*Description, error) {
	info, err := imaging.Probe(photo, lim)
	if err != nil {
		return nil, err
	}
	if box.Intersect(image.Rect(0, 0, info.Width, info.Height)).Empty() {
		return nil, fmt.Errorf("facematch: face box %v outside the %d × %d photo", box, info.Width, info.Height)
	}
	img, err := imaging.Preview(photo, lim, describeSides[0])
	if err != nil {
		return nil, err
	}
	scale := float64(info.Width) / float64(img.W)
	face := scaleFace(imaging.Face{Box: box}, 1/scale)
	return m.describe(ctx, img, face, scale, names)
}

// describe embeds face (in img's pixels) with the named embedders, all
// loaded ones when none is named.
func (m *Matcher) describe(ctx context.Context, img imaging.RGB, face imaging.Face, scale float64, names []string) (*Description, error) {
	d := &Description{Vectors: map[string][]float32{}, img: img, face: face, scale: scale}
	d.Face = scaleFace(face, scale)
	if len(names) == 0 {
		names = m.Embedders()
	}
	for _, n := range names {
		e, ok := m.emb[n]
		if !ok {
			return nil, fmt.Errorf("facematch: embedder %q is not loaded", n)
		}
		v, err := e.Embed(ctx, img, face)
		if err != nil {
			return nil, fmt.Errorf("facematch: %s: %w", n, err)
		}
		d.Vectors[n] = v
	}
	return d, nil
}

// FindFaces decodes a photo the way the comparison does (at most 640
// pixels on its longest side, 1280 when no face shows at 640) and returns
// the decoded copy, the faces det finds on it, and the scale from its
// pixels to the photo's. The admission photo check at upload uses it, so
// that a photo accepted there is one the comparison can read.
func FindFaces(ctx context.Context, det imaging.FaceDetector, photo []byte, lim imaging.Limits) (imaging.RGB, []imaging.Face, float64, error) {
	info, err := imaging.Probe(photo, lim)
	if err != nil {
		return imaging.RGB{}, nil, 0, err
	}
	var img imaging.RGB
	var faces []imaging.Face
	for i, side := range describeSides {
		if i > 0 && max(info.Width, info.Height) <= describeSides[0] {
			break
		}
		if img, err = imaging.Preview(photo, lim, side); err != nil {
			return imaging.RGB{}, nil, 0, err
		}
		if faces, err = det.DetectFaces(ctx, img); err != nil {
			return imaging.RGB{}, nil, 0, err
		}
		if len(faces) > 0 {
			break
		}
	}
	if len(faces) == 0 {
		if faces, err = rescue(ctx, det, img); err != nil {
			return imaging.RGB{}, nil, 0, err
		}
	}
	return img, faces, float64(info.Width) / float64(img.W), nil
}

// rescueVariant is a way to show a detector a photo it found no face in.
var rescueVariants = []struct {
	minShort int     // upsample until the short side has this many pixels
	pad      float64 // border on every side, as a part of the short side
	repl     bool
}{
	{0, 0.25, true},
	{400, 0.25, true},
	{400, 0.25, false},
	{600, 0.35, true},
}

// rescue looks again for faces in a photo where none was found, as small,
// tightly cropped ID photos need (dlib's HOG detector wants a face of about
// 80 pixels and some context around it): a replicated border, then the
// photo upsampled with a border, then a larger scale. The first variant
// that finds any face wins; its boxes are mapped back to img's pixels.
func rescue(ctx context.Context, det imaging.FaceDetector, img imaging.RGB) ([]imaging.Face, error) {
	short := min(img.W, img.H)
	for _, v := range rescueVariants {
		scale := 1.0
		if v.minShort > 0 {
			if short >= v.minShort {
				continue
			}
			scale = min(float64(v.minShort)/float64(short), 4)
		}
		pad := int(v.pad * float64(short) * scale)
		faces, err := det.DetectFaces(ctx, img.Reframe(scale, pad, v.repl))
		if err != nil {
			return nil, err
		}
		if len(faces) == 0 {
			continue
		}
		back := func(p image.Point) image.Point {
			return image.Pt(int((float64(p.X-pad)+0.5)/scale), int((float64(p.Y-pad)+0.5)/scale))
		}
		for i := range faces {
			faces[i].Box = image.Rectangle{Min: back(faces[i].Box.Min), Max: back(faces[i].Box.Max)}
			for k, p := range faces[i].Landmarks {
				faces[i].Landmarks[k] = back(p)
			}
		}
		return faces, nil
	}
	return nil, nil
}

// Compare returns the distance between two embeddings of the named
// embedder and its calibrated score.
func (m *Matcher) Compare(name string, a, b []float32) (distance, score float64, err error) {
	e, ok := m.emb[name]
	if !ok {
		return 0, 0, fmt.Errorf("facematch: embedder %q is not loaded", name)
	}
	if len(a) != len(b) || len(a) == 0 {
		return 0, 0, fmt.Errorf("facematch: %s embeddings of length %d and %d", name, len(a), len(b))
	}
	d := e.Distance(a, b)
	return d, m.cal[name].Knots.Score(d), nil
}

// ErrNoLiveness is returned by Liveness when ArcFace's models are not
// loaded.
var ErrNoLiveness = errors.New("facematch: liveness needs the arcface models")

// ErrNoLandmarks is returned by Landmarks68 when ArcFace's
// models are not loaded.
var ErrNoLandmarks = errors.New("facematch: reading the face's parts needs the arcface models")

// Liveness returns the probability (0-1) that the described face is a live
// person rather than a printed photo or a screen (fr_liveness.onnx). The
// model reads a crop around the face's box, and its line was set on dlib's
// boxes, the ones the service gives it (standardization's face): the box
// is dlib's face that overlaps the described one most, the described one
// where dlib finds none.
func (m *Matcher) Liveness(ctx context.Context, d *Description) (float64, error) {
	if m.arc == nil {
		return 0, ErrNoLiveness
	}
	box := d.face.Box
	faces, err := m.det.DetectFaces(ctx, d.img)
	if err != nil {
		return 0, err
	}
	best := 0.0
	for _, f := range faces {
		if o := overlap(f.Box, d.face.Box); o > best {
			box, best = f.Box, o
		}
	}
	p, err := m.arc.Liveness(ctx, d.img, box)
	return p[0], err
}

func scaleFace(f imaging.Face, s float64) imaging.Face {
	r := func(v int) int { return int(float64(v)*s + 0.5) }
	out := f
	out.Box.Min.X, out.Box.Min.Y, out.Box.Max.X, out.Box.Max.Y = r(f.Box.Min.X), r(f.Box.Min.Y), r(f.Box.Max.X), r(f.Box.Max.Y)
	out.Landmarks = nil
	for _, p := range f.Landmarks {
		p.X, p.Y = r(p.X), r(p.Y)
		out.Landmarks = append(out.Landmarks, p)
	}
	return out
}

// LivenessView is the longest side of the copy of a photo the liveness is
// measured on (the comparison's copy, so that make calibrate's liveness
// table holds for it).
const LivenessView = 640

// LivenessAt returns the probability (0-1) that the face at box (in the
// photo's own pixels, as a detector found it) is a live person rather than
// a printed photo or a screen, without detecting it again.
func (m *Matcher) LivenessAt(ctx context.Context, photo []byte, lim imaging.Limits, box image.Rectangle) (float64, error) {
	if m.arc == nil {
		return 0, ErrNoLiveness
	}
	info, err := imaging.Probe(photo, lim)
	if err != nil {
		return 0, err
	}
	img, err := imaging.Preview(photo, lim, LivenessView)
	if err != nil {
		return 0, err
	}
	return m.LivenessIn(ctx, img, info.Width, box)
}

// LivenessIn is LivenessAt on a copy of the photo already decoded at most
// LivenessView pixels on its longest side (imaging.Result.View); width is
// the photo's own width, box the face in the photo's pixels.
func (m *Matcher) LivenessIn(ctx context.Context, view imaging.RGB, width int, box image.Rectangle) (float64, error) {
	if m.arc == nil {
		return 0, ErrNoLiveness
	}
	if view.W <= 0 || width <= 0 {
		return 0, errors.New("facematch: liveness needs a decoded photo")
	}
	s := float64(view.W) / float64(width)
	r := func(v int) int { return int(float64(v)*s + 0.5) }
	b := image.Rect(r(box.Min.X), r(box.Min.Y), r(box.Max.X), r(box.Max.Y))
	p, err := m.arc.Liveness(ctx, view, b)
	return p[0], err
}

// FaceReader returns the matcher as an imaging.FaceReader when its
// landmark model is loaded (the arcface embedder), nil
// otherwise.
func (m *Matcher) FaceReader() imaging.FaceReader {
	if m.arc == nil {
		return nil
	}
	return m
}

// Landmarks68 implements imaging.FaceReader with fr_landmark.onnx (the
// ArcFace embedder's landmark model); it fails with ErrNoLandmarks when
// ArcFace is not loaded.
func (m *Matcher) Landmarks68(ctx context.Context, img imaging.RGB, box image.Rectangle) (imaging.Landmarks68, error) {
	if m.arc == nil {
		return imaging.Landmarks68{}, ErrNoLandmarks
	}
	return m.arc.Landmarks68(ctx, img, box)
}

// ComparePortraits scores two photos' single faces with the default
// embedder (the CTID simulator's comparer).
func (m *Matcher) ComparePortraits(ctx context.Context, a, b []byte) (float64, error) {
	lim := imaging.DefaultLimits()
	da, err := m.Describe(ctx, a, lim, m.def)
	if err != nil {
		return 0, err
	}
	db, err := m.Describe(ctx, b, lim, m.def)
	if err != nil {
		return 0, err
	}
	_, s, err := m.Compare(m.def, da.Vectors[m.def], db.Vectors[m.def])
	return s, err
}

// EmbedFace embeds a face already found in img with the named embedder.
func (m *Matcher) EmbedFace(ctx context.Context, name string, img imaging.RGB, face imaging.Face) ([]float32, error) {
	e, ok := m.emb[name]
	if !ok {
		return nil, fmt.Errorf("facematch: embedder %q is not loaded", name)
	}
	return e.Embed(ctx, img, face)
}
