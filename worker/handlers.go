package worker

import (
	"context"
	"errors"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/jobs"
	"github.com/recheck/recheck/notify"
)

// handlers holds the task handlers and what they share.
type handlers struct {
	Deps
	ledger *notify.Ledger
	rdb    redis.UniversalClient
}

// load decodes a task's payload and fetches its capture; both failures are
// permanent (a malformed task or a deleted capture will not get better).
func (h *handlers) load(ctx context.Context, t *asynq.Task) (*capture.Record, jobs.CapturePayload, error) {
	p, err := jobs.ParseCapturePayload(t)
	if err != nil {
		return nil, p, permanent(err)
	}
	rec, err := h.Lifecycle.Store().Get(ctx, p.CaptureID)
	if errors.Is(err, capture.ErrNotFound) {
		return nil, p, permanent(err)
	}
	return rec, p, err
}

// onError records a capture as failed once its task will not be retried
// again, so that the status API tells the truth while an admin looks at the
// archived task.
func (h *handlers) onError(ctx context.Context, t *asynq.Task, taskErr error) {
	retried, _ := asynq.GetRetryCount(ctx)
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	if retried < maxRetry && !errors.Is(taskErr, asynq.SkipRetry) {
		return
	}
	l := zerolog.Ctx(ctx)
	if t.Type() == jobs.TypeReprocess {
		h.reprocessFailed(ctx, t)
		l.Error().Err(taskErr).Msg("batch task failed after its retries: counted as failed")
		return
	}
	if errors.Is(taskErr, errCTIDUnavailable) {
		// The capture stays on hold: an unavailable identity check is never
		// a failure the student sees. An admin retries the archived task.
		l.Error().Str("task_type", t.Type()).Msg("CTID still unavailable after every retry; the capture stays on hold")
		return
	}
	if t.Type() == jobs.TypeCallback {
		l.Error().Err(taskErr).Msg("callback archived after its last retry: retry it in the queue UI once the receiver is back")
		return
	}
	stage := map[string]string{jobs.TypeStandardize: capture.StageStandardize, jobs.TypeMatch: capture.StageMatch}[t.Type()]
	if stage == "" {
		return // a failed notification does not fail the capture
	}
	p, err := jobs.ParseCapturePayload(t)
	if err != nil {
		return
	}
	if _, err := h.Lifecycle.Fail(ctx, p.CaptureID, stage, taskErr.Error()); err != nil {
		l.Error().Err(err).Str("capture_id", p.CaptureID).Msg("could not record the capture as failed")
		return
	}
	l.Error().Str("capture_id", p.CaptureID).Str("stage", stage).Msg("capture failed; the task is archived for an admin to retry")
}
