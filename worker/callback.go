package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/callback"
	"github.com/recheck/recheck/capture"
)

// callback delivers the webhook of one transition of a capture to one
// target, once: the delivery is recorded on the event, and a redelivered
// task finds it there and stops. A receiver that fails is retried with
// backoff; after the last retry the task is archived, where an admin
// retries it.
func (h *handlers) callback(ctx context.Context, t *asynq.Task) error {
	rec, p, err := h.load(ctx, t)
	if err != nil {
		return err
	}
	l := zerolog.Ctx(ctx).With().Str("stage", "callback").Int("event", p.Seq).Str("target", p.Target).Logger()
	if p.Seq < 1 || p.Seq > len(rec.History) {
		return permanent(fmt.Errorf("worker: capture has no event %d", p.Seq))
	}
	var owed *capture.Callback
	for i, c := range rec.History[p.Seq-1].Callbacks {
		if c.Target == p.Target {
			owed = &rec.History[p.Seq-1].Callbacks[i]
		}
	}
	switch {
	case owed == nil:
		return permanent(fmt.Errorf("worker: event %d owes no callback to %q", p.Seq, p.Target))
	case owed.Delivered != nil:
		l.Info().Msg("already delivered")
		return nil
	case h.Callbacks == nil:
		return fmt.Errorf("worker: a callback is owed but RECHECK_CALLBACKS is not set on this worker")
	}
	payload, err := callback.NewPayload(rec, h.Lifecycle.Rules(rec.School), p.Seq, p.Target, h.Callbacks.Settings.PublicURL)
	if err != nil {
		return permanent(err)
	}
	status, err := h.Callbacks.Send(ctx, p.Target, payload)
	if errors.Is(err, callback.ErrNoURL) {
		l.Warn().Msg("no callback URL for this school any more: recorded as not delivered")
		_, err = h.Lifecycle.MarkCalledBack(ctx, rec.ID, p.Seq, p.Target, capture.Delivery{Error: err.Error()})
		return err
	}
	if err != nil {
		l.Warn().Err(err).Int("status", status).Msg("callback not accepted; retrying")
		return err
	}
	if _, err := h.Lifecycle.MarkCalledBack(ctx, rec.ID, p.Seq, p.Target, capture.Delivery{Status: status}); err != nil {
		return fmt.Errorf("worker: record callback: %w", err)
	}
	return nil
}
