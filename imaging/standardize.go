package imaging

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
)

// Options configure one standardization.
type Options struct {
	// Profile is the output specification; zero means CHSI.
	Profile Profile
	// Limits bound the input; zero means DefaultLimits.
	Limits Limits
	// Detector finds faces; it is required.
	Detector FaceDetector
	// SecondLook, when set, looks again where Detector found no face: a
	// face it finds at the photo's edge makes the finding face_cut_off
	// (the face is cut by the frame) instead of no_face.
	SecondLook FaceDetector
	// DetectSize is the longest side of the downscaled copy faces are
	// detected on; zero means 480. When no face is found there and the
	// photo is larger, detection runs again at 2.5 times that size.
	DetectSize int
	// Diagnostics asks for the pictures behind the verdict (Result.Diagnostics).
	Diagnostics bool
	// FaceReader reads the face's 68 points and its eyes for the checks of
	// the mouth, the eyes, glasses and hair (Measures.MouthOpen and the
	// following); nil leaves them unmeasured.
	FaceReader FaceReader
	// PoseReader, when set, reads the head's turn to a side with a pose
	// model (Measures.HeadYawDeg, judged by Checks.MaxHeadYawDeg).
	PoseReader PoseReader
	// VerdictOnly asks for the verdict without the photo (a precheck): the
	// findings and review flags are those Standardize gives with it unset,
	// but the JPEG quality search is replaced by the one encode that
	// settles whether the profile's size range can be met, and
	// Result.Output is nil.
	VerdictOnly bool
	// ViewSize, when set, asks for Result.View: the input at most this many
	// pixels on its longest side, made from the decode the detection used
	// (the same pixels Preview would give when ViewSize is at least
	// DetectSize), so that a caller looking at the photo again (liveness)
	// does not decode it again.
	ViewSize int
}

// Result is the outcome of a standardization that could read its input.
type Result struct {
	// OK is true when the photo passed every check and Output is set.
	OK bool `json:"ok"`
	// Findings lists every failed check; empty when OK.
	Findings []Finding `json:"findings"`
	// Review lists what a reviewer should look at in a photo that passed
	// (Flag); it never fails a photo.
	Review []Finding `json:"review,omitempty"`
	// Measures are the measured quantities the checks judged.
	Measures Measures `json:"measures"`
	// Input describes the input photo.
	Input Info `json:"input"`
	// Face is the single detected face in input pixels; nil when there was
	// not exactly one.
	Face *Face `json:"-"`
	// Output is the standardized photo; nil unless OK.
	Output *Output `json:"-"`
	// Landmarks are the face's 68 points in the output frame, when a
	// FaceReader was given and the frame was rendered.
	Landmarks *Landmarks68 `json:"-"`
	// Diagnostics holds the pictures behind the verdict when Options asked
	// for them and a frame was rendered.
	Diagnostics *Diagnostics `json:"-"`
	// View is the input reduced to Options.ViewSize when that was set;
	// Input.Width / View.W maps its pixels to the input's.
	View RGB `json:"-"`
}

// Diagnostics are pictures of the pipeline's work, for people judging it.
type Diagnostics struct {
	// Frame is the output frame cut from the input, before the background
	// was replaced.
	Frame RGB
	// Matte shows the background matte: white where the wall was found,
	// black on the person, tinted green where the wall was expected.
	Matte RGB
}

// Output is a standardized photo.
type Output struct {
	// JPEG is the encoded photo, without metadata.
	JPEG []byte
	// Width and Height are its size in pixels.
	Width, Height int
	// Quality is the JPEG quality the size search settled on.
	Quality int
	// Padding is the number of bytes of comment filler that brought the
	// file up to the profile's MinKB (0 when it got there by itself).
	Padding int
	// Eyes is the midpoint of the eyes in output pixels.
	Eyes image.Point
	// Face is the detector's face box carried into the output's pixels (the
	// box the 68 points were read in), so that a comparison need not
	// look for the face again.
	Face image.Rectangle
	// Pixels is the photo before encoding.
	Pixels RGB
}

// job carries one standardization through the pipeline's steps.
type job struct {
	ctx    context.Context
	opt    Options
	data   []byte
	res    *Result
	faces  []Face
	base   RGB // the input decoded once: detection, view and (usually) render
	place  placement
	thumb  RGB     // the detection copy the face was found on
	tscale float64 // from the copy's pixels to the input's
	frame  rendered
	ycc    ycc
	wall   wall
	matte  matte
	output RGB
	done   bool // a step decided the outcome; skip the rest
}

type step struct {
	name string
	run  func(*job) error
}

// pipeline is the standardization, one small step at a time; the context is
// checked between steps.
var pipeline = []step{
	{"probe", (*job).probe},                  // sniff, limits, header
	{"decode", (*job).decode},                // one shrink-on-load decode for what follows
	{"detect", (*job).detect},                // reduced copy, faces and landmarks
	{"place", (*job).placeFrame},             // frame around the face, geometric measures
	{"render", (*job).render},                // cut from the decode (or decode sharper), resize, level
	{"measure", (*job).measure},              // light, sharpness, wall, matte
	{"background", (*job).replaceBackground}, // composite on the profile's colour
	{"parts", (*job).measureParts},           // mouth, eyes, glasses, hair, shoulders, top
	{"check", (*job).check},                  // judge every measure
	{"encode", (*job).encode},                // JPEG inside the profile's size range
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
		opt.DetectSize = 480
	}
	Startup()
	j := &job{ctx: ctx, opt: opt, data: data, res: &Result{}}
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
	if j.res.Findings == nil {
		j.res.Findings = []Finding{}
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

// decode decodes the input once, with shrink-on-load, at the size the
// detection and the view need; the render reuses it when it is sharp
// enough for the output.
func (j *job) decode() error {
	base, err := decodeBase(j.data, j.res.Input, max(j.opt.DetectSize, j.opt.ViewSize))
	if err != nil {
		return err
	}
	j.base = base
	if j.opt.ViewSize > 0 {
		if j.res.View, err = base.within(j.opt.ViewSize); err != nil {
			return err
		}
	}
	return nil
}

// detect finds faces on the decoded copy reduced to DetectSize, and once
// more on a larger copy when the first shows none (a small face in a big
// photo).
func (j *job) detect() error {
	in := j.res.Input
	longest := max(in.Width, in.Height)
	for i, size := range []int{j.opt.DetectSize, j.opt.DetectSize * 5 / 2} {
		if i > 0 && longest <= j.opt.DetectSize {
			break
		}
		var thumb RGB
		var err error
		if i == 0 {
			thumb, err = j.base.within(size)
		} else {
			thumb, _, err = thumbnailRGB(j.data, in, size)
		}
		if err != nil {
			return err
		}
		scale := float64(in.Width) / float64(thumb.W)
		faces, err := j.opt.Detector.DetectFaces(j.ctx, thumb)
		if err != nil {
			return fmt.Errorf("imaging: detect faces: %w", err)
		}
		j.faces = j.faces[:0]
		for _, f := range faces {
			j.faces = append(j.faces, f.scale(scale))
		}
		j.thumb, j.tscale = thumb, scale
		if len(faces) > 0 {
			break
		}
	}
	j.res.Measures.Faces = len(j.faces)
	if len(j.faces) == 0 && j.opt.SecondLook != nil {
		faces, err := j.opt.SecondLook.DetectFaces(j.ctx, j.thumb)
		if err != nil {
			return fmt.Errorf("imaging: detect faces again: %w", err)
		}
		for _, f := range faces {
			j.res.Measures.cutOff = j.res.Measures.cutOff || atEdge(f.Box, j.thumb.W, j.thumb.H)
		}
	}
	return nil
}

// atEdge reports whether a face box reaches within 2 % of the short side
// of an edge of a w × h image: a face the frame cuts (detectors clip their
// boxes to the image).
func atEdge(b image.Rectangle, w, h int) bool {
	m := max(1, min(w, h)/50)
	return b.Min.X <= m || b.Min.Y <= m || b.Max.X >= w-m || b.Max.Y >= h-m
}

// placeFrame places the output frame around the single face and measures
// what the geometry tells: size, centring, tilt, pose, head and body inside
// the photo. Without exactly one face there is nothing more to do.
func (j *job) placeFrame() error {
	if len(j.faces) != 1 {
		j.res.Findings = Judge(j.res.Measures, j.opt.Profile.Checks, j.opt.Profile)
		j.done = true
		return nil
	}
	f := j.faces[0]
	j.res.Face = &f
	in := j.res.Input
	pl := place(f, j.opt.Profile)
	hairAt := pl.Eye.Y - pl.HeadPx/2 // the crown, when the hair cannot be found
	if y, ok := hairTop(j.thumb, point{pl.Eye.X / j.tscale, pl.Eye.Y / j.tscale}, pl.HeadPx/j.tscale, j.opt.Profile.Checks.MaxWallSpread); ok {
		hairAt = y * j.tscale
	}
	pl.fitHair(hairAt, j.opt.Profile)
	j.place = pl
	m := &j.res.Measures
	m.placed = true
	m.HeadPx = math.Round(pl.HeadPx)
	m.Upscale = pl.Scale
	m.OffCenter = math.Abs(pl.Eye.X-float64(in.Width)/2) / float64(in.Width)
	m.RollDeg = pl.Roll * 180 / math.Pi
	m.Yaw, m.Pitch = pl.Yaw, pl.Pitch
	m.Filter = f.Filter
	if j.opt.PoseReader != nil {
		b := f.scale(1 / j.tscale).Box
		yaw, err := j.opt.PoseReader.HeadYaw(j.ctx, j.thumb, b)
		if err != nil {
			return fmt.Errorf("imaging: read the head's pose: %w", err)
		}
		m.HeadYawDeg, m.poseMeasured = yaw, true
	}
	m.HeadCut = headCut(pl, in.Width, in.Height)
	m.BodyCoverage = bodyCoverage(pl, in.Width, in.Height)
	return nil
}

func (j *job) render() error {
	fr, err := render(j.data, j.res.Input, j.base, j.place)
	j.base = RGB{} // no longer needed; let it go before the measures
	if err != nil {
		return err
	}
	j.frame = fr
	return nil
}

// measure measures the face's light and sharpness, models the wall seen
// around the head and builds the background matte.
func (j *job) measure() error {
	m := &j.res.Measures
	j.ycc = toYCC(j.frame.RGB)
	measureFace(j.ycc.Y, j.frame, j.place, m)
	zone := wallZone(j.frame, j.place)
	j.wall = fitWall(j.ycc, zone)
	m.WallSamples = j.wall.Samples
	if j.wall.Samples >= minWallSamples {
		m.WallSpread = j.wall.Spread
		m.WallLuma = j.wall.luma(j.frame.W, j.frame.H)
		m.WallChroma = j.wall.chroma()
		head := j.place.HeadPx * j.place.Scale
		shoulders := j.place.chinOut() + 0.1*head
		// The skin of the face: from the forehead (0.28 head above the eyes)
		// to the chin, 0.34 head to each side of the eyes.
		face := ellipse{CX: j.place.OutEye.X, CY: j.place.OutEye.Y + 0.12*head, RX: 0.34 * head, RY: 0.40 * head}
		j.matte = buildMatte(j.ycc, j.frame.Inside, j.wall, int(shoulders), face)
		m.WallCoverage = j.matte.coverage(zone)
	}
	return nil
}

func (j *job) check() error {
	if j.opt.Diagnostics {
		j.res.Diagnostics = diagnostics(j)
	}
	j.res.Findings = Judge(j.res.Measures, j.opt.Profile.Checks, j.opt.Profile)
	if len(j.res.Findings) > 0 {
		j.done = true
		return nil
	}
	j.res.Review = Flag(j.res.Measures, j.opt.Profile.Checks)
	return nil
}

// measureParts measures the top on the composite, and, with a
// FaceReader, the mouth, the eye regions and the forehead.
func (j *job) measureParts() error {
	m := &j.res.Measures
	measureClothes(j.output, j.frame.Inside, j.place, j.opt.Profile.Background, m)
	if j.opt.FaceReader == nil {
		return nil
	}
	lm, err := j.faceParts()
	if err != nil {
		return err
	}
	j.res.Landmarks = &lm
	measureMouth(lm, m)
	measureEyeRegions(j.ycc.Y, j.frame.W, j.frame.H, lm, m)
	measureForehead(j.ycc.Y, j.frame.W, j.frame.H, lm, m)
	return nil
}

// replaceBackground composites the person over the profile's colour. With
// too little wall in view to model it, the photo is taken as it is: the
// frame is then filled by the person (a tight portrait).
func (j *job) replaceBackground() error {
	if j.matte.Alpha == nil {
		j.output = j.frame.RGB
		return nil
	}
	j.output = composite(j.frame.RGB, j.matte, j.wall, j.opt.Profile.Background)
	return nil
}

// encode writes the output inside the profile's KB range; a photo that
// stays above MaxKB even at the quality floor fails with file_too_large.
// With VerdictOnly it only finds out whether it would.
func (j *job) encode() error {
	p := j.opt.Profile
	encode := encodeToRange
	if j.opt.VerdictOnly {
		encode = fitsRange
	}
	e, err := encode(j.output, p)
	if err != nil {
		return err
	}
	if e.tooLarge {
		j.res.Findings = append(j.res.Findings, finding(FindingFileTooLarge, float64(len(e.data))/1024, float64(p.MaxKB)))
		j.res.Review = nil
		return nil
	}
	j.res.OK = true
	if j.opt.VerdictOnly {
		return nil
	}
	j.res.Output = &Output{
		JPEG: e.data, Width: p.Width, Height: p.Height, Quality: e.quality, Padding: e.padding, Pixels: j.output,
		Eyes: image.Pt(int(math.Round(j.place.OutEye.X)), int(math.Round(j.place.OutEye.Y))),
		Face: j.outputBox(),
	}
	return nil
}

// diagnostics draws the frame and the matte of a job that rendered one.
func diagnostics(j *job) *Diagnostics {
	d := &Diagnostics{Frame: j.frame.RGB, Matte: NewRGB(j.frame.W, j.frame.H)}
	zone := wallZone(j.frame, j.place)
	for i := 0; i < j.frame.W*j.frame.H; i++ {
		a := uint8(0)
		if j.matte.Alpha != nil {
			a = uint8(j.matte.Alpha[i]*255 + 0.5)
		}
		px := d.Matte.Pix[3*i : 3*i+3]
		px[0], px[1], px[2] = a, a, a
		if zone[i] {
			px[0], px[2] = a/2, a/2
			px[1] = a/2 + 100
		}
	}
	return d
}
