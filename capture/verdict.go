package capture

import (
	"github.com/recheck/recheck/ctid"
	"github.com/recheck/recheck/identity"
)

// Verdict is what the comparison decides for a capture: its next state,
// why, and whether the identity check (CTID) has to be asked first.
type Verdict struct {
	To     State
	Cause  Cause
	Reason string
}

// NeedsCTID reports whether a capture with this portrait score and
// document goes to CTID: mainland resident ID cards only, and only when the
// portrait passed (a capture the portrait already blocks needs no identity
// check).
func NeedsCTID(score float64, r Rules, doc identity.DocumentType) bool {
	return doc.UsesCTID() && score >= r.PassScore
}

// Decide applies the capture rules to a portrait score and, when the
// document goes to CTID (mainland resident ID cards only), its outcome:
//
//	portrait score   CTID applies   CTID outcome       state            reason
//	below the line   any            (not asked)        blocked          portrait_score_low
//	at or above      no             (not asked)        pending_review
//	at or above      yes            pass               pending_review
//	at or above      yes            suspected          blocked          ctid_suspected
//	at or above      yes            not_same_person    blocked          ctid_not_same_person
//	at or above      yes            identity_invalid   blocked          ctid_identity_invalid
//	at or above      yes            unavailable        on_hold          ctid_unavailable
//
// The line is the school's pass score (80 unless the school sets another).
// A blocked capture is a failed attempt; Lifecycle escalates the one that
// uses up the school's allowance instead of blocking it.
func Decide(score float64, r Rules, ctidApplies bool, outcome ctid.Outcome) Verdict {
	blocked := func(reason string) Verdict { return Verdict{To: Blocked, Cause: CauseMatchBlocked, Reason: reason} }
	passed := Verdict{To: PendingReview, Cause: CauseMatchPassed}
	switch {
	case score < r.PassScore:
		return blocked(ReasonPortraitScore)
	case !ctidApplies:
		return passed
	}
	switch outcome {
	case ctid.Pass:
		return passed
	case ctid.Suspected:
		return blocked(ReasonCTIDSuspected)
	case ctid.NotSamePerson:
		return blocked(ReasonCTIDNotSamePerson)
	case ctid.IdentityInvalid:
		return blocked(ReasonCTIDIdentityInvalid)
	default:
		return Verdict{To: OnHold, Cause: CauseHeld, Reason: string(HoldCTIDUnavailable)}
	}
}
