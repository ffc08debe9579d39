package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/jobs"
	"github.com/recheck/recheck/notify"
)

// notify sends the message of one transition of a capture, once: the
// delivery is recorded on the event, and a redelivered task finds it there
// and stops.
func (h *handlers) notify(ctx context.Context, t *asynq.Task) error {
	rec, p, err := h.load(ctx, t)
	if err != nil {
		return err
	}
	l := zerolog.Ctx(ctx).With().Str("stage", "notify").Int("event", p.Seq).Logger()
	if p.Seq < 1 || p.Seq > len(rec.History) {
		return permanent(fmt.Errorf("worker: capture has no event %d", p.Seq))
	}
	e := rec.History[p.Seq-1]
	if e.Notified != nil {
		l.Info().Msg("already notified")
		return nil
	}
	text, ok := capture.NoticeFor(rec, e, h.Lifecycle.Rules(rec.School))
	if !ok {
		l.Info().Str("state", string(e.To)).Msg("this transition sends no message")
		return nil
	}
	m := notify.Message{CaptureID: rec.ID, OpenID: rec.OpenID, School: rec.School, Key: e.Notice, Phrase: text.Phrase, Detail: text.Detail}
	return h.deliver(ctx, m, func(deliveryErr string) error {
		_, err := h.Lifecycle.MarkNotified(ctx, rec.ID, p.Seq, deliveryErr)
		return err
	})
}

// notifyStudent sends a notice of a student's journey, once.
func (h *handlers) notifyStudent(ctx context.Context, t *asynq.Task) error {
	p, err := jobs.ParseStudentPayload(t)
	if err != nil {
		return permanent(err)
	}
	l := zerolog.Ctx(ctx).With().Str("stage", "notify").Str("school", p.School).Int("notice", p.Seq).Logger()
	j, err := h.Lifecycle.Repo().Journey(ctx, p.School, p.StudentID)
	if err != nil {
		return err
	}
	if p.Seq > len(j.Notices) {
		return permanent(fmt.Errorf("worker: journey has no notice %d", p.Seq))
	}
	n := j.Notices[p.Seq-1]
	if n.Notified != nil {
		l.Info().Msg("already notified")
		return nil
	}
	text, ok := capture.JourneyNoticeFor(n, h.Lifecycle.Rules(p.School))
	if !ok || j.OpenID == "" {
		return nil
	}
	m := notify.Message{OpenID: j.OpenID, School: p.School, Key: n.Key, Phrase: text.Phrase, Detail: text.Detail}
	return h.deliver(ctx, m, func(deliveryErr string) error {
		return h.Lifecycle.MarkStudentNotified(ctx, p.School, p.StudentID, p.Seq, deliveryErr)
	})
}

// deliver sends m and records the delivery: a permanent failure (a refused
// subscription, a bad openid) is recorded and not retried; other failures
// are retried by asynq.
func (h *handlers) deliver(ctx context.Context, m notify.Message, mark func(deliveryErr string) error) error {
	err := h.Notifier.Notify(ctx, m)
	switch {
	case errors.Is(err, notify.ErrPermanent):
		if merr := mark(err.Error()); merr != nil {
			return fmt.Errorf("worker: record failed delivery: %w", merr)
		}
		return permanent(err)
	case err != nil:
		return fmt.Errorf("worker: notify: %w", err)
	}
	if err := mark(""); err != nil {
		return fmt.Errorf("worker: record delivery: %w", err)
	}
	return nil
}
