package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/jobs"
)

// handlers holds the task handlers and what they share.
type handlers struct {
	Deps
	detectSize   int
	livenessLine float64
}

// load decodes a task's payload and fetches its capture; both failures are
// permanent (a malformed task or a deleted capture will not get better).
func (h *handlers) load(ctx context.Context, t *asynq.Task) (*capture.Record, error) {
	p, err := jobs.ParseCapturePayload(t)
	if err != nil {
		return nil, permanent(err)
	}
	rec, err := h.Repo.Get(ctx, p.CaptureID)
	if errors.Is(err, capture.ErrNotFound) {
		return nil, permanent(err)
	}
	return rec, err
}

// finish makes the durable copy of the record match Redis and enqueues what
// the record's state calls for. It is idempotent, so a handler that finds
// its work already done calls it again to complete an interrupted run.
func (h *handlers) finish(ctx context.Context, rec *capture.Record) error {
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("worker: encode result: %w", err)
	}
	if err := h.Store.Put(ctx, capture.ResultKey(rec.School, rec.ID), data); err != nil {
		return fmt.Errorf("worker: store result.json: %w", err)
	}
	switch rec.State {
	case capture.Standardized:
		return jobs.Enqueue(ctx, h.Queue, jobs.NewMatch(rec.ID, ""))
	case capture.Rejected, capture.Passed, capture.Blocked:
		return jobs.Enqueue(ctx, h.Queue, jobs.NewNotify(rec.ID, string(rec.State)))
	case capture.OnHold:
		if rec.HoldReason == capture.HoldCTIDUnavailable {
			return nil // retried quietly; nothing to tell the student
		}
		return jobs.Enqueue(ctx, h.Queue, jobs.NewNotify(rec.ID, string(rec.State)))
	}
	return nil
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
	if errors.Is(taskErr, errCTIDUnavailable) {
		// The capture stays on hold: an unavailable identity check is never
		// a failure the student sees. An admin retries the archived task.
		zerolog.Ctx(ctx).Error().Str("task_type", t.Type()).Msg("CTID still unavailable after every retry; the capture stays on hold")
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
	l := zerolog.Ctx(ctx)
	_, err = h.Repo.Update(ctx, p.CaptureID, func(r *capture.Record) error {
		if err := r.MoveTo(capture.Failed); err != nil {
			return err
		}
		r.Failure = &capture.Failure{
			Stage: stage, Code: "internal_error", Message: taskErr.Error(),
			MessageZH: "照片处理暂时失败，工作人员正在处理，请稍后查看结果",
		}
		return nil
	})
	if err != nil {
		l.Error().Err(err).Str("capture_id", p.CaptureID).Msg("could not record the capture as failed")
		return
	}
	l.Error().Str("capture_id", p.CaptureID).Str("stage", stage).Msg("capture failed; the task is archived for an admin to retry")
}
