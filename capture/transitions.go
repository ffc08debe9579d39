package capture

import (
	"fmt"
	"strings"
	"time"
)

// Cause names why a capture moved: the event behind a transition.
type Cause string

// The causes of transitions.
const (
	CauseSubmitted         Cause = "submitted"
	CauseQualityRejected   Cause = "quality_rejected"
	CauseStandardized      Cause = "standardized"
	CauseConfirmed         Cause = "confirmed"
	CauseAutoConfirmed     Cause = "auto_confirmed"
	CauseAdmissionDisputed Cause = "admission_photo_disputed"
	CauseAdmissionReplaced Cause = "admission_photo_replaced"
	CauseCaseResolved      Cause = "case_resolved"
	CauseHeld              Cause = "held"
	CauseMatchPassed       Cause = "match_passed"
	CauseMatchBlocked      Cause = "match_blocked"
	CauseAttemptsExhausted Cause = "attempts_exhausted"
	CauseReviewApproved    Cause = "review_approved"
	CauseReviewRejected    Cause = "review_rejected"
	CauseReviewsExhausted  Cause = "reviews_exhausted"
	CauseProcessingFailed  Cause = "processing_failed"
	CauseRetried           Cause = "retried"
	// CauseRescored: a batch re-score found a capture blocked for its
	// portrait score above the line now; it goes through the comparison
	// (and its decision table) again.
	CauseRescored Cause = "rescored"
	// CauseSuperseded: the student sent a newer photo.
	CauseSuperseded Cause = "superseded"
)

// Transition is one legal move: from a state, for a cause, to a state.
// From is empty for the creation of a capture.
type Transition struct {
	From  State
	To    State
	Cause Cause
}

// Transitions is the capture's whole lifecycle: every legal move and its
// cause. Nothing else moves a capture; docs/journey.md draws the same table as a
// diagram (a test compares them).
var Transitions = []Transition{
	{"", Queued, CauseSubmitted},
	{Queued, Rejected, CauseQualityRejected},
	{Queued, AwaitingConfirmation, CauseStandardized},
	{AwaitingConfirmation, Matching, CauseConfirmed},
	{AwaitingConfirmation, Matching, CauseAutoConfirmed},
	{AwaitingConfirmation, Referred, CauseAdmissionDisputed},
	{Referred, AwaitingConfirmation, CauseAdmissionReplaced},
	{Referred, AwaitingConfirmation, CauseCaseResolved},
	{Matching, OnHold, CauseHeld},
	{Matching, PendingReview, CauseMatchPassed},
	{Matching, Blocked, CauseMatchBlocked},
	{Matching, Escalated, CauseAttemptsExhausted},
	{OnHold, OnHold, CauseHeld},
	{OnHold, Matching, CauseAdmissionReplaced},
	{OnHold, Matching, CauseCaseResolved},
	{OnHold, PendingReview, CauseMatchPassed},
	{OnHold, Blocked, CauseMatchBlocked},
	{OnHold, Escalated, CauseAttemptsExhausted},
	{PendingReview, Matching, CauseAdmissionReplaced},
	{Matching, Matching, CauseAdmissionReplaced},
	{PendingReview, Approved, CauseReviewApproved},
	{PendingReview, ReviewRejected, CauseReviewRejected},
	{PendingReview, Escalated, CauseReviewsExhausted},
	{Queued, Failed, CauseProcessingFailed},
	{Matching, Failed, CauseProcessingFailed},
	{OnHold, Failed, CauseProcessingFailed},
	{Failed, Queued, CauseRetried},
	{Failed, Matching, CauseRetried},
	{AwaitingConfirmation, Superseded, CauseSuperseded},
	{Referred, Superseded, CauseSuperseded},
	{Failed, Superseded, CauseSuperseded},
}

// Reopenings are the moves out of a final state, made only by an operator's
// batch and never towards approval: a capture blocked for its portrait
// score goes back to the comparison when a re-score puts it above the line
// (the comparison's decision table then decides again).
var Reopenings = []Transition{
	{Blocked, Matching, CauseRescored},
}

// Legal reports whether the table allows moving from one state to another
// for cause.
func Legal(from, to State, cause Cause) bool {
	for _, t := range append(Transitions[:len(Transitions):len(Transitions)], Reopenings...) {
		if t.From == from && t.To == to && t.Cause == cause {
			return true
		}
	}
	return false
}

// Actors of transitions.
const (
	// ActorSystem is recheck itself (the workers).
	ActorSystem = "system"
	// ActorUpstream is the upstream intake service, acting for the student.
	ActorUpstream = "upstream"
)

// Reviewer names a reviewer as an actor.
func Reviewer(name string) string { return "reviewer:" + name }

// RecordsOffice names a records-office user as an actor.
func RecordsOffice(name string) string { return "records_office:" + name }

// Event is one entry of a capture's history: a transition, when, why and
// by whom, and whether the student was told.
type Event struct {
	// Seq numbers the events of a capture from 1; a notification is
	// identified by its capture and Seq.
	Seq  int       `json:"seq"`
	At   time.Time `json:"at"`
	From State     `json:"from,omitempty"`
	To   State     `json:"to"`
	// Cause is the event behind the transition; Actor who caused it:
	// "system", "upstream", "reviewer:<name>" or "records_office:<name>".
	Cause Cause  `json:"cause"`
	Actor string `json:"actor"`
	// Reason qualifies the cause: the block, hold or escalation reason, or
	// the student's answer about the admission photo.
	Reason string `json:"reason,omitempty"`
	// Note is free text: a reviewer's reason for rejecting, an office note.
	Note string `json:"note,omitempty"`
	// Notice is the catalogue key of the message this transition sends the
	// student; empty when it sends none.
	Notice string `json:"notice,omitempty"`
	// Notified records the delivery of that message.
	Notified *Delivery `json:"notified,omitempty"`
	// Callbacks are the webhooks this transition owes: one per target, with
	// its delivery once made.
	Callbacks []Callback `json:"callbacks,omitempty"`
}

// The targets of a callback.
const (
	// TargetUpstream is the school's upstream service.
	TargetUpstream = "upstream"
	// TargetRecordsOffice is the school's records office (escalations).
	TargetRecordsOffice = "records_office"
)

// Callback is one webhook a transition owes a target.
type Callback struct {
	Target    string    `json:"target"`
	Delivered *Delivery `json:"delivered,omitempty"`
}

// CallbackTargets names the targets a school's transition is delivered to
// (none: no callback), from the state it moved to and the reason that
// qualifies it (a hold's reason, for example).
type CallbackTargets func(school string, to State, reason string) []string

// Delivery records what became of a notification.
type Delivery struct {
	At time.Time `json:"at"`
	// MsgID is the channel's message ID (WeChat's msgid).
	MsgID string `json:"msgid,omitempty"`
	// Status is a callback receiver's HTTP status.
	Status int `json:"status,omitempty"`
	// Error is set when the message could never be delivered (for example
	// the student refused the subscription); it is not retried.
	Error string `json:"error,omitempty"`
	// Skipped says why a message was not sent when its time came: the
	// student no longer needed it.
	Skipped string `json:"skipped,omitempty"`
}

// Move is a requested transition.
type Move struct {
	To     State
	Cause  Cause
	Actor  string
	Reason string
	Note   string
}

// TransitionError is a move the lifecycle table does not allow.
type TransitionError struct {
	From, To State
	Cause    Cause
}

// Error implements error.
func (e *TransitionError) Error() string {
	return fmt.Sprintf("capture: cannot move from %s to %s (%s)", e.From, e.To, e.Cause)
}

// Apply moves the record as m asks at time at, appending the event to its
// history, or returns a *TransitionError and changes nothing.
func (r *Record) Apply(m Move, at time.Time) error {
	if !Legal(r.State, m.To, m.Cause) {
		return &TransitionError{From: r.State, To: m.To, Cause: m.Cause}
	}
	if m.Actor == "" {
		m.Actor = ActorSystem
	}
	e := Event{
		Seq: len(r.History) + 1, At: at.UTC(), From: r.State, To: m.To, Cause: m.Cause,
		Actor: m.Actor, Reason: m.Reason, Note: m.Note, Notice: noticeFor(m.To, m.Cause, m.Reason),
	}
	r.History = append(r.History, e)
	r.State = m.To
	if m.To != OnHold {
		r.HoldReason = ""
	}
	if m.To != Failed {
		r.Failure = nil
	}
	switch m.To {
	case OnHold:
		r.HoldReason = HoldReason(m.Reason)
	case Blocked:
		r.BlockReason = m.Reason
	case Escalated:
		r.Escalation = string(m.Cause)
	}
	return nil
}

// Last returns the latest event of the record's history; the zero Event
// when it has none.
func (r *Record) Last() Event {
	if len(r.History) == 0 {
		return Event{}
	}
	return r.History[len(r.History)-1]
}

// Mermaid draws the lifecycle table as a Mermaid state diagram: one arrow
// per transition, labelled with its cause, and an arrow to the end from
// every final state.
func Mermaid() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	name := func(s State) string {
		if s == "" {
			return "[*]"
		}
		return string(s)
	}
	for _, t := range Transitions {
		fmt.Fprintf(&b, "    %s --> %s: %s\n", name(t.From), name(t.To), t.Cause)
	}
	for _, s := range States {
		if s.Final() {
			fmt.Fprintf(&b, "    %s --> [*]\n", s)
		}
	}
	return b.String()
}
