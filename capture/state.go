package capture

import "fmt"

// State is where a capture stands.
type State string

// The states of a capture.
//
//	queued ──▶ standardized ──▶ passed | blocked
//	   │            │  ▲
//	   ▼            ▼  │ (admission photo arrives)
//	rejected      on_hold
//
// Any state but a final one may go to failed when processing breaks for good;
// a failed capture moves on when an admin retries its task.
const (
	// Queued: the original is stored and standardization is enqueued.
	Queued State = "queued"
	// Rejected: the photo failed quality checks; the student reshoots.
	Rejected State = "rejected"
	// Standardized: the standardized photo is stored; matching is enqueued.
	Standardized State = "standardized"
	// OnHold: the capture waits, e.g. for the admission photo.
	OnHold State = "on_hold"
	// Passed: the portrait score is at least 80.
	Passed State = "passed"
	// Blocked: the portrait score is below 80; the student reshoots.
	Blocked State = "blocked"
	// Failed: processing failed for good; an admin may retry the task.
	Failed State = "failed"
)

// HoldReason says why a capture is on hold.
type HoldReason string

// The reasons a capture waits.
const (
	// HoldAdmissionPhotoMissing: no admission photo is on file; the student
	// contacts the records office (学籍部门).
	HoldAdmissionPhotoMissing HoldReason = "admission_photo_missing"
	// HoldAdmissionPhotoUnusable: the admission photo on file does not show
	// exactly one face.
	HoldAdmissionPhotoUnusable HoldReason = "admission_photo_unusable"
)

// transitions lists the states each state may move to.
var transitions = map[State][]State{
	Queued:       {Queued, Rejected, Standardized, Failed},
	Standardized: {Standardized, OnHold, Passed, Blocked, Failed},
	OnHold:       {OnHold, Passed, Blocked, Failed},
	// A failed task that an admin retries picks up where it broke.
	Failed:   {Queued, Rejected, Standardized, OnHold, Passed, Blocked, Failed},
	Rejected: {},
	Passed:   {},
	Blocked:  {},
}

// CanMove reports whether a capture in state from may move to state to.
func CanMove(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Final reports whether no further processing happens in state s.
func (s State) Final() bool {
	return s == Rejected || s == Passed || s == Blocked
}

// TransitionError is a move the state machine does not allow.
type TransitionError struct{ From, To State }

// Error implements error.
func (e *TransitionError) Error() string {
	return fmt.Sprintf("capture: cannot move from %s to %s", e.From, e.To)
}

// MoveTo changes the record's state, or returns a *TransitionError.
func (r *Record) MoveTo(to State) error {
	if !CanMove(r.State, to) {
		return &TransitionError{From: r.State, To: to}
	}
	r.State = to
	if to != OnHold {
		r.HoldReason = ""
	}
	if to != Blocked {
		r.BlockReason = ""
	}
	if to != Failed {
		r.Failure = nil
	}
	return nil
}
