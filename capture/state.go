package capture

// State is where a capture stands in the student's journey. The legal moves
// between states are the table in lifecycle.go.
type State string

// The states of a capture.
const (
	// Queued: the original is stored and standardization is enqueued.
	Queued State = "queued"
	// Rejected: the photo failed the quality checks; the student reshoots
	// for free (the day's quota is not charged).
	Rejected State = "rejected"
	// AwaitingConfirmation: the standardized photo is stored and waits for
	// the student to confirm it and the admission photo (steps 12-13).
	AwaitingConfirmation State = "awaiting_confirmation"
	// Referred: the student said the admission photo is not theirs or is
	// missing; no comparison runs and the records office (学籍部门) takes
	// the case. The capture waits for a new admission photo or the office.
	Referred State = "referred"
	// Matching: the comparison with the admission photo (and CTID) is
	// enqueued or running.
	Matching State = "matching"
	// OnHold: the comparison waits, for an admission photo or for CTID.
	OnHold State = "on_hold"
	// Blocked: the comparison failed (score below the line, or CTID); the
	// student reshoots. It counts as a failed attempt.
	Blocked State = "blocked"
	// PendingReview: the comparison passed; a reviewer decides (人工审核).
	PendingReview State = "pending_review"
	// Approved: the reviewer approved; the journey is complete (审核通过).
	Approved State = "approved"
	// ReviewRejected: the reviewer rejected; the student may resubmit
	// without charging the day's quota (免费重拍提交).
	ReviewRejected State = "review_rejected"
	// Escalated: the last failed attempt or review rejection the rules
	// allow; the records office takes the student's case.
	Escalated State = "escalated"
	// Failed: processing failed for good; an admin retries the task in the
	// queue UI and the capture picks up where it broke.
	Failed State = "failed"
	// Superseded: the student sent a newer photo while this capture waited
	// for them (to confirm it, for the records office, or for an admin's
	// retry); the newer capture is the journey's current one.
	Superseded State = "superseded"
)

// States lists every state in the order of the journey.
var States = []State{
	Queued, Rejected, AwaitingConfirmation, Referred, Matching, OnHold, Blocked,
	PendingReview, Approved, ReviewRejected, Escalated, Failed, Superseded,
}

// Final reports whether nothing more happens to a capture in state s: the
// student's next step, if any, is a new capture.
func (s State) Final() bool {
	switch s {
	case Rejected, Blocked, Approved, ReviewRejected, Escalated, Superseded:
		return true
	}
	return false
}

// Supersedable reports whether a newer photo of the student replaces a
// capture in state s: one that waits for the student (to confirm it), for
// the records office (referred) or for an admin's retry (failed). A
// capture the service or a reviewer is working on (queued, matching, on
// hold, pending review) is never replaced: the new photo is refused.
func (s State) Supersedable() bool {
	return s == AwaitingConfirmation || s == Referred || s == Failed
}

// HoldReason says why a capture is on hold.
type HoldReason string

// The reasons a capture waits on hold.
const (
	// HoldAdmissionPhotoMissing: no admission photo is on file; the student
	// contacts the records office (学籍部门).
	HoldAdmissionPhotoMissing HoldReason = "admission_photo_missing"
	// HoldAdmissionPhotoUnusable: the admission photo on file does not show
	// exactly one face.
	HoldAdmissionPhotoUnusable HoldReason = "admission_photo_unusable"
	// HoldAdmissionPhotoDisputed: the student said the admission photo is
	// not theirs or missing, and the records office has not settled it: no
	// comparison runs against a disputed photo (先不要比对，以免产生错误结果).
	HoldAdmissionPhotoDisputed HoldReason = "admission_photo_disputed"
	// HoldDocumentInUse: the student's document number is another
	// student's of the school; the records office settles whose it is.
	HoldDocumentInUse HoldReason = "document_in_use"
	// HoldCTIDUnavailable: the identity check could not be done; the
	// comparison is retried and the student is not told of a failure.
	HoldCTIDUnavailable HoldReason = "ctid_unavailable"
)

// waitsForOffice reports whether a capture on hold for reason waits for the
// records office (the admission photo), rather than for a service.
func (h HoldReason) waitsForOffice() bool {
	return h == HoldAdmissionPhotoMissing || h == HoldAdmissionPhotoUnusable || h == HoldAdmissionPhotoDisputed || h == HoldDocumentInUse
}

// Reasons a capture is blocked by the comparison (see Decide).
const (
	// ReasonPortraitScore: the portrait score is below the school's line.
	ReasonPortraitScore = "portrait_score_low"
	// ReasonCTIDSuspected, ReasonCTIDNotSamePerson, ReasonCTIDIdentityInvalid:
	// the identity check's outcome.
	ReasonCTIDSuspected       = "ctid_suspected"
	ReasonCTIDNotSamePerson   = "ctid_not_same_person"
	ReasonCTIDIdentityInvalid = "ctid_identity_invalid"
)

// Answer is the student's answer about the admission photo on file when
// confirming a capture (step 13).
type Answer string

// The answers a student may give.
const (
	// AnswerMine: the admission photo is the student's; compare.
	AnswerMine Answer = "mine"
	// AnswerWrong: the admission photo shows someone else.
	AnswerWrong Answer = "wrong"
	// AnswerMissing: no admission photo is shown.
	AnswerMissing Answer = "missing"
)

// Valid reports whether a is one of the answers.
func (a Answer) Valid() bool { return a == AnswerMine || a == AnswerWrong || a == AnswerMissing }

// Decision is a reviewer's verdict on a capture.
type Decision string

// The reviewer's verdicts.
const (
	Approve Decision = "approve"
	Reject  Decision = "reject"
)
