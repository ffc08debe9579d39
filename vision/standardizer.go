package vision

import (
	"context"
	"errors"
	"math"

	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/worker"
)

// Standardizer is the worker's standardizer on libvips: imaging's pipeline
// with the school's profile, faces found by the matcher's dlib detectors
// and their 68 points by its landmark model (mouth, glasses, hair),
// imaging's review flags, and a liveness check that flags re-photographed
// prints for the reviewer.
type Standardizer struct {
	Matcher  *facematch.Matcher
	Profiles imaging.ProfileSet
	Limits   imaging.Limits
	Config   Config
}

var _ worker.Standardizer = (*Standardizer)(nil)

// Standardize implements worker.Standardizer.
func (s *Standardizer) Standardize(ctx context.Context, school string, original []byte) (capture.StandardizeResult, error) {
	return s.run(ctx, school, original, false)
}

// run standardizes original for school; with verdictOnly it makes no photo
// (imaging.Options.VerdictOnly), only the verdict.
func (s *Standardizer) run(ctx context.Context, school string, original []byte, verdictOnly bool) (capture.StandardizeResult, error) {
	opt := imaging.Options{
		Profile: s.Profiles.For(school), Limits: s.Limits, Detector: s.Matcher.Detectors(), SecondLook: s.Matcher.SecondLook(), PoseReader: s.Matcher.PoseReader(), DetectSize: s.Config.DetectSize,
		FaceReader: s.Matcher.FaceReader(), VerdictOnly: verdictOnly,
	}
	if s.Config.LivenessLine > 0 {
		opt.ViewSize = facematch.LivenessView // the liveness reads the detection's decode
	}
	res, err := imaging.Standardize(ctx, original, opt)
	var inErr *imaging.Error
	if errors.As(err, &inErr) {
		return capture.StandardizeResult{Findings: []capture.Finding{{Code: inErr.Code, MessageZH: inErr.MessageZH}}}, nil
	}
	if err != nil {
		return capture.StandardizeResult{}, err
	}
	out := capture.StandardizeResult{
		OK: res.OK, Findings: Findings(res.Findings), Face: FaceBox(res.Face), Measures: res.Measures.Map(),
		Input: &capture.PhotoInfo{Format: string(res.Input.Format), Width: res.Input.Width, Height: res.Input.Height, Bytes: len(original)},
	}
	if res.OK {
		out.Review = append(Findings(res.Review), s.Flags(ctx, res)...)
	}
	if res.Output != nil {
		out.Photo = res.Output.JPEG
		f := res.Output.Face
		out.PhotoFace = &[4]int{f.Min.X, f.Min.Y, f.Dx(), f.Dy()}
	}
	return out, nil
}

// CheckQuality implements intake.QualityChecker: the photo goes through
// the standardization itself, so a precheck's verdict (findings, review
// flags, whether it would be standardized) is the capture's for the same
// bytes; only the JPEG quality search is left out (imaging's VerdictOnly:
// one encode settles whether the school's size range can be met).
func (s *Standardizer) CheckQuality(ctx context.Context, school string, photo []byte) (capture.QualityVerdict, error) {
	out, err := s.run(ctx, school, photo, true)
	if err != nil {
		return capture.QualityVerdict{}, err
	}
	return capture.QualityVerdict{Passed: out.OK, Findings: out.Findings, Review: out.Review, Measures: out.Measures, Input: out.Input}, nil
}

// Flags checks what only a person may decide on, for the standardized
// photo's face (found in the original's pixels, read on the copy the
// standardization decoded): a liveness below the line flags the photo as
// re-photographed (严禁翻拍). Standardize flags the photos that pass the
// checks.
func (s *Standardizer) Flags(ctx context.Context, res *imaging.Result) []capture.Finding {
	if s.Config.LivenessLine <= 0 || res.Face == nil {
		return nil
	}
	live, err := s.Matcher.LivenessIn(ctx, res.View, res.Input.Width, res.Face.Box)
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("liveness not measured")
		return nil
	}
	if live >= s.Config.LivenessLine {
		return nil
	}
	return []capture.Finding{{
		Code: capture.ReviewFlagRephotographed, Value: math.Floor(live*1000) / 1000, Limit: s.Config.LivenessLine,
		MessageZH: capture.ReviewFlagText(capture.ReviewFlagRephotographed),
	}}
}

// Findings converts imaging's findings.
func Findings(in []imaging.Finding) []capture.Finding {
	out := make([]capture.Finding, len(in))
	for i, f := range in {
		out[i] = capture.Finding{Code: f.Code, MessageZH: f.MessageZH, Value: f.Value, Limit: f.Limit}
	}
	return out
}

// FaceBox converts a face found in the input.
func FaceBox(f *imaging.Face) *capture.FaceBox {
	if f == nil {
		return nil
	}
	fb := &capture.FaceBox{Box: [4]int{f.Box.Min.X, f.Box.Min.Y, f.Box.Dx(), f.Box.Dy()}, Landmarks: [][2]int{}}
	for _, p := range f.Landmarks {
		fb.Landmarks = append(fb.Landmarks, [2]int{p.X, p.Y})
	}
	return fb
}
