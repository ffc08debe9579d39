package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	m := notify.Message{
		CaptureID: rec.ID, OpenID: rec.OpenID, School: rec.School, Key: e.Notice, Phrase: text.Phrase, Detail: text.Detail,
		At: e.At, DeliveryID: fmt.Sprintf("%s:%d", rec.ID, p.Seq),
	}
	return h.deliver(ctx, m, func(d capture.Delivery) error {
		_, err := h.Lifecycle.MarkNotified(ctx, rec.ID, p.Seq, d)
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
	j, err := h.Lifecycle.Store().Journey(ctx, p.School, p.StudentID)
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
	wait, skip, err := h.Lifecycle.NoticeDue(ctx, p.School, p.StudentID, n)
	switch {
	case err != nil:
		return err
	case wait > 0:
		// Woken early (a clock ahead of this one's): asynq runs it again then.
		l.Info().Dur("wait", wait).Msg("notice not due yet")
		return &notYet{wait: wait}
	case skip != "":
		l.Info().Str("skipped", skip).Msg("notice no longer needed")
		return h.Lifecycle.MarkStudentNotified(ctx, p.School, p.StudentID, p.Seq, capture.Delivery{Skipped: skip})
	}
	text, ok := capture.JourneyNoticeFor(n)
	if !ok || j.OpenID == "" {
		return nil
	}
	m := notify.Message{
		OpenID: j.OpenID, School: p.School, Key: n.Key, Phrase: text.Phrase, Detail: text.Detail,
		At: n.At, DeliveryID: fmt.Sprintf("%s/%s:n%d", p.School, p.StudentID, p.Seq),
	}
	return h.deliver(ctx, m, func(d capture.Delivery) error {
		return h.Lifecycle.MarkStudentNotified(ctx, p.School, p.StudentID, p.Seq, d)
	})
}

// deliver sends m once and records the delivery with mark. The ledger
// says "sending" before the call and "sent" the moment the channel
// answers, so a task redelivered after a crash between that answer and
// mark only completes the bookkeeping (see notify.Ledger for the one case
// in which a message can still go out twice). A refused subscription or a
// configuration error is recorded and not retried; other failures are
// retried by asynq with backoff.
func (h *handlers) deliver(ctx context.Context, m notify.Message, mark func(capture.Delivery) error) error {
	l := zerolog.Ctx(ctx)
	prior, err := h.ledger.Begin(ctx, m.DeliveryID)
	if err != nil {
		return err
	}
	if prior.State == notify.MarkSent {
		l.Info().Msg("sent before the last attempt ended: recording it")
		return h.recordDelivery(mark, capture.Delivery{MsgID: prior.MsgID})
	}
	if prior.State == notify.MarkSending {
		l.Warn().Int("attempts", prior.Attempts+1).Msg("an earlier attempt ended without an answer: sending again")
	}
	rcpt, err := h.Notifier.Notify(ctx, m)
	switch {
	case errors.Is(err, notify.ErrPermanent):
		if errors.Is(err, notify.ErrConfiguration) {
			l.Error().Err(err).Str("notice", m.Key).Msg("notification refused for a configuration error: fix the WeChat templates")
		}
		if merr := mark(capture.Delivery{Error: err.Error()}); merr != nil {
			return fmt.Errorf("worker: record failed delivery: %w", merr)
		}
		_ = h.ledger.Forget(ctx, m.DeliveryID)
		return permanent(err)
	case err != nil:
		if errors.Is(err, notify.ErrNotSent) {
			// Refused, not lost: the next attempt is not a possible duplicate.
			_ = h.ledger.Forget(ctx, m.DeliveryID)
		}
		return fmt.Errorf("worker: notify: %w", err)
	}
	if err := h.ledger.Sent(ctx, m.DeliveryID, rcpt.MsgID); err != nil {
		// The message went out: record it on the capture all the same.
		l.Warn().Err(err).Msg("the ledger missed a sent message")
	}
	if h.AfterSend != nil {
		if err := h.AfterSend(); err != nil {
			return err
		}
	}
	return h.recordDelivery(mark, capture.Delivery{MsgID: rcpt.MsgID})
}

func (h *handlers) recordDelivery(mark func(capture.Delivery) error, d capture.Delivery) error {
	if err := mark(d); err != nil {
		return fmt.Errorf("worker: record delivery: %w", err)
	}
	return nil
}

// notYet is a task run before it is due: asynq's next attempt waits the
// rest (see retryDelay).
type notYet struct{ wait time.Duration }

// Error implements error.
func (e *notYet) Error() string {
	return fmt.Sprintf("worker: not due for another %s", e.wait.Round(time.Second))
}
