// Package notify tells students what became of their capture: the Notifier
// interface, its typed errors, the ledger that makes each message go out
// once, and a log notifier for development. The texts come from the
// catalogue in package capture; package notify/wechat sends them as WeChat
// subscribe messages.
package notify

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// Message is one notification to a student.
type Message struct {
	// CaptureID identifies the capture the message is about; empty for a
	// message about the student's journey (the cool-off).
	CaptureID string
	// OpenID is the student's WeChat openid; never logged.
	OpenID string
	// School is the school's code.
	School string
	// Key names the message in capture's catalogue (e.g. "approved",
	// "blocked/portrait_score_low", "cool_off_ended").
	Key string
	// Phrase is the short outcome (WeChat "phrase": at most 5 characters).
	Phrase string
	// Detail says what to do next (WeChat "thing": at most 20 characters).
	Detail string
	// At is when the transition happened (a template's "time" value).
	At time.Time
	// DeliveryID names this message for good: the same transition always
	// has the same ID ("<capture>:<seq>", "<school>/<student>:n<seq>").
	DeliveryID string
}

// Receipt is what the channel answered for a delivered message.
type Receipt struct {
	// MsgID is WeChat's message ID; empty for channels without one.
	MsgID string
}

// Notifier delivers messages. Errors wrapping ErrPermanent must not be
// retried; others may be.
type Notifier interface {
	Notify(ctx context.Context, m Message) (Receipt, error)
}

// ErrPermanent marks a delivery that can never succeed (a bad openid, a
// refused subscription): retrying would only repeat the failure.
var ErrPermanent = errors.New("notify: permanent failure")

// ErrNotSent marks a failure after which the channel certainly did not
// deliver the message (it answered with a refusal, such as WeChat's -1 or
// 45009): a retry starts afresh rather than as a possible duplicate.
var ErrNotSent = errors.New("notify: the channel refused the message")

// ErrNotSubscribed marks a message the student did not subscribe to, or
// whose subscription is used up (WeChat 43101): recorded, not retried.
var ErrNotSubscribed = fmt.Errorf("%w: the student is not subscribed", ErrPermanent)

// ErrConfiguration marks a message refused for the service's own
// configuration (a template, a page, a field): not retried, logged as a
// configuration error for an operator to fix.
var ErrConfiguration = fmt.Errorf("%w: configuration error", ErrPermanent)

// Valid reports whether the message's texts fit WeChat's limits.
func (m Message) Valid() bool {
	return m.Phrase != "" && utf8.RuneCountInString(m.Phrase) <= 5 && utf8.RuneCountInString(m.Detail) <= 20
}

// Log is a Notifier that writes each message to the log instead of sending
// it: the default in development. It logs the capture, the message and its
// texts, but not the openid.
type Log struct {
	Logger zerolog.Logger
}

// Notify implements Notifier.
func (l Log) Notify(ctx context.Context, m Message) (Receipt, error) {
	l.Logger.Info().
		Str("capture_id", m.CaptureID).
		Str("school", m.School).
		Str("notice", m.Key).
		Str("phrase", m.Phrase).
		Str("detail", m.Detail).
		Msg("notification (log notifier: not sent)")
	return Receipt{}, nil
}
