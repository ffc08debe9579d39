package worker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/jobs"
	"github.com/recheck/recheck/reprocess"
	"github.com/recheck/recheck/storage"
)

// reprocess runs one capture of a batch: resume it, re-score it or
// re-standardize it, as the batch says, and counts its outcome once.
func (h *handlers) reprocess(ctx context.Context, t *asynq.Task) error {
	rec, p, err := h.load(ctx, t)
	if err != nil {
		return err
	}
	if p.Batch == "" {
		return permanent(errors.New("worker: reprocessing task without a batch"))
	}
	l := zerolog.Ctx(ctx).With().Str("batch", p.Batch).Str("stage", "reprocess:"+p.Stage).Logger()
	if done, err := reprocess.Processed(ctx, h.rdb, p.Batch, rec.ID); err != nil || done {
		return err
	}
	var outcome string
	switch p.Stage {
	case reprocess.StageResume:
		outcome, err = h.resume(ctx, t, rec)
	case reprocess.StageMatch:
		outcome, err = h.rescore(ctx, rec, p.Batch)
	case reprocess.StageStandardize:
		outcome, err = h.restandardize(ctx, rec, p.Batch)
	default:
		return permanent(fmt.Errorf("worker: unknown reprocessing stage %q", p.Stage))
	}
	if err != nil {
		return err
	}
	l.Info().Str("outcome", outcome).Msg("reprocessed")
	return reprocess.Record(ctx, h.rdb, p.Batch, rec.ID, outcome, time.Now())
}

// resume runs the stage a failed capture broke in, or the comparison a
// capture waits in for CTID, as an admin's retry would.
func (h *handlers) resume(ctx context.Context, t *asynq.Task, rec *capture.Record) (string, error) {
	var err error
	switch {
	case rec.State == capture.Failed && rec.Failure != nil && rec.Failure.Stage == capture.StageStandardize:
		err = h.standardize(ctx, t)
	case capture.Runnable(rec):
		err = h.match(ctx, t)
	default:
		return capture.OutcomeUnchanged, nil // moved on since the batch began
	}
	if err != nil {
		return "", err
	}
	after, err := h.Lifecycle.Store().Get(ctx, rec.ID)
	if err != nil {
		return "", err
	}
	if after.State != rec.State {
		return capture.OutcomeChanged, nil
	}
	return capture.OutcomeUnchanged, nil
}

// rescore compares a capture again with the current scorer and lets the
// lifecycle decide what, if anything, that changes (never an approval).
func (h *handlers) rescore(ctx context.Context, rec *capture.Record, batch string) (string, error) {
	if rec.Match == nil {
		return capture.OutcomeUnchanged, nil // never compared: nothing to re-score
	}
	sc, adm, _, err := h.score(ctx, rec)
	var unusable *UnusablePhotoError
	if errors.Is(err, capture.ErrNotFound) || errors.As(err, &unusable) {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("cannot re-score")
		return capture.OutcomeFailed, nil
	}
	if err != nil {
		return "", err
	}
	_, outcome, err := h.Lifecycle.Rescore(ctx, rec.ID, batch, capture.MatchResult{
		Score: sc.Score, Distance: round4(sc.Distance), Embedder: sc.Embedder, AdmissionSHA256: adm.SHA256,
	})
	return outcome, err
}

// restandardize standardizes a capture's original again with the school's
// current profile and replaces its standardized photo; a photo the new
// profile's checks refuse keeps its old one, and counts as failed.
func (h *handlers) restandardize(ctx context.Context, rec *capture.Record, batch string) (string, error) {
	original, err := h.Store.Get(ctx, capture.OriginalKey(rec.School, rec.ID))
	if errors.Is(err, storage.ErrNotFound) {
		_, err = h.Lifecycle.Restandardized(ctx, rec.ID, batch, capture.OutcomeFailed, "original photo missing")
		return capture.OutcomeFailed, err
	}
	if err != nil {
		return "", err
	}
	out, err := h.Standardizer.Standardize(ctx, rec.School, original)
	if err != nil {
		return "", fmt.Errorf("worker: standardize: %w", err)
	}
	if !out.OK {
		var codes []string
		for _, f := range out.Findings {
			codes = append(codes, f.Code)
		}
		detail := "the new profile's checks refuse it (" + strings.Join(codes, ",") + "); the old photo stays"
		_, err = h.Lifecycle.Restandardized(ctx, rec.ID, batch, capture.OutcomeFailed, detail)
		return capture.OutcomeFailed, err
	}
	if err := h.Store.Put(ctx, capture.StandardizedKey(rec.School, rec.ID), out.Photo); err != nil {
		return "", fmt.Errorf("worker: store standardized photo: %w", err)
	}
	_, err = h.Lifecycle.Restandardized(ctx, rec.ID, batch, capture.OutcomeChanged, "standardized again with the school's current profile")
	return capture.OutcomeChanged, err
}

// reprocessFailed counts a batch's capture whose task ran out of retries.
func (h *handlers) reprocessFailed(ctx context.Context, t *asynq.Task) {
	p, err := jobs.ParseCapturePayload(t)
	if err != nil || p.Batch == "" {
		return
	}
	if err := reprocess.Record(ctx, h.rdb, p.Batch, p.CaptureID, capture.OutcomeFailed, time.Now()); err != nil {
		zerolog.Ctx(ctx).Error().Err(err).Msg("could not count the failed capture")
	}
}
