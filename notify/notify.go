// Package notify tells students what became of their capture: the Notifier
// interface, the texts of each outcome, and a log notifier for development.
// WeChat subscribe messages build on the same interface.
package notify

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// Message is one notification to a student.
type Message struct {
	// CaptureID identifies the capture the message is about.
	CaptureID string
	// OpenID is the student's WeChat openid; never logged.
	OpenID string
	// School is the school's code.
	School string
	// State is the capture state being reported.
	State string
	// Phrase is the short outcome (WeChat "phrase": at most 5 characters).
	Phrase string
	// Detail says what to do next (WeChat "thing": at most 20 characters).
	Detail string
}

// Notifier delivers messages. Errors wrapping ErrPermanent must not be
// retried; others may be.
type Notifier interface {
	Notify(ctx context.Context, m Message) error
}

// ErrPermanent marks a delivery that can never succeed (a bad openid, a
// refused subscription): retrying would only repeat the failure.
var ErrPermanent = errors.New("notify: permanent failure")

// texts holds the phrase and detail per capture state, and per reason
// where the reason changes what the student should do. States and reasons
// without an entry are not notified: a failed capture is the operators'
// problem, and an identity check that is unavailable is retried quietly.
var texts = map[string][2]string{
	"passed":                           {"比对通过", "人像比对通过，请等待人工审核"},
	"blocked":                          {"比对未通过", "人像比对未通过，请重新拍摄"},
	"blocked/portrait_score_low":       {"比对未通过", "人像比对分数低于80分，请重新拍摄"},
	"blocked/ctid_suspected":           {"核验未通过", "人证核验疑似，请在光线充足处重新拍摄"},
	"blocked/ctid_not_same_person":     {"核验未通过", "人证核验非同一人，请本人重新拍摄"},
	"blocked/ctid_identity_invalid":    {"核验未通过", "身份信息无效，请核对信息或开通网证"},
	"rejected":                         {"照片不合格", "照片不符合要求，请重新拍摄"},
	"on_hold/admission_photo_missing":  {"暂缓比对", "录取照片缺失，请联系学籍部门"},
	"on_hold/admission_photo_unusable": {"暂缓比对", "录取照片无法使用，请联系学籍部门"},
}

// For returns the message for a capture entering state for reason (the
// block or hold reason; may be empty), and false when it is not notified.
func For(captureID, openID, school, state, reason string) (Message, bool) {
	t, ok := texts[state+"/"+reason]
	if !ok && reason != "" && state == "blocked" {
		t, ok = texts[state]
	}
	if !ok && reason == "" {
		t, ok = texts[state]
	}
	if !ok {
		return Message{}, false
	}
	return Message{CaptureID: captureID, OpenID: openID, School: school, State: state, Phrase: t[0], Detail: t[1]}, true
}

// Valid reports whether the message's texts fit WeChat's limits.
func (m Message) Valid() bool {
	return m.Phrase != "" && utf8.RuneCountInString(m.Phrase) <= 5 && utf8.RuneCountInString(m.Detail) <= 20
}

// Log is a Notifier that writes each message to the log instead of sending
// it: the default in development. It logs the capture, state and texts, but
// not the openid.
type Log struct {
	Logger zerolog.Logger
}

// Notify implements Notifier.
func (l Log) Notify(ctx context.Context, m Message) error {
	l.Logger.Info().
		Str("capture_id", m.CaptureID).
		Str("school", m.School).
		Str("state", m.State).
		Str("phrase", m.Phrase).
		Str("detail", m.Detail).
		Msg("notification (log notifier: not sent)")
	return nil
}
