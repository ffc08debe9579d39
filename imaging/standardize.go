package imaging

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/davidbyttow/govips/v2/vips"
)

// Options configure one standardization.
type Options struct {
	// Profile is the output specification; zero means CHSI.
	Profile Profile
	// Limits bound the input; zero means DefaultLimits.
	Limits Limits
	// Detector finds faces; it is required.
	Detector FaceDetector
	// DetectSize is the longest side of the downscaled copy faces are
	// detected on; zero means 800.
	DetectSize int
}

// Result is the outcome of a standardization that could read its input.
type Result struct {
	// OK is true when the photo passed every check and Output is set.
	OK bool `json:"ok"`
	// Findings lists every failed check; empty when OK.
	Findings []Finding `json:"findings"`
	// Input describes the input photo.
	Input Info `json:"input"`
	// Face is the single detected face in input pixels; nil when there was
	// not exactly one.
	Face *Face `json:"-"`
	// Output is the standardized photo; nil unless OK.
	Output *Output `json:"-"`
}

// Output is a standardized photo.
type Output struct {
	// JPEG is the encoded photo, without metadata.
	JPEG []byte
	// Width and Height are its size in pixels.
	Width, Height int
	// Quality is the JPEG quality the size search settled on.
	Quality int
	// Eyes is the midpoint of the eyes in output pixels.
	Eyes image.Point
}

// job carries one standardization through the pipeline's steps.
type job struct {
	ctx   context.Context
	opt   Options
	data  []byte
	res   *Result
	faces []Face
	frame frame
	rgb   rgbImage
	done  bool // a step decided the outcome; skip the rest
}

type step struct {
	name string
	run  func(*job) error
}

// pipeline is the standardization, one small step at a time; the context is
// checked between steps.
var pipeline = []step{
	{"probe", (*job).probe},
	{"detect", (*job).detect},
	{"check", (*job).check},
	{"crop", (*job).crop},
	{"encode", (*job).encode},
}

// Standardize turns a photo into the profile's ID photo. It returns an
// *Error when the input cannot be read at all (exit code 2 in the CLI), a
// Result with OK false and every failed check when the photo is readable but
// not acceptable, and a Result with Output when it succeeded. Other errors
// are failures of the machine (context cancelled, detector down).
func Standardize(ctx context.Context, data []byte, opt Options) (*Result, error) {
	if opt.Detector == nil {
		return nil, errors.New("imaging: Standardize needs a FaceDetector")
	}
	if opt.Profile.Name == "" {
		opt.Profile = CHSI
	}
	if err := opt.Profile.Validate(); err != nil {
		return nil, err
	}
	if opt.Limits == (Limits{}) {
		opt.Limits = DefaultLimits()
	}
	if opt.DetectSize == 0 {
		opt.DetectSize = 800
	}
	Startup()
	j := &job{ctx: ctx, opt: opt, data: data, res: &Result{Findings: []Finding{}}}
	for _, s := range pipeline {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("imaging: before %s: %w", s.name, err)
		}
		if err := s.run(j); err != nil {
			return nil, err
		}
		if j.done {
			break
		}
	}
	return j.res, nil
}

func (j *job) probe() error {
	info, err := Probe(j.data, j.opt.Limits)
	if err != nil {
		return err
	}
	j.res.Input = info
	return nil
}

// detect finds faces on a downscaled copy decoded with shrink-on-load and
// maps them back to input pixels.
func (j *job) detect() error {
	prep, err := prepare(j.data, j.res.Input, j.opt.DetectSize)
	if err != nil {
		return err
	}
	faces, err := j.opt.Detector.DetectFaces(j.ctx, prep.JPEG)
	if err != nil {
		return fmt.Errorf("imaging: detect faces: %w", err)
	}
	for _, f := range faces {
		j.faces = append(j.faces, f.scale(prep.Scale))
	}
	return nil
}

// check applies the quality checks; every failed one is reported.
func (j *job) check() error {
	p := j.opt.Profile
	switch n := len(j.faces); {
	case n == 0:
		j.res.Findings = append(j.res.Findings, finding(FindingNoFace, 0, 1))
	case n > 1:
		j.res.Findings = append(j.res.Findings, finding(FindingMultipleFaces, float64(n), 1))
	default:
		f := j.faces[0]
		j.res.Face = &f
		j.frame = frameFor(f, p)
		if j.frame.Scale > p.MaxUpscale {
			need := p.HeadHeight * float64(p.Height) / p.MaxUpscale
			j.res.Findings = append(j.res.Findings, finding(FindingFaceTooSmall, math.Round(j.frame.HeadPx), math.Ceil(need)))
		}
	}
	if len(j.res.Findings) > 0 {
		j.done = true
	}
	return nil
}

// crop decodes the input at the smallest resolution that still covers the
// output (JPEG shrink-on-load), cuts the frame, scales it to the profile's
// size and fills what lies outside the input with the background colour.
func (j *job) crop() error {
	p := j.opt.Profile
	shrink := 1
	if j.res.Input.Format == JPEG {
		shrink = jpegShrink(j.frame.Scale)
	}
	img, err := loadOriented(j.data, j.res.Input, shrink)
	if err != nil {
		return err
	}
	defer img.Close()
	area, ok := j.frame.inside(img.Width(), img.Height(), shrink)
	if !ok {
		return fmt.Errorf("imaging: the frame around the face lies outside the image")
	}
	if err := img.ExtractArea(area.Min.X, area.Min.Y, area.Dx(), area.Dy()); err != nil {
		return fmt.Errorf("imaging: extract frame: %w", err)
	}
	f := j.frame.Scale * float64(shrink)
	if err := img.Resize(f, vips.KernelLanczos3); err != nil {
		return fmt.Errorf("imaging: resize: %w", err)
	}
	ox := int(math.Round((float64(area.Min.X) - j.frame.X/float64(shrink)) * f))
	oy := int(math.Round((float64(area.Min.Y) - j.frame.Y/float64(shrink)) * f))
	bg := p.Background
	if err := img.EmbedBackground(ox, oy, p.Width, p.Height, &vips.Color{R: bg[0], G: bg[1], B: bg[2]}); err != nil {
		return fmt.Errorf("imaging: place on canvas: %w", err)
	}
	pix, err := img.ToBytes()
	if err != nil {
		return inputError(CodeUnreadable, "cannot decode the %s: %s", j.res.Input.Format, firstLine(err))
	}
	if len(pix) != p.Width*p.Height*3 {
		return fmt.Errorf("imaging: rendered %d bytes for %d × %d × 3", len(pix), p.Width, p.Height)
	}
	j.rgb = rgbImage{W: p.Width, H: p.Height, Pix: pix}
	return nil
}

// encode writes the JPEG inside the profile's size range.
func (j *job) encode() error {
	p := j.opt.Profile
	b, q, err := encodeToRange(j.rgb, p)
	if err != nil {
		return err
	}
	j.res.OK = true
	j.res.Output = &Output{
		JPEG: b, Width: p.Width, Height: p.Height, Quality: q,
		Eyes: image.Pt(int(math.Round((j.frame.EyeX-j.frame.X)*j.frame.Scale)), int(math.Round((j.frame.EyeY-j.frame.Y)*j.frame.Scale))),
	}
	return nil
}
