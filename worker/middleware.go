package worker

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/jobs"
	"github.com/recheck/recheck/metrics"
)

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// permanent marks err as not worth retrying.
func permanent(err error) error { return &permanentError{err: err} }

// logging gives every task a logger carrying its task ID, type, queue,
// capture ID and retry count, logs one line when it starts (at debug
// level: which tasks a process held when it died) and one when it ends,
// with its duration. Names, document numbers and photos never reach these
// lines.
func logging(base zerolog.Logger) asynq.MiddlewareFunc {
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			id, _ := asynq.GetTaskID(ctx)
			queue, _ := asynq.GetQueueName(ctx)
			retry, _ := asynq.GetRetryCount(ctx)
			lc := base.With().Str("task_id", id).Str("task_type", t.Type()).Str("queue", queue).Int("retry", retry)
			if p, err := jobs.ParseCapturePayload(t); err == nil {
				lc = lc.Str("capture_id", p.CaptureID)
			}
			l := lc.Logger()
			ctx = l.WithContext(ctx)
			start := time.Now()
			l.Debug().Msg("task started")
			err := next.ProcessTask(ctx, t)
			ms := float64(time.Since(start).Microseconds()) / 1000
			if err != nil {
				l.Warn().Err(err).Float64("duration_ms", ms).Bool("permanent", isPermanent(err)).Msg("task failed")
				return err
			}
			l.Info().Float64("duration_ms", ms).Msg("task done")
			return nil
		})
	}
}

// recoverPanics turns a panic in a handler into a permanent error, with the
// stack in the log, so that one bad input cannot crash a worker or loop.
func recoverPanics(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) (err error) {
		defer func() {
			if r := recover(); r != nil {
				zerolog.Ctx(ctx).Error().Str("stack", string(debug.Stack())).Msgf("panic: %v", r)
				err = permanent(fmt.Errorf("worker: panic in %s: %v", t.Type(), r))
			}
		}()
		return next.ProcessTask(ctx, t)
	})
}

// permanentToSkipRetry tells asynq not to retry permanent errors: the task
// goes straight to the archive, where an admin can inspect and retry it.
// stageOf names the stage a task type is timed as.
var stageOf = map[string]string{
	jobs.TypeStandardize: capture.StageStandardize, jobs.TypeMatch: capture.StageMatch,
	jobs.TypeNotify: "notify", jobs.TypeNotifyStudent: "notify", jobs.TypeCallback: "callback", jobs.TypeReprocess: "reprocess",
}

// instrument times every task as its stage and counts its result.
func instrument(m *metrics.Metrics) asynq.MiddlewareFunc {
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			start := time.Now()
			err := next.ProcessTask(ctx, t)
			if stage, ok := stageOf[t.Type()]; ok {
				m.Stage(stage, time.Since(start))
			}
			m.Task(t.Type(), err)
			return err
		})
	}
}

func permanentToSkipRetry(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		err := next.ProcessTask(ctx, t)
		if isPermanent(err) && !errors.Is(err, asynq.SkipRetry) {
			return fmt.Errorf("%w (%w)", err, asynq.SkipRetry)
		}
		return err
	})
}

func isPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}
