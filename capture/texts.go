package capture

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/recheck/recheck/texts"
)

// This file puts a capture's texts together from the catalogue (package
// texts): the status line of the API (message_zh), the notifications, the
// refusals at intake and the review flags, with the numbers and contacts
// of the school's rules filled in.

// StatusText is the status line the API shows for a capture under the
// school's rules.
func StatusText(rec *Record, r Rules) string {
	key := string(rec.State)
	switch rec.State {
	case OnHold:
		key += "/" + string(rec.HoldReason)
	case Blocked:
		key += "/" + rec.BlockReason
	case Escalated:
		key += "/" + rec.Escalation
	case Referred:
		if rec.Confirmation != nil {
			key += "/admission_photo_" + string(rec.Confirmation.Answer)
		}
	}
	t, ok := texts.Status.Lookup(key)
	if !ok {
		t = texts.Status.Text(string(rec.State))
	}
	if t == "" {
		t = texts.StatusUnknown
	}
	pass := r.PassScore
	if rec.Match != nil && rec.Match.PassScore > 0 {
		pass = rec.Match.PassScore
	}
	t = fill(t, pass, r.FailedAttempts, r.DailyStandardizations)
	if rec.State == ReviewRejected && rec.Decision != nil && rec.Decision.Reason != "" {
		t = texts.ReviewRejectedBecause(rec.Decision.Reason)
	}
	if a := texts.EscalationAdvice.Text(rec.BlockReason); rec.State == Escalated && a != "" {
		t = texts.Sentence(t, a)
	}
	return withContacts(t, r.Help)
}

// withContacts adds the school's contacts to a text that sends the
// student to someone (texts.WithContacts).
func withContacts(t string, h Help) string {
	return texts.WithContacts(t, texts.Contacts{RecordsOffice: h.RecordsOffice, CTIDHotline: h.CTIDHotline,
		CTIDHours: h.CTIDHours, ServicePhone: h.ServicePhone, ServiceHours: h.ServiceHours})
}

// noticeFor names the message a transition sends, or "" when it sends
// none. Only outcomes the student must act on are sent: a WeChat
// subscription carries one message, and a message the student did not
// need could use up the one that says "审核通过".
func noticeFor(to State, cause Cause, reason string) string {
	key := string(to)
	switch to {
	case Blocked, OnHold:
		key += "/" + reason
	case Escalated:
		key += "/" + string(cause)
	}
	if _, ok := texts.Notices.Lookup(key); ok {
		return key
	}
	return ""
}

// NoticeText is one message for the student: WeChat's short phrase and
// detail.
type NoticeText = texts.Notice

// NoticeFor returns the message of a capture's event under the school's
// rules; ok is false when the event sends none.
func NoticeFor(rec *Record, e Event, r Rules) (NoticeText, bool) {
	t, ok := texts.Notices.Lookup(e.Notice)
	if !ok {
		return NoticeText{}, false
	}
	pass := r.PassScore
	if rec.Match != nil && rec.Match.PassScore > 0 {
		pass = rec.Match.PassScore
	}
	n := NoticeText{Phrase: t.Phrase, Detail: fill(t.Detail, pass)}
	if e.Notice == "review_rejected" && e.Note != "" {
		n.Detail = Shorten(texts.NoticeReviewRejectedBecause(e.Note), 20)
	}
	if e.Notice == "escalated/attempts_exhausted" && rec.BlockReason == ReasonCTIDIdentityInvalid {
		n.Detail = texts.NoticeEscalatedIdentityInvalid
	}
	return n, true
}

// JourneyNoticeFor returns the message of a journey notice.
func JourneyNoticeFor(n Notice) (NoticeText, bool) {
	return texts.Notices.Lookup(n.Key)
}

// fill puts the numbers into a text that has places for them (written
// %[n]…, so a text may use any of them); other texts are returned as they
// are.
func fill(t string, args ...any) string {
	if !strings.Contains(t, "%[") {
		return t
	}
	return fmt.Sprintf(t, args...)
}

// Shorten cuts s to at most n characters, ending with "…" when it cut.
func Shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Refusal codes: why intake turns a capture away before storing anything.
const (
	RefusedDailyLimit = "daily_limit_reached"
	RefusedEscalated  = "escalated"
	RefusedInReview   = "capture_in_review"
	RefusedComplete   = "journey_complete"
	// RefusedInProgress: the student's current capture is being
	// standardized or compared; one capture is in flight at a time.
	RefusedInProgress = "capture_in_progress"
	// RefusedOnHold: the current capture waits for the records office about
	// the admission photo and will be compared without a new photo.
	RefusedOnHold = "capture_on_hold"
	// RefusedIdentityChanged: the document type or number differs from the
	// one the student's first capture carried.
	RefusedIdentityChanged = "identity_changed"
	// RefusedDocumentInUse: the document number is another student's of
	// the school (Rules.DuplicateDocument "refuse").
	RefusedDocumentInUse = "document_in_use"
)

// refusalMessages are the refusals' messages for the upstream's developers;
// the student's are texts.Refusals.
var refusalMessages = map[string]string{
	RefusedDailyLimit:      "the day's standardizations are used up; retry after retry_at",
	RefusedEscalated:       "the student's case is with the records office; captures are refused until it closes it",
	RefusedInReview:        "a capture of the student is waiting for manual review",
	RefusedComplete:        "a capture of the student is already approved",
	RefusedInProgress:      "the student's current capture is still being standardized or compared; one capture at a time",
	RefusedOnHold:          "the student's current capture waits for the records office about the admission photo; it will be compared without a new photo",
	RefusedIdentityChanged: "the document type or number differs from the student's first capture; the records office corrects it",
	RefusedDocumentInUse:   "the document number is registered to another student of the school; check it, or the records office settles whose it is",
}

// RefusedError is a capture turned away by the student's journey: the day's
// quota, an open escalation, a capture in review or a completed journey.
type RefusedError struct {
	Code      string
	Message   string
	MessageZH string
	// RetryAt is when the student may try again; zero when waiting does not
	// help.
	RetryAt time.Time
}

// Error implements error.
func (e *RefusedError) Error() string { return "capture refused: " + e.Code + ": " + e.Message }

func refused(code string, retryAt time.Time, r Rules) *RefusedError {
	zh := texts.Refusals.Text(code)
	e := &RefusedError{Code: code, Message: refusalMessages[code], MessageZH: withContacts(zh, r.Help), RetryAt: retryAt}
	if !retryAt.IsZero() {
		e.MessageZH = fmt.Sprintf(zh, FormatTime(retryAt))
	}
	return e
}

// FormatTime writes t for a student: Beijing time, like 2025年10月1日 15:01.
func FormatTime(t time.Time) string {
	loc := DefaultRules().Location()
	return t.In(loc).Format(texts.TimeLayout)
}

// ConflictError is an action the capture's or the journey's current state
// does not allow: confirming twice with different answers, reviewing a
// capture that is not waiting for review, resolving a case that is closed.
type ConflictError struct {
	Code      string
	Message   string
	MessageZH string
	// State is the capture's current state, when the conflict is about one.
	State State
}

// Error implements error.
func (e *ConflictError) Error() string { return "capture conflict: " + e.Code + ": " + e.Message }

func conflict(code, message string, state State) *ConflictError {
	return &ConflictError{Code: code, Message: message, MessageZH: texts.Conflicts.Text(code), State: state}
}

// ReviewFlagRephotographed is the review flag of a photo that looks like a
// photo of a printed photo or of a screen (严禁翻拍).
const ReviewFlagRephotographed = "rephotographed"

// FlagDocumentElsewhere is the review flag of a capture whose document
// number was registered at another school too.
const FlagDocumentElsewhere = "document_seen_elsewhere"

// ReviewFlagText is the student-facing text of a review flag.
func ReviewFlagText(code string) string { return texts.ReviewFlags.Text(code) }

// FailureText is the status line of a capture whose processing failed.
const FailureText = texts.StatusFailed
