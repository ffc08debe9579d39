package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/storage"
)

// standardize runs the imaging pipeline on a capture's original: a photo
// that fails the checks is rejected with every finding, a good one is
// stored as standardized.jpg and handed to matching.
func (h *handlers) standardize(ctx context.Context, t *asynq.Task) error {
	rec, err := h.load(ctx, t)
	if err != nil {
		return err
	}
	l := zerolog.Ctx(ctx).With().Str("stage", capture.StageStandardize).Logger()
	if !(rec.State == capture.Queued || (rec.State == capture.Failed && rec.Failure != nil && rec.Failure.Stage == capture.StageStandardize)) {
		l.Info().Str("state", string(rec.State)).Msg("already standardized; completing follow-ups only")
		return h.finish(ctx, rec)
	}
	start := time.Now()
	original, err := h.Store.Get(ctx, capture.OriginalKey(rec.School, rec.ID))
	if errors.Is(err, storage.ErrNotFound) {
		return permanent(fmt.Errorf("worker: original photo missing: %w", err))
	}
	if err != nil {
		return err
	}
	res, err := imaging.Standardize(ctx, original, imaging.Options{
		Profile: h.Profiles.For(rec.School), Limits: h.Limits, Detector: h.Matcher.Detectors(), DetectSize: h.detectSize,
	})
	var inErr *imaging.Error
	if errors.As(err, &inErr) {
		res = &imaging.Result{Findings: []imaging.Finding{{Code: inErr.Code, MessageZH: inErr.MessageZH}}}
	} else if err != nil {
		return fmt.Errorf("worker: standardize: %w", err)
	}
	var review []capture.Finding
	if res.OK {
		if err := h.Store.Put(ctx, capture.StandardizedKey(rec.School, rec.ID), res.Output.JPEG); err != nil {
			return fmt.Errorf("worker: store standardized photo: %w", err)
		}
		review = h.reviewFlags(ctx, original, res)
	}
	end := time.Now()
	saved, err := h.Repo.Update(ctx, rec.ID, func(r *capture.Record) error {
		next := capture.Rejected
		if res.OK {
			next = capture.Standardized
		}
		if err := r.MoveTo(next); err != nil {
			return err
		}
		r.Findings = findings(res.Findings)
		if res.Input.Format != "" {
			r.Input = &capture.PhotoInfo{Format: string(res.Input.Format), Width: res.Input.Width, Height: res.Input.Height, Bytes: len(original)}
		}
		r.Face = faceBox(res.Face)
		r.Review = review
		r.SetStage(capture.StageStandardize, start, end)
		return nil
	})
	if err != nil {
		return fmt.Errorf("worker: save standardized capture: %w", err)
	}
	l.Info().Str("state", string(saved.State)).Int("findings", len(saved.Findings)).
		Float64("stage_ms", saved.Stages[capture.StageStandardize].DurationMS).Msg("standardized")
	return h.finish(ctx, saved)
}

func findings(in []imaging.Finding) []capture.Finding {
	out := make([]capture.Finding, len(in))
	for i, f := range in {
		out[i] = capture.Finding{Code: f.Code, MessageZH: f.MessageZH, Value: f.Value, Limit: f.Limit}
	}
	return out
}

func faceBox(f *imaging.Face) *capture.FaceBox {
	if f == nil {
		return nil
	}
	fb := &capture.FaceBox{Box: [4]int{f.Box.Min.X, f.Box.Min.Y, f.Box.Dx(), f.Box.Dy()}, Landmarks: [][2]int{}}
	for _, p := range f.Landmarks {
		fb.Landmarks = append(fb.Landmarks, [2]int{p.X, p.Y})
	}
	return fb
}

// FindingRephotographed flags a capture that looks like a photo of a printed
// photo or of a screen (严禁翻拍): a manual reviewer decides.
const FindingRephotographed = "rephotographed"

// reviewFlags checks what only a person may decide on: a liveness below the
// line flags the photo as re-photographed.
func (h *handlers) reviewFlags(ctx context.Context, original []byte, res *imaging.Result) []capture.Finding {
	if h.livenessLine <= 0 || res.Face == nil {
		return nil
	}
	live, err := h.Matcher.LivenessAt(ctx, original, h.Limits, res.Face.Box)
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("liveness not measured")
		return nil
	}
	if live >= h.livenessLine {
		return nil
	}
	return []capture.Finding{{
		Code: FindingRephotographed, Value: float64(int(live*1000)) / 1000, Limit: h.livenessLine,
		MessageZH: "疑似翻拍（纸质照片或屏幕），将由人工审核",
	}}
}
