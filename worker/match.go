package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/storage"
)

// embedder names the descriptor model, in records and in the cache.
const embedder = "dlib"

// embeddingTTL bounds how long an admission photo's embedding is cached.
const embeddingTTL = 30 * 24 * time.Hour

// admissionMaxSide bounds the size admission photos are decoded at.
const admissionMaxSide = 1024

// match scores a standardized photo against the admission photo on file.
// Without an admission photo the capture waits on hold: that is the records
// office's problem, not an error.
func (h *handlers) match(ctx context.Context, t *asynq.Task) error {
	rec, err := h.load(ctx, t)
	if err != nil {
		return err
	}
	l := zerolog.Ctx(ctx).With().Str("stage", capture.StageMatch).Logger()
	switch {
	case rec.State == capture.Standardized, rec.State == capture.OnHold:
	case rec.State == capture.Failed && rec.Failure != nil && rec.Failure.Stage == capture.StageMatch:
	default:
		l.Info().Str("state", string(rec.State)).Msg("nothing to match in this state; completing follow-ups only")
		return h.finish(ctx, rec)
	}
	start := time.Now()
	adm, err := h.Repo.AdmissionPhoto(ctx, rec.School, rec.StudentID)
	if errors.Is(err, capture.ErrNotFound) {
		return h.hold(ctx, rec, capture.HoldAdmissionPhotoMissing)
	}
	if err != nil {
		return err
	}
	ref, err := h.admissionDescriptor(ctx, adm)
	if isUnusablePhoto(err) {
		l.Warn().Err(err).Msg("admission photo unusable")
		return h.hold(ctx, rec, capture.HoldAdmissionPhotoUnusable)
	}
	if err != nil {
		return err
	}
	std, err := h.Store.Get(ctx, capture.StandardizedKey(rec.School, rec.ID))
	if errors.Is(err, storage.ErrNotFound) {
		return permanent(fmt.Errorf("worker: standardized photo missing: %w", err))
	}
	if err != nil {
		return err
	}
	probe, err := h.Faces.DescribeOne(ctx, std, h.Limits, admissionMaxSide)
	if isUnusablePhoto(err) {
		return permanent(fmt.Errorf("worker: standardized photo: %w", err))
	}
	if err != nil {
		return err
	}
	d := facematch.Distance(probe.Descriptor, ref)
	score := facematch.DlibCalibration.Score(d)
	end := time.Now()
	saved, err := h.Repo.Update(ctx, rec.ID, func(r *capture.Record) error {
		next := capture.Blocked
		if score >= facematch.PassScore {
			next = capture.Passed
		}
		if err := r.MoveTo(next); err != nil {
			return err
		}
		r.Match = &capture.Match{Score: score, Distance: round4(d), Embedder: embedder, AdmissionSHA256: adm.SHA256}
		r.SetStage(capture.StageMatch, start, end)
		return nil
	})
	if err != nil {
		return fmt.Errorf("worker: save match: %w", err)
	}
	l.Info().Str("state", string(saved.State)).Float64("score", score).
		Float64("stage_ms", saved.Stages[capture.StageMatch].DurationMS).Msg("matched")
	return h.finish(ctx, saved)
}

// hold puts a capture on hold for reason.
func (h *handlers) hold(ctx context.Context, rec *capture.Record, reason capture.HoldReason) error {
	saved, err := h.Repo.Update(ctx, rec.ID, func(r *capture.Record) error {
		if err := r.MoveTo(capture.OnHold); err != nil {
			return err
		}
		r.HoldReason = reason
		return nil
	})
	if err != nil {
		return fmt.Errorf("worker: put on hold: %w", err)
	}
	zerolog.Ctx(ctx).Info().Str("stage", capture.StageMatch).Str("hold_reason", string(reason)).Msg("capture on hold")
	return h.finish(ctx, saved)
}

// admissionDescriptor returns the descriptor of an admission photo, from the
// cache when this version was described before.
func (h *handlers) admissionDescriptor(ctx context.Context, adm *capture.AdmissionPhoto) (facematch.Descriptor, error) {
	var d facematch.Descriptor
	vec, ok, err := h.Repo.Embedding(ctx, embedder, adm.SHA256)
	if err != nil {
		return d, err
	}
	if ok && len(vec) == len(d) {
		copy(d[:], vec)
		return d, nil
	}
	photo, err := h.Store.Get(ctx, adm.Key)
	if err != nil {
		return d, fmt.Errorf("worker: load admission photo: %w", err)
	}
	f, err := h.Faces.DescribeOne(ctx, photo, h.Limits, admissionMaxSide)
	if err != nil {
		return d, err
	}
	if err := h.Repo.SetEmbedding(ctx, embedder, adm.SHA256, f.Descriptor[:], embeddingTTL); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("could not cache the admission embedding")
	}
	return f.Descriptor, nil
}

func isUnusablePhoto(err error) bool {
	var fc *facematch.FaceCountError
	return errors.As(err, &fc) || imaging.IsInputError(err)
}

func round4(x float64) float64 { return float64(int64(x*10000+0.5)) / 10000 }
