package capture

import (
	"context"
	"errors"
	"time"
)

// FollowupKind names a piece of work a saved change calls for.
type FollowupKind string

// The follow-ups.
const (
	// FollowStandardize: standardize the capture's original.
	FollowStandardize FollowupKind = "standardize"
	// FollowMatch: compare the capture with the admission photo.
	FollowMatch FollowupKind = "match"
	// FollowNotify: send the message of the capture's event Seq.
	FollowNotify FollowupKind = "notify"
	// FollowNotifyStudent: send the journey's notice Seq.
	FollowNotifyStudent FollowupKind = "notify_student"
	// FollowCallback: deliver the webhook of the capture's event Seq to
	// Target.
	FollowCallback FollowupKind = "callback"
)

// Followup is one piece of work a saved change calls for. The same
// follow-up of the same change is always equal, so a dispatcher can make a
// repeated dispatch a no-op.
type Followup struct {
	Kind      FollowupKind
	CaptureID string
	// School and StudentID name the journey of a FollowNotifyStudent.
	School, StudentID string
	// Seq is the event (or journey notice) the follow-up belongs to: the
	// move into matching for FollowMatch, the transition that notifies for
	// FollowNotify.
	Seq int
	// Target is the receiver of a FollowCallback.
	Target string
	// At, when set, is when the work is due (the end of a cool-off): it is
	// scheduled for then rather than done now.
	At time.Time
}

// Dispatcher hands follow-ups to the workers. Dispatching the same
// follow-up twice must do the work at most once (jobs.Dispatcher gives each
// a deterministic task ID).
type Dispatcher interface {
	Dispatch(ctx context.Context, f Followup) error
}

// Followups lists the work the record's current state calls for: its next
// stage, and a message for every transition that sends one and was not
// delivered. With recovering set (after the queues were lost) it also
// restarts what a task still retrying or archived was doing: the
// comparison of a capture waiting for CTID, and the stage a failed capture
// broke in.
func (r *Record) Followups(recovering bool) []Followup {
	var out []Followup
	last := r.Last()
	switch r.State {
	case Queued:
		out = append(out, Followup{Kind: FollowStandardize, CaptureID: r.ID})
	case Matching:
		out = append(out, Followup{Kind: FollowMatch, CaptureID: r.ID, Seq: last.Seq})
	case OnHold:
		if recovering && r.HoldReason == HoldCTIDUnavailable {
			out = append(out, Followup{Kind: FollowMatch, CaptureID: r.ID, Seq: last.Seq})
		}
	case Failed:
		if recovering && r.Failure != nil {
			kind := FollowStandardize
			if r.Failure.Stage == StageMatch {
				kind = FollowMatch
			}
			out = append(out, Followup{Kind: kind, CaptureID: r.ID, Seq: last.Seq})
		}
	}
	for _, e := range r.History {
		if e.Notice != "" && e.Notified == nil {
			out = append(out, Followup{Kind: FollowNotify, CaptureID: r.ID, Seq: e.Seq})
		}
		for _, c := range e.Callbacks {
			if c.Delivered == nil {
				out = append(out, Followup{Kind: FollowCallback, CaptureID: r.ID, Seq: e.Seq, Target: c.Target})
			}
		}
	}
	return out
}

// Followups lists the journey notices not yet delivered.
func (j *Journey) Followups() []Followup {
	var out []Followup
	for _, n := range j.Notices {
		if n.Notified == nil {
			f := Followup{Kind: FollowNotifyStudent, School: j.School, StudentID: j.StudentID, Seq: n.Seq}
			if n.Key == NoticeCoolOffEnded {
				f.At = n.Until
			}
			out = append(out, f)
		}
	}
	return out
}

// ErrNotSynced wraps the failure to write a committed change's durable copy
// or dispatch its follow-ups. The change stands; the outbox keeps it, and
// the next Sync of it (a redelivered task, or SyncPending) completes it.
var ErrNotSynced = errors.New("capture: committed, but the durable copy or follow-ups are pending")

// ErrNotReplicated is returned for a change that was committed on the Redis
// primary but that no replica confirmed in time: a failover now could lose
// it, so it is not acknowledged. Callers answer as for an unavailable
// store (503, a task retried); the retry finds the change made (an
// Idempotency-Key replays it) or, after a failover lost it, makes it
// again. Its durable copy and follow-ups wait in the outbox.
var ErrNotReplicated = errors.New("capture: committed on the primary, not confirmed by a replica")
