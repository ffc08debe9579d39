package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/storage"
)

// standardize runs the standardizer on a queued capture's original and
// records the outcome through the lifecycle: a good photo is stored as
// standardized.jpg and waits for the student's confirmation; a photo that
// failed the checks is rejected, free of charge.
func (h *handlers) standardize(ctx context.Context, t *asynq.Task) error {
	rec, _, err := h.load(ctx, t)
	if err != nil {
		return err
	}
	l := zerolog.Ctx(ctx).With().Str("stage", capture.StageStandardize).Logger()
	retry := rec.State == capture.Failed && rec.Failure != nil && rec.Failure.Stage == capture.StageStandardize
	if rec.State != capture.Queued && !retry {
		l.Info().Str("state", string(rec.State)).Msg("already standardized; completing follow-ups only")
		return h.Lifecycle.Complete(ctx, rec.ID)
	}
	start := time.Now()
	original, err := h.Store.Get(ctx, capture.OriginalKey(rec.School, rec.ID))
	if errors.Is(err, storage.ErrNotFound) {
		return permanent(fmt.Errorf("worker: original photo missing: %w", err))
	}
	if err != nil {
		return err
	}
	out, err := h.Standardizer.Standardize(ctx, rec.School, original)
	if err != nil {
		return fmt.Errorf("worker: standardize: %w", err)
	}
	if out.OK {
		if err := h.Store.Put(ctx, capture.StandardizedKey(rec.School, rec.ID), out.Photo); err != nil {
			return fmt.Errorf("worker: store standardized photo: %w", err)
		}
	}
	out.Start, out.End = start, time.Now()
	saved, err := h.Lifecycle.Standardized(ctx, rec.ID, out)
	if err != nil {
		return fmt.Errorf("worker: save standardization: %w", err)
	}
	h.Metrics.State(string(saved.State))
	for _, f := range saved.Findings {
		h.Metrics.Finding(f.Code)
	}
	l.Info().Str("state", string(saved.State)).Int("findings", len(saved.Findings)).
		Float64("stage_ms", saved.Stages[capture.StageStandardize].DurationMS).Msg("standardized")
	return nil
}
