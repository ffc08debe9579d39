package capture

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/recheck/recheck/ctid"
	"github.com/recheck/recheck/identity"
)

func documentType(rec *Record) identity.DocumentType { return identity.DocumentType(rec.Document.Type) }

func outcomeOf(s string) ctid.Outcome { return ctid.Outcome(s) }

// Confirm records the student's confirmation of a standardized capture and
// their answer about the admission photo on file (steps 12-13): "mine"
// starts the comparison (or holds the capture while the admission photo is
// disputed or absent, see compare); "wrong" or "missing" runs no
// comparison and opens a case with the records office. Repeating the same
// answer is harmless; a different one, a capture not waiting for
// confirmation, or one that is not the journey's current capture is a
// *ConflictError.
func (l *Lifecycle) Confirm(ctx context.Context, id string, answer Answer, actor string) (*Record, error) {
	if !answer.Valid() {
		return nil, &InvalidError{Field: "admission_photo", Message: `must be "mine", "wrong" or "missing"`}
	}
	return l.change(ctx, id, func(t Tx, rec *Record) error {
		if rec.State != AwaitingConfirmation {
			switch {
			case rec.Confirmation != nil && rec.Confirmation.Answer == answer:
				return errUnchanged
			case rec.Confirmation != nil:
				return conflict("already_confirmed", "the capture was confirmed with admission_photo="+string(rec.Confirmation.Answer), rec.State)
			}
			return conflict("not_awaiting_confirmation", "the capture is "+string(rec.State)+", not awaiting_confirmation", rec.State)
		}
		if err := isCurrent(t, rec); err != nil {
			return err
		}
		rec.Confirmation = &Confirmation{Answer: answer, At: t.Now()}
		if answer == AnswerMine {
			return compare(t, rec, CauseConfirmed, actor)
		}
		reason := "admission_photo_" + string(answer)
		t.Journey().open(reason, rec.ID, t.Now())
		return rec.Apply(Move{To: Referred, Cause: CauseAdmissionDisputed, Actor: actor, Reason: reason}, t.Now())
	})
}

// maxNote bounds reviewers' reasons and office notes, in characters.
const maxNote = 500

// isCurrent refuses an action on a capture that is not the journey's
// current one: confirm and review act only on the student's latest capture.
func isCurrent(t Tx, rec *Record) error {
	if j := t.Journey(); j.Latest != "" && j.Latest != rec.ID {
		return conflict("not_current_capture", "capture "+rec.ID+" is not the student's current capture ("+j.Latest+")", rec.State)
	}
	return nil
}

func checkNote(field, s string, required bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case required && s == "":
		return "", &InvalidError{Field: field, Message: field + " is required"}
	case !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxNote:
		return "", &InvalidError{Field: field, Message: field + " must be valid UTF-8 of at most 500 characters"}
	case strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && identity.Hidden(r) }):
		return "", &InvalidError{Field: field, Message: field + " contains control or invisible characters (bidirectional overrides, zero-width characters)"}
	}
	return s, nil
}

// Review records a reviewer's verdict on a capture waiting for review
// (人工审核). Approval completes the journey ("审核通过"). A rejection lets
// the student resubmit without charging the day's quota, as often as the
// school's free resubmissions allow; the rejection after the last of them
// escalates to the records office. A capture is reviewed once: the same
// verdict by the same reviewer again is harmless, anything else on a
// reviewed capture is a *ConflictError.
func (l *Lifecycle) Review(ctx context.Context, id string, d Decision, reason, reviewer string) (*Record, error) {
	if d != Approve && d != Reject {
		return nil, &InvalidError{Field: "decision", Message: `must be "approve" or "reject"`}
	}
	reason, err := checkNote("reason", reason, d == Reject)
	if err != nil {
		return nil, err
	}
	actor := Reviewer(reviewer)
	return l.change(ctx, id, func(t Tx, rec *Record) error {
		if rec.State != PendingReview {
			if rec.Decision != nil {
				if rec.Decision.Decision == d && rec.Decision.Reviewer == actor && rec.Decision.Reason == reason {
					return errUnchanged
				}
				return conflict("already_reviewed", "the capture was reviewed by "+rec.Decision.Reviewer+": "+string(rec.Decision.Decision), rec.State)
			}
			return conflict("not_pending_review", "the capture is "+string(rec.State)+", not pending_review", rec.State)
		}
		if err := isCurrent(t, rec); err != nil {
			return err
		}
		j := t.Journey()
		rec.Decision = &ReviewDecision{Decision: d, Reason: reason, Reviewer: actor, At: t.Now()}
		j.InReview = slices.DeleteFunc(j.InReview, func(id string) bool { return id == rec.ID })
		if d == Approve {
			j.Approved = rec.ID
			return rec.Apply(Move{To: Approved, Cause: CauseReviewApproved, Actor: actor}, t.Now())
		}
		if j.recordRejection(rec.ID, l.Rules(rec.School)) {
			j.open(CaseReviewsExhausted, rec.ID, t.Now())
			return rec.Apply(Move{To: Escalated, Cause: CauseReviewsExhausted, Actor: actor, Note: reason}, t.Now())
		}
		return rec.Apply(Move{To: ReviewRejected, Cause: CauseReviewRejected, Actor: actor, Note: reason}, t.Now())
	})
}

// Resolve closes a student's open case with the records office, with the
// office's note. An escalation's counters start again: the student has
// every failed attempt and free resubmission back and may submit. A
// dispute about the admission photo closes with the photo on file taken as
// right: a capture the student referred goes back to their confirmation,
// one held for the dispute to the comparison; so does one held because its
// document number was another student's, once the office settled it. A case about an absent or
// unusable photo is closed by a photo, not a note (admission_photo_needed).
// Without an open case it is a *ConflictError.
func (l *Lifecycle) Resolve(ctx context.Context, school, student, note, actor string) (*Journey, error) {
	note, err := checkNote("note", note, true)
	if err != nil {
		return nil, err
	}
	ch, err := l.store.Do(ctx, school, student, func(t Tx) error {
		j := t.Journey()
		if j.Case == nil {
			return conflict("no_open_case", "the student has no open case with the records office", "")
		}
		if j.Case.needsPhoto() {
			return conflict("admission_photo_needed", "the case is about an absent or unusable admission photo: replace the photo (POST …/admission-photo/replacement), which closes it", "")
		}
		held := j.Case.holdReason() != "" // a dispute, or a shared document number
		j.close(actor, note, "resolved", t.Now())
		if _, err := resume(t, CauseCaseResolved, actor, "", held); err != nil {
			return err
		}
		return nil
	})
	if ch == nil {
		return nil, err
	}
	return ch.Journey, err
}

// resume moves the student's captures that wait for the records office back
// to the student's confirmation and, when held is set, those on hold for
// the admission photo (missing, unusable or disputed) back to the
// comparison, which holds them again if the photo still cannot be used.
// With cause admission_photo_replaced, captures waiting for review (or
// being compared) go back to the comparison too: their score is against
// the photo that was replaced. It returns their IDs. Captures in any other
// state, decided ones included, are left alone. The case the office
// settled must be closed before.
func resume(t Tx, cause Cause, actor, note string, held bool) ([]string, error) {
	ids, err := t.CaptureIDs()
	if err != nil {
		return nil, err
	}
	var resumed []string
	for _, id := range ids {
		rec, err := t.Load(id)
		if err != nil {
			return nil, err
		}
		switch {
		case cause == CauseAdmissionReplaced && (rec.State == PendingReview || rec.State == Matching):
			// Compared with the photo that was replaced: compared again
			// with the new one, and the decision table decides again.
			if rec.State == PendingReview {
				j := t.Journey()
				j.InReview = slices.DeleteFunc(j.InReview, func(c string) bool { return c == rec.ID })
			}
			if err := rec.Apply(Move{To: Matching, Cause: cause, Actor: actor, Note: note}, t.Now()); err != nil {
				return nil, err
			}
		case held && rec.State == OnHold && rec.HoldReason.waitsForOffice():
			if err := rec.Apply(Move{To: Matching, Cause: cause, Actor: actor, Note: note}, t.Now()); err != nil {
				return nil, err
			}
			if err := holdIfNoComparison(t, rec); err != nil {
				return nil, err
			}
		case rec.State == Referred:
			rec.Confirmation = nil
			if err := rec.Apply(Move{To: AwaitingConfirmation, Cause: cause, Actor: actor, Note: note}, t.Now()); err != nil {
				return nil, err
			}
		default:
			continue
		}
		resumed = append(resumed, id)
	}
	return resumed, nil
}

// AdmissionResult is what a new admission photo changed.
type AdmissionResult struct {
	// Changed is false when the same photo was on file already.
	Changed bool
	// Resumed lists the captures sent back to the comparison (they waited
	// on hold for the photo) or to the student's confirmation (they waited
	// for the records office about it).
	Resumed []string
}

// SetAdmissionPhoto puts the student's admission photo on file (its bytes
// already stored under ref.Key): the upstream service sets it once. The
// same photo again changes nothing; a different one is refused with a
// *ConflictError (admission_photo_locked): the admission photo cannot be
// changed (录取照片不可更换) but by the records office (see
// ReplaceAdmissionPhoto). Captures that waited for a photo resume.
func (l *Lifecycle) SetAdmissionPhoto(ctx context.Context, school, student string, ref AdmissionPhoto, actor string) (AdmissionResult, error) {
	return l.putAdmission(ctx, school, student, ref, actor, "", false)
}

// ReplaceAdmissionPhoto replaces the admission photo on file: a records
// office action, with its reason, recorded on the journey. It never
// changes a capture already decided: captures on hold for the photo
// (missing, unusable or disputed) and captures waiting for review or being
// compared (their score is against the old photo) go back to the
// comparison, with the reason in their history; those the student
// referred go back to the student's confirmation; the office's case about
// the photo is closed.
func (l *Lifecycle) ReplaceAdmissionPhoto(ctx context.Context, school, student string, ref AdmissionPhoto, actor, reason string) (AdmissionResult, error) {
	reason, err := checkNote("reason", reason, true)
	if err != nil {
		return AdmissionResult{}, err
	}
	return l.putAdmission(ctx, school, student, ref, actor, reason, true)
}

func (l *Lifecycle) putAdmission(ctx context.Context, school, student string, ref AdmissionPhoto, actor, reason string, replace bool) (AdmissionResult, error) {
	var res AdmissionResult
	_, err := l.store.Do(ctx, school, student, func(t Tx) error {
		res = AdmissionResult{}
		prev, err := t.Admission()
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		switch {
		case prev != nil && prev.SHA256 == ref.SHA256:
			return errUnchanged
		case prev != nil && !replace:
			return conflict("admission_photo_locked", "an admission photo is on file and cannot be changed by the upstream service; the records office replaces it", "")
		}
		t.SetAdmission(ref)
		j := t.Journey()
		j.AdmissionPhotos = append(j.AdmissionPhotos, AdmissionChange{SHA256: ref.SHA256, At: t.Now(), Actor: actor, Reason: reason})
		res.Changed = true
		if j.Case.holdReason() != "" {
			resolution := "admission_photo_replaced"
			if prev == nil {
				resolution = "admission_photo_added"
			}
			j.close(actor, reason, resolution, t.Now())
		}
		if res.Resumed, err = resume(t, CauseAdmissionReplaced, actor, reason, true); err != nil {
			return err
		}
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return res, nil
	}
	return res, err
}

// CorrectIdentity changes the identity document a student's journey is
// fixed to (Journey.Identity): a records office action, with its reason,
// recorded on the journey. The student's next capture must carry the new
// document; captures already made keep the one they were made with. The
// same document again changes nothing.
func (l *Lifecycle) CorrectIdentity(ctx context.Context, school, student string, doc Document, actor, reason string) (*Journey, error) {
	reason, err := checkNote("reason", reason, true)
	if err != nil {
		return nil, err
	}
	to := l.identityOf(doc)
	ch, err := l.store.Do(ctx, school, student, func(t Tx) error {
		j := t.Journey()
		if j.Identity != nil && j.Identity.same(to) {
			return errUnchanged
		}
		owner, err := t.DocumentOwner(to.NumberHMAC)
		if err != nil {
			return err
		}
		if owner != "" && owner != student {
			return conflict("document_in_use", "the document number is registered to another student of the school ("+owner+")", "")
		}
		old := ""
		if j.Identity != nil {
			if prev, err := t.DocumentOwner(j.Identity.NumberHMAC); err != nil {
				return err
			} else if prev == student {
				old = j.Identity.NumberHMAC
			}
		}
		t.Own(to.NumberHMAC, old)
		to.At = t.Now()
		j.IdentityChanges = append(j.IdentityChanges, IdentityChange{From: j.Identity, To: *to, At: t.Now(), Actor: actor, Reason: reason})
		j.Identity = to
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return l.store.Journey(ctx, school, student)
	}
	if ch == nil {
		return nil, err
	}
	return ch.Journey, err
}
