package capture

import "github.com/recheck/recheck/identity"

// Reasons a capture is blocked or held by the match stage.
const (
	// ReasonPortraitScore: the portrait score is below 80.
	ReasonPortraitScore = "portrait_score_low"
	// ReasonCTIDSuspected, ReasonCTIDNotSamePerson, ReasonCTIDIdentityInvalid:
	// the identity check's outcome.
	ReasonCTIDSuspected       = "ctid_suspected"
	ReasonCTIDNotSamePerson   = "ctid_not_same_person"
	ReasonCTIDIdentityInvalid = "ctid_identity_invalid"
)

// HoldCTIDUnavailable: the identity check could not be done; the capture
// waits and is retried, and the student is not told of a failure.
const HoldCTIDUnavailable HoldReason = "ctid_unavailable"

// Decide applies the capture rules to a portrait score and, when the
// document goes to CTID (mainland resident ID cards only), its outcome:
//
//	portrait score   CTID applies   CTID outcome       state     reason
//	below 80         any            (not asked)        blocked   portrait_score_low
//	80 or more       no             (not asked)        passed
//	80 or more       yes            pass               passed
//	80 or more       yes            suspected          blocked   ctid_suspected
//	80 or more       yes            not_same_person    blocked   ctid_not_same_person
//	80 or more       yes            identity_invalid   blocked   ctid_identity_invalid
//	80 or more       yes            unavailable        on_hold   ctid_unavailable
//
// CTID is asked only when the portrait passes: a capture the portrait
// already blocks needs no identity check.
func Decide(score, passScore float64, ctidApplies bool, ctid identity.Outcome) (State, string) {
	switch {
	case score < passScore:
		return Blocked, ReasonPortraitScore
	case !ctidApplies:
		return Passed, ""
	}
	switch ctid {
	case identity.Pass:
		return Passed, ""
	case identity.Suspected:
		return Blocked, ReasonCTIDSuspected
	case identity.NotSamePerson:
		return Blocked, ReasonCTIDNotSamePerson
	case identity.IdentityInvalid:
		return Blocked, ReasonCTIDIdentityInvalid
	default:
		return OnHold, string(HoldCTIDUnavailable)
	}
}
