package facematch

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// EmbedderSpec describes an embedder a school or vendor brings: an ONNX
// face model of its own (e.g. a larger, licensed ArcFace) and how a face is
// prepared for it. It is read from the JSON file RECHECK_EMBEDDER_SPEC
// names; docs/face-comparison.md has an example. The face is found and its
// five points read as for the built-in ArcFace (fr_landmark.onnx), aligned
// to Template in an InputSize × InputSize crop with a black border, and
// the embeddings compared by cosine distance.
type EmbedderSpec struct {
	// Name is what RECHECK_EMBEDDER and the records call the embedder;
	// lower-case letters, digits and dashes, not a built-in name.
	Name string `json:"name"`
	// Pipeline is the operator's label for this way from a face to a
	// vector; the effective pipeline (Pipeline) adds a digest of the
	// model and of every field below, so a changed model or setting never
	// reuses cached embeddings or a calibration.
	Pipeline string `json:"pipeline"`
	// Model is the ONNX file, relative to the spec file's folder.
	Model string `json:"model"`
	// SHA256 is the model file's SHA-256, checked when it is loaded.
	SHA256 string `json:"sha256"`
	// InputName and OutputName are the model's tensors ("input" and
	// "output" when empty).
	InputName  string `json:"input_name"`
	OutputName string `json:"output_name"`
	// InputSize is the side of the square face crop (112 for ArcFace).
	InputSize int `json:"input_size"`
	// OutputSize is the embedding's length (512 for ArcFace).
	OutputSize int `json:"output_size"`
	// Layout is "NCHW" (planes, the default) or "NHWC".
	Layout string `json:"layout"`
	// ColourOrder is "RGB" (the default) or "BGR".
	ColourOrder string `json:"colour_order"`
	// Mean and Std normalize each channel, in the model's channel order:
	// (v − mean) / std for v in 0-255.
	Mean [3]float32 `json:"mean"`
	Std  [3]float32 `json:"std"`
	// Template is where the eye centres (left and right in the image), the
	// nose tip and the mouth corners go in the crop, in its pixels; empty
	// means the standard ArcFace template scaled to InputSize.
	Template [][2]float64 `json:"template,omitempty"`
	// FlipAverage adds the mirror image's embedding to the face's.
	FlipAverage bool `json:"flip_average"`
	// Calibration is the file of the fitted 0-100 mapping, relative to the
	// spec file's folder; `recheck calibrate --folders DIR` writes it.
	Calibration string `json:"calibration"`

	dir string // the spec file's folder
}

var specName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// LoadEmbedderSpec reads and checks the spec file at path. It does not
// read the model; NewMatcher checks its SHA-256 when it loads it.
func LoadEmbedderSpec(path string) (*EmbedderSpec, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("facematch: embedder spec: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var s EmbedderSpec
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("facematch: embedder spec %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("facematch: embedder spec %s: %w", path, err)
	}
	s.dir = filepath.Dir(abs)
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("facematch: embedder spec %s: %w", path, err)
	}
	return &s, nil
}

func (s *EmbedderSpec) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !specName.MatchString(s.Name) {
		bad("name %q: want 1-40 lower-case letters, digits and dashes", s.Name)
	}
	if _, ok := Pipelines[s.Name]; ok {
		bad("name %q is a built-in embedder's; choose another", s.Name)
	}
	if s.Pipeline == "" {
		bad("pipeline is empty: name this way from a face to a vector, e.g. %q", s.Name+"-1")
	}
	for _, p := range Pipelines {
		if s.Pipeline == p {
			bad("pipeline %q is a built-in embedder's; choose another", s.Pipeline)
		}
	}
	if s.Model == "" {
		bad("model is empty: name the ONNX file")
	}
	if b, err := hex.DecodeString(s.SHA256); err != nil || len(b) != sha256.Size {
		bad("sha256 %q: want the model file's SHA-256 as 64 hex digits (sha256sum prints it)", s.SHA256)
	}
	if s.InputSize < 32 || s.InputSize > 1024 {
		bad("input_size %d: want the side of the square face crop, 32-1024", s.InputSize)
	}
	if s.OutputSize < 16 || s.OutputSize > 8192 {
		bad("output_size %d: want the embedding's length, 16-8192", s.OutputSize)
	}
	switch s.Layout {
	case "", "NCHW", "NHWC":
	default:
		bad("layout %q: want NCHW or NHWC", s.Layout)
	}
	switch s.ColourOrder {
	case "", "RGB", "BGR":
	default:
		bad("colour_order %q: want RGB or BGR", s.ColourOrder)
	}
	for c, v := range s.Std {
		if v == 0 {
			bad("std[%d] is 0: want the divisor of channel %d (128 for ArcFace, 1 for none)", c, c)
		}
	}
	if len(s.Template) != 0 && len(s.Template) != 5 {
		bad("template has %d points: want 5 (eye centres, nose tip, mouth corners) or none", len(s.Template))
	}
	for i, p := range s.Template {
		if p[0] < 0 || p[1] < 0 || p[0] >= float64(s.InputSize) || p[1] >= float64(s.InputSize) {
			bad("template point %d (%v) is outside the %d-pixel crop", i, p, s.InputSize)
		}
	}
	if s.Calibration == "" {
		bad("calibration is empty: name the file `recheck calibrate --folders DIR` writes")
	}
	return errors.Join(errs...)
}

// ModelPath is the model file's path.
func (s *EmbedderSpec) ModelPath() string { return s.path(s.Model) }

// CalibrationPath is the calibration file's path.
func (s *EmbedderSpec) CalibrationPath() string { return s.path(s.Calibration) }

func (s *EmbedderSpec) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.dir, p)
}

// input is the face preparation the spec describes.
func (s *EmbedderSpec) input() faceInput {
	f := faceInput{
		side:   s.InputSize,
		bgr:    s.ColourOrder == "BGR",
		nhwc:   s.Layout == "NHWC",
		mean:   s.Mean,
		std:    s.Std,
		flip:   s.FlipAverage,
		length: s.OutputSize,
	}
	if len(s.Template) == 5 {
		for i, p := range s.Template {
			f.template[i] = pt{p[0], p[1]}
		}
	} else {
		k := float64(s.InputSize) / 112
		for i, p := range arcfaceTemplate {
			f.template[i] = pt{p.X * k, p.Y * k}
		}
	}
	return f
}

// EffectivePipeline is the pipeline embeddings and calibrations are kept
// under: the spec's label and a digest of the model's SHA-256 and every
// setting that changes a vector.
func (s *EmbedderSpec) EffectivePipeline() string {
	f := s.input()
	in, out := s.tensorNames()
	h := sha256.New()
	fmt.Fprintf(h, "%s|%s|%s|%d|%v|%v|%v|%v|%v|%v|%d", strings.ToLower(s.SHA256), in, out, f.side, f.template, f.bgr, f.nhwc, f.mean, f.std, f.flip, f.length)
	return s.Pipeline + "@" + hex.EncodeToString(h.Sum(nil))[:12]
}

func (s *EmbedderSpec) tensorNames() (in, out string) {
	in, out = s.InputName, s.OutputName
	if in == "" {
		in = "input"
	}
	if out == "" {
		out = "output"
	}
	return in, out
}

// checkModel compares the model file's SHA-256 with the spec's.
func (s *EmbedderSpec) checkModel() error {
	f, err := os.Open(s.ModelPath())
	if err != nil {
		return fmt.Errorf("facematch: embedder %s: model: %w", s.Name, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("facematch: embedder %s: read model: %w", s.Name, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, s.SHA256) {
		return fmt.Errorf("facematch: embedder %s: model %s has SHA-256 %s, the spec says %s", s.Name, s.ModelPath(), got, s.SHA256)
	}
	return nil
}

// ErrNotCalibrated is the error a matcher gives for an embedder of a spec
// whose calibration is missing or was fitted on another pipeline.
var ErrNotCalibrated = errors.New("facematch: the embedder is not calibrated")

// LoadCalibration reads the spec's calibration and checks that it was
// fitted on this pipeline; it fails with ErrNotCalibrated, saying how to
// fit it, when it is missing or stale.
func (s *EmbedderSpec) LoadCalibration() (Calibrated, error) {
	fix := fmt.Sprintf("run `recheck calibrate --folders DIR` with RECHECK_EMBEDDER=%s on the school's labelled photos", s.Name)
	raw, err := os.ReadFile(s.CalibrationPath())
	if errors.Is(err, os.ErrNotExist) {
		return Calibrated{}, fmt.Errorf("%w: %s has no calibration at %s; %s", ErrNotCalibrated, s.Name, s.CalibrationPath(), fix)
	}
	if err != nil {
		return Calibrated{}, fmt.Errorf("facematch: embedder %s: calibration: %w", s.Name, err)
	}
	var c Calibrated
	if err := json.Unmarshal(raw, &c); err != nil {
		return Calibrated{}, fmt.Errorf("facematch: embedder %s: calibration %s: %w", s.Name, s.CalibrationPath(), err)
	}
	if err := c.Knots.Validate(); err != nil {
		return Calibrated{}, fmt.Errorf("facematch: embedder %s: calibration %s: %w", s.Name, s.CalibrationPath(), err)
	}
	if want := s.EffectivePipeline(); c.Pipeline != want {
		return Calibrated{}, fmt.Errorf("%w: the calibration of %s was fitted on pipeline %q, the spec and model make %q (stale: the model or a setting changed); %s", ErrNotCalibrated, s.Name, c.Pipeline, want, fix)
	}
	return c, nil
}
