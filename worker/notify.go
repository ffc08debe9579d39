package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/notify"
)

// notify tells the student about the capture's current state, once per
// state: a repeated delivery finds the state already notified and stops.
func (h *handlers) notify(ctx context.Context, t *asynq.Task) error {
	rec, err := h.load(ctx, t)
	if err != nil {
		return err
	}
	l := zerolog.Ctx(ctx).With().Str("stage", "notify").Str("state", string(rec.State)).Logger()
	if rec.Notified == rec.State {
		l.Info().Msg("already notified")
		return nil
	}
	reason := rec.BlockReason
	if rec.State == capture.OnHold {
		reason = string(rec.HoldReason)
	}
	m, ok := notify.For(rec.ID, rec.OpenID, rec.School, string(rec.State), reason)
	if !ok {
		l.Info().Msg("state is not notified")
		return nil
	}
	if err := h.Notifier.Notify(ctx, m); err != nil {
		if errors.Is(err, notify.ErrPermanent) {
			return permanent(err)
		}
		return fmt.Errorf("worker: notify: %w", err)
	}
	_, err = h.Repo.Update(ctx, rec.ID, func(r *capture.Record) error {
		r.Notified = r.State
		return nil
	})
	return err
}
