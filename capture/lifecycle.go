package capture

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/recheck/recheck/texts"
)

// Lifecycle is the one way a capture or a journey changes: every operation
// of the journey (submit, standardize, confirm, compare, review, hold,
// fail, resolve, a new admission photo) checks the school's rules and the
// transition table and saves everything it changes atomically, with the
// events in the captures' histories. Intake and the workers call it; they
// never change a record themselves.
type Lifecycle struct {
	store Store
	rules RuleSet
}

// NewLifecycle returns the lifecycle on store under rules.
func NewLifecycle(store Store, rules RuleSet) *Lifecycle {
	return &Lifecycle{store: store, rules: rules}
}

// Store returns the store the lifecycle changes, for reads.
func (l *Lifecycle) Store() Store { return l.store }

// Rules returns a school's rules.
func (l *Lifecycle) Rules(school string) Rules { return l.rules.For(school) }

// errUnchanged aborts a change that finds its work already done (a
// redelivered task): nothing is saved and the caller gets the record as it
// is.
var errUnchanged = errors.New("capture: nothing to change")

// change runs fn on one capture inside a transaction over its student.
// When fn returns errUnchanged, the record is returned as it is, after a
// Sync that completes whatever an interrupted earlier run left undone.
func (l *Lifecycle) change(ctx context.Context, id string, fn func(t Tx, rec *Record) error) (*Record, error) {
	cur, err := l.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	ch, err := l.store.Do(ctx, cur.School, cur.StudentID, func(t Tx) error {
		rec, err := t.Load(id)
		if err != nil {
			return err
		}
		return fn(t, rec)
	})
	if errors.Is(err, errUnchanged) {
		rec, err := l.store.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		return rec, l.store.Sync(ctx, id)
	}
	if ch == nil {
		return nil, err
	}
	rec := ch.Record(id)
	if rec == nil {
		rec, _ = l.store.Get(ctx, id)
	}
	return rec, err
}

// Complete writes a capture's durable copy and dispatches its follow-ups:
// what a handler that finds its step already done still owes.
func (l *Lifecycle) Complete(ctx context.Context, id string) error {
	return l.store.Sync(ctx, id)
}

// Admit reports whether a student may submit a capture of the document doc
// now: nil, or a *RefusedError saying why not (an open escalation, a
// completed journey, the current capture still in review or being
// processed or held for the records office, a document other than the one
// fixed at the first capture, or the day's standardizations used up, with
// the time they may try again). A nil doc skips the document's check.
// Intake asks before it stores anything; Submit asks again, atomically.
// It stores nothing.
func (l *Lifecycle) Admit(ctx context.Context, school, student string, doc *Document) error {
	r := l.Rules(school)
	j, err := l.store.Journey(ctx, school, student)
	if err != nil {
		return err
	}
	var latest *Record
	if j.Latest != "" {
		if latest, err = l.store.Get(ctx, j.Latest); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	var id *Identity
	if doc != nil {
		id = l.identityOf(*doc)
	}
	if e := j.admit(latest, id, r, l.store.Now()); e != nil {
		return e
	}
	return nil
}

// identityOf is the identity a document stands for.
func (l *Lifecycle) identityOf(doc Document) *Identity {
	return &Identity{Type: doc.Type, NumberHMAC: l.store.Hash(doc.Number)}
}

// Submit creates a capture (its original already stored) as the journey's
// current capture, atomically with the journey's checks (see Admit):
// concurrent submissions of one student never put two captures in flight.
// A current capture that only waited for the student, the records office
// or an admin's retry ends superseded. The first capture fixes the
// student's identity document. Nothing is charged: a standardization is
// charged when it is made (Standardized).
func (l *Lifecycle) Submit(ctx context.Context, rec *Record) (*Record, error) {
	r := l.Rules(rec.School)
	rec.History, rec.State = nil, ""
	id := l.identityOf(rec.Document)
	ch, err := l.store.Do(ctx, rec.School, rec.StudentID, func(t Tx) error {
		j := t.Journey()
		latest, err := t.Current()
		if err != nil {
			return err
		}
		if e := j.admit(latest, id, r, t.Now()); e != nil {
			return e
		}
		c := *rec
		c.History = nil
		c.Document.NumberHMAC = id.NumberHMAC
		if latest != nil && latest.State.Supersedable() {
			latest.SupersededBy = c.ID
			if err := latest.Apply(Move{To: Superseded, Cause: CauseSuperseded, Actor: ActorUpstream}, t.Now()); err != nil {
				return err
			}
		}
		owner, err := t.DocumentOwner(id.NumberHMAC)
		if err != nil {
			return err
		}
		switch {
		case owner == "":
			t.Own(id.NumberHMAC, "")
		case owner != rec.StudentID && j.Identity == nil:
			// One person, one student: the number is another student's.
			if r.DuplicateDocument != DuplicateCase {
				return refused(RefusedDocumentInUse, time.Time{}, r)
			}
			j.open(CaseDocumentInUse, c.ID, t.Now())
		}
		if j.Identity == nil {
			j.Identity = &Identity{Type: id.Type, NumberHMAC: id.NumberHMAC, CaptureID: c.ID, At: t.Now()}
		}
		if err := c.Apply(Move{To: Queued, Cause: CauseSubmitted, Actor: ActorUpstream}, t.Now()); err != nil {
			return err
		}
		j.OpenID, j.Latest = c.OpenID, c.ID
		return t.Create(&c)
	})
	if ch == nil {
		return nil, err
	}
	return ch.Record(rec.ID), err
}

// StandardizeResult is what the standardization stage found, as the
// standardizer returns it and the record keeps it: the worker stores Photo
// and stamps Start and End, nothing else passes between them.
type StandardizeResult struct {
	// OK is true when the photo passed every check.
	OK bool
	// Photo is the standardized photo (nil unless OK); the worker stores
	// it before the result is recorded, and the record does not hold it.
	Photo []byte
	// Findings are the checks the photo failed (an unreadable photo is
	// one), each with its student's message.
	Findings []Finding
	// Input describes the photo as uploaded.
	Input *PhotoInfo
	// Face is the face found in the input, in its pixels.
	Face *FaceBox
	// PhotoFace is the face's box (x, y, width, height) in Photo.
	PhotoFace *[4]int
	// Measures are the quality measures by name (imaging.Measures.Map),
	// for the reviewer.
	Measures map[string]float64
	// Review lists what a reviewer should look at (never blocks).
	Review []Finding
	// Start and End time the stage.
	Start, End time.Time
}

// Standardized records the standardization of a queued capture. A photo
// that failed the checks is rejected and costs nothing. A good one is
// charged now, atomically with its move to awaiting_confirmation (a free
// resubmission pays when one is left, the day's quota otherwise; a
// redelivered task finds the capture moved on and charges nothing), then
// waits for the student's confirmation, or goes on to the comparison when
// the school confirms upstream (auto_confirm). A capture no longer queued
// is returned as it is.
func (l *Lifecycle) Standardized(ctx context.Context, id string, res StandardizeResult) (*Record, error) {
	return l.change(ctx, id, func(t Tx, rec *Record) error {
		r := l.Rules(rec.School)
		if rec.State == Failed && rec.Failure != nil && rec.Failure.Stage == StageStandardize {
			if err := rec.Apply(Move{To: Queued, Cause: CauseRetried}, t.Now()); err != nil {
				return err
			}
		}
		if rec.State != Queued {
			return errUnchanged
		}
		rec.Findings = res.Findings
		if res.Input != nil {
			rec.Input = res.Input
		}
		rec.Face, rec.PhotoFace, rec.Measures, rec.Review = res.Face, res.PhotoFace, res.Measures, res.Review
		rec.SetStage(StageStandardize, res.Start, res.End)
		if !res.OK {
			return rec.Apply(Move{To: Rejected, Cause: CauseQualityRejected}, t.Now())
		}
		rec.FreeResubmission = t.Journey().charge(rec.ID, r, t.Now())
		if err := rec.Apply(Move{To: AwaitingConfirmation, Cause: CauseStandardized}, t.Now()); err != nil {
			return err
		}
		if !r.AutoConfirm {
			return nil
		}
		rec.Confirmation = &Confirmation{Answer: AnswerMine, At: t.Now(), Auto: true}
		return compare(t, rec, CauseAutoConfirmed, ActorSystem)
	})
}

// compare sends a confirmed capture to the comparison, unless no comparison
// may run for the student: while the admission photo is disputed (the
// student answered wrong or missing), absent, or known to be unusable, the
// capture waits on hold until the records office settles it
// (先不要比对，以免产生错误结果), and an absent photo opens the office's case.
func compare(t Tx, rec *Record, cause Cause, actor string) error {
	if err := rec.Apply(Move{To: Matching, Cause: cause, Actor: actor}, t.Now()); err != nil {
		return err
	}
	return holdIfNoComparison(t, rec)
}

// holdIfNoComparison holds a capture just sent to the comparison when no
// comparison may run for the student (see compare).
func holdIfNoComparison(t Tx, rec *Record) error {
	reason := t.Journey().Case.holdReason()
	if reason == "" {
		if _, err := t.Admission(); errors.Is(err, ErrNotFound) {
			reason = HoldAdmissionPhotoMissing
		} else if err != nil {
			return err
		}
	}
	if reason == "" {
		return nil
	}
	return hold(t, rec, reason)
}

// hold puts a capture in the comparison on hold for a reason about the
// admission photo; a photo absent or unusable opens the records office's
// case, as a dispute does.
func hold(t Tx, rec *Record, reason HoldReason) error {
	if c := caseFor(reason); c != "" {
		t.Journey().open(c, rec.ID, t.Now())
	}
	return rec.Apply(Move{To: OnHold, Cause: CauseHeld, Reason: string(reason)}, t.Now())
}

// Runnable reports whether the comparison should run for a capture in its
// current state: matching, waiting for CTID, or failed in the comparison
// (an admin's retry).
func Runnable(rec *Record) bool {
	switch rec.State {
	case Matching:
		return true
	case OnHold:
		return rec.HoldReason == HoldCTIDUnavailable
	case Failed:
		return rec.Failure != nil && rec.Failure.Stage == StageMatch
	}
	return false
}

// NeedsCTID reports whether a capture whose portrait scored score goes to
// CTID under its school's rules.
func (l *Lifecycle) NeedsCTID(rec *Record, score float64) bool {
	return NeedsCTID(score, l.Rules(rec.School), documentType(rec))
}

// MatchResult is what the comparison stage found.
type MatchResult struct {
	Score, Distance float64
	Embedder        string
	AdmissionSHA256 string
	// CTID is the identity check, when one was made.
	CTID       *CTIDCheck
	Start, End time.Time
}

// Matched applies the decision table to a comparison under the school's
// rules: a passed comparison waits for review; a blocked one counts as a
// failed attempt, and the one that uses up the school's allowance
// escalates the student's case to the records office; an unavailable CTID
// holds the capture. A capture the comparison does not apply to (any more)
// is returned as it is.
func (l *Lifecycle) Matched(ctx context.Context, id string, m MatchResult) (*Record, error) {
	return l.change(ctx, id, func(t Tx, rec *Record) error {
		if !Runnable(rec) {
			return errUnchanged
		}
		r := l.Rules(rec.School)
		if rec.State == Failed {
			if err := rec.Apply(Move{To: Matching, Cause: CauseRetried}, t.Now()); err != nil {
				return err
			}
		}
		if adm, err := t.Admission(); err == nil && m.AdmissionSHA256 != "" && adm.SHA256 != m.AdmissionSHA256 {
			// The admission photo was replaced while this comparison ran:
			// the replacement sent the capture to a new comparison, whose
			// outcome counts, not this one.
			return errUnchanged
		}
		if h := t.Journey().Case.holdReason(); h != "" {
			// The admission photo came into dispute while this comparison
			// ran: its outcome does not count.
			if rec.State == OnHold && rec.HoldReason == h {
				return errUnchanged
			}
			return hold(t, rec, h)
		}
		ctidOutcome := ""
		if m.CTID != nil {
			ctidOutcome = m.CTID.Outcome
		}
		v := Decide(m.Score, r, m.CTID != nil, outcomeOf(ctidOutcome))
		rec.Match = &Match{Score: m.Score, Distance: m.Distance, Embedder: m.Embedder, AdmissionSHA256: m.AdmissionSHA256,
			CTID: m.CTID, PassScore: r.PassScore, Passed: m.Score >= r.PassScore}
		rec.SetStage(StageMatch, m.Start, m.End)
		j := t.Journey()
		switch v.To {
		case OnHold:
			if rec.State == OnHold {
				return nil // still waiting for CTID; the new attempt is recorded
			}
		case PendingReview:
			if !slices.Contains(j.InReview, rec.ID) {
				j.InReview = append(j.InReview, rec.ID)
			}
		case Blocked:
			if j.recordFailure(rec.ID, r) {
				rec.BlockReason = v.Reason
				j.open(CaseAttemptsExhausted, rec.ID, t.Now())
				return rec.Apply(Move{To: Escalated, Cause: CauseAttemptsExhausted, Reason: v.Reason}, t.Now())
			}
		}
		return rec.Apply(Move{To: v.To, Cause: v.Cause, Reason: v.Reason}, t.Now())
	})
}

// Hold puts a capture in the comparison on hold for a reason about the
// admission photo (missing or unusable) and opens the records office's
// case about it; a capture already held for it is returned as it is.
func (l *Lifecycle) Hold(ctx context.Context, id string, reason HoldReason) (*Record, error) {
	return l.change(ctx, id, func(t Tx, rec *Record) error {
		if rec.State == OnHold && rec.HoldReason == reason {
			return errUnchanged
		}
		if !Runnable(rec) {
			return errUnchanged
		}
		if rec.State == Failed {
			if err := rec.Apply(Move{To: Matching, Cause: CauseRetried}, t.Now()); err != nil {
				return err
			}
		}
		// From matching, or from waiting for CTID to waiting for the photo.
		return hold(t, rec, reason)
	})
}

// Fail records that a stage of a capture failed for good (its task will
// not be retried again), so that the API tells the truth while an admin
// looks at the archived task. A capture past that stage is returned as it
// is.
func (l *Lifecycle) Fail(ctx context.Context, id, stage, message string) (*Record, error) {
	return l.change(ctx, id, func(t Tx, rec *Record) error {
		if !Legal(rec.State, Failed, CauseProcessingFailed) {
			return errUnchanged
		}
		if err := rec.Apply(Move{To: Failed, Cause: CauseProcessingFailed, Reason: stage}, t.Now()); err != nil {
			return err
		}
		rec.Failure = &Failure{Stage: stage, Code: "internal_error", Message: message, MessageZH: FailureText}
		return nil
	})
}

// MarkNotified records the delivery d of the message of a capture's event
// seq (d.Error set when it can never be delivered). A delivery already
// recorded is kept.
func (l *Lifecycle) MarkNotified(ctx context.Context, id string, seq int, d Delivery) (*Record, error) {
	return l.change(ctx, id, func(t Tx, rec *Record) error {
		if seq < 1 || seq > len(rec.History) || rec.History[seq-1].Notified != nil {
			return errUnchanged
		}
		d.At = t.Now()
		rec.History[seq-1].Notified = &d
		return nil
	})
}

// NoticeDue says what to do with a journey notice now: wait is how long
// until it is due (the end of the cool-off it announces, on the
// lifecycle's clock); once due, skip is why it is no longer needed ("" when
// it is): "可以再次采集" goes only to a student who may submit a capture
// and has none in flight, not to one whose journey completed, who was
// escalated, or whose capture is being processed or reviewed.
func (l *Lifecycle) NoticeDue(ctx context.Context, school, student string, n Notice) (wait time.Duration, skip string, err error) {
	now := l.store.Now()
	if n.Key != NoticeCoolOffEnded {
		return 0, "", nil
	}
	if now.Before(n.Until) {
		return n.Until.Sub(now), "", nil
	}
	j, err := l.store.Journey(ctx, school, student)
	if err != nil {
		return 0, "", err
	}
	var latest *Record
	if j.Latest != "" {
		if latest, err = l.store.Get(ctx, j.Latest); err != nil && !errors.Is(err, ErrNotFound) {
			return 0, "", err
		}
	}
	if latest != nil && !latest.State.Final() {
		return 0, "the current capture is " + string(latest.State), nil
	}
	if e := j.admit(latest, nil, l.Rules(school), now); e != nil {
		return 0, e.Code, nil
	}
	return 0, "", nil
}

// MarkStudentNotified records the delivery d of a journey notice.
func (l *Lifecycle) MarkStudentNotified(ctx context.Context, school, student string, seq int, d Delivery) error {
	_, err := l.store.Do(ctx, school, student, func(t Tx) error {
		j := t.Journey()
		if seq < 1 || seq > len(j.Notices) || j.Notices[seq-1].Notified != nil {
			return errUnchanged
		}
		d.At = t.Now()
		j.Notices[seq-1].Notified = &d
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return nil
	}
	return err
}

// MarkCalledBack records the delivery d of the webhook of a capture's event
// seq to target. A delivery already recorded is kept.
func (l *Lifecycle) MarkCalledBack(ctx context.Context, id string, seq int, target string, d Delivery) (*Record, error) {
	return l.change(ctx, id, func(t Tx, rec *Record) error {
		if seq < 1 || seq > len(rec.History) {
			return errUnchanged
		}
		e := &rec.History[seq-1]
		for i := range e.Callbacks {
			if e.Callbacks[i].Target == target && e.Callbacks[i].Delivered == nil {
				d.At = t.Now()
				e.Callbacks[i].Delivered = &d
				return nil
			}
		}
		return errUnchanged
	})
}

// Rescore records a batch re-score of a capture (its portrait compared
// again, after a new calibration or embedder) and moves it only where the
// rules allow; it never approves. A capture blocked for its score that now
// passes, if it is still the student's latest and no case is open, goes
// back to the comparison (cause rescored: the match task scores it again,
// asks CTID when the rules say so, and the decision table puts it in
// review or blocks it again), and its failed attempt is given back. A
// capture waiting for review that now falls below the line is flagged for
// the reviewer. Every other capture only records the new score.
func (l *Lifecycle) Rescore(ctx context.Context, id, batch string, m MatchResult) (*Record, string, error) {
	outcome := OutcomeUnchanged
	rec, err := l.change(ctx, id, func(t Tx, rec *Record) error {
		for _, p := range rec.Reprocessed {
			if p.Batch == batch && p.Stage == StageMatch {
				outcome = p.Outcome
				return errUnchanged // a redelivered task
			}
		}
		r := l.Rules(rec.School)
		pass := r.PassScore
		entry := Reprocess{At: t.Now(), Batch: batch, Stage: StageMatch, Outcome: OutcomeUnchanged, Score: m.Score, Embedder: m.Embedder}
		if rec.Match != nil {
			entry.OldScore = rec.Match.Score
		}
		ids, err := t.CaptureIDs()
		if err != nil {
			return err
		}
		latest := len(ids) > 0 && ids[len(ids)-1] == rec.ID
		j := t.Journey()
		switch {
		case rec.State == Blocked && rec.BlockReason == ReasonPortraitScore && m.Score >= pass && latest && j.Case == nil:
			if err := rec.Apply(Move{To: Matching, Cause: CauseRescored, Actor: "batch:" + batch}, t.Now()); err != nil {
				return err
			}
			j.Failed = slices.DeleteFunc(j.Failed, func(c string) bool { return c == rec.ID })
			entry.Outcome, entry.Detail = OutcomeChanged, "above the line now: compared again"
		case rec.State == Blocked && rec.BlockReason == ReasonPortraitScore && m.Score >= pass:
			entry.Detail = "above the line now, but superseded by a later capture or an open case"
		case rec.State == PendingReview && m.Score < pass:
			rec.Review = append(rec.Review, Finding{Code: FlagRescoredBelowPass, MessageZH: texts.ReviewFlags.Text(FlagRescoredBelowPass), Value: m.Score, Limit: pass})
			entry.Outcome, entry.Detail = OutcomeChanged, "below the line now: flagged for the reviewer"
		}
		outcome = entry.Outcome
		rec.Reprocessed = append(rec.Reprocessed, entry)
		return nil
	})
	return rec, outcome, err
}

// Restandardized records a batch re-standardization of a capture (its
// original standardized again with the school's current profile; the
// caller stored the new photo when outcome is changed).
func (l *Lifecycle) Restandardized(ctx context.Context, id, batch, outcome, detail string) (*Record, error) {
	return l.change(ctx, id, func(t Tx, rec *Record) error {
		for _, p := range rec.Reprocessed {
			if p.Batch == batch && p.Stage == StageStandardize {
				return errUnchanged
			}
		}
		rec.Reprocessed = append(rec.Reprocessed, Reprocess{At: t.Now(), Batch: batch, Stage: StageStandardize, Outcome: outcome, Detail: detail})
		return nil
	})
}
