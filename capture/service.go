package capture

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Lifecycle is the one way a capture or a journey changes: every operation
// of the journey (submit, standardize, confirm, compare, review, hold,
// fail, resolve, a new admission photo) checks the school's rules and the
// lifecycle table and saves everything it changes atomically, with the
// events in the captures' histories. Intake and the workers call it; they
// never change a record themselves.
type Lifecycle struct {
	repo  *Repository
	rules RuleSet
}

// NewLifecycle returns the lifecycle on repo under rules.
func NewLifecycle(repo *Repository, rules RuleSet) *Lifecycle {
	return &Lifecycle{repo: repo, rules: rules}
}

// Repo returns the repository, for reads.
func (l *Lifecycle) Repo() *Repository { return l.repo }

// Rules returns a school's rules.
func (l *Lifecycle) Rules(school string) Rules { return l.rules.For(school) }

// errUnchanged aborts a change that finds its work already done (a
// redelivered task): nothing is saved and the caller gets the record as it
// is.
var errUnchanged = errors.New("capture: nothing to change")

// change runs fn on one capture inside a transaction over its student.
// When fn returns errUnchanged, the record is returned as it is, after a
// Sync that completes whatever an interrupted earlier run left undone.
func (l *Lifecycle) change(ctx context.Context, id string, fn func(t *Tx, rec *Record) error) (*Record, error) {
	cur, err := l.repo.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	ch, err := l.repo.Do(ctx, cur.School, cur.StudentID, func(t *Tx) error {
		rec, err := t.Load(id)
		if err != nil {
			return err
		}
		return fn(t, rec)
	})
	if errors.Is(err, errUnchanged) {
		rec, err := l.repo.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		return rec, l.repo.Sync(ctx, id)
	}
	if ch == nil {
		return nil, err
	}
	rec := ch.Record(id)
	if rec == nil {
		rec, _ = l.repo.Get(ctx, id)
	}
	return rec, err
}

// Complete writes a capture's durable copy and dispatches its follow-ups:
// what a handler that finds its step already done still owes.
func (l *Lifecycle) Complete(ctx context.Context, id string) error {
	return l.repo.Sync(ctx, id)
}

// Admit reports whether a student may submit a capture now: nil, or a
// *RefusedError saying why not (an open escalation, a capture in review, a
// completed journey, or the day's standardizations used up, with the time
// they may try again). It stores nothing about the capture; a refusal for
// the day's quota records, once per cool-off, the notice that tells the
// student when to come back.
func (l *Lifecycle) Admit(ctx context.Context, school, student string) error {
	r := l.Rules(school)
	j, err := l.repo.Journey(ctx, school, student)
	if err != nil {
		return err
	}
	now := l.repo.Now()
	e := j.admit(r, now)
	if e == nil {
		return nil
	}
	if e.Code == RefusedDailyLimit && j.OpenID != "" {
		_, err := l.repo.Do(ctx, school, student, func(t *Tx) error {
			if t.Journey().notice(NoticeCoolOff, e.RetryAt, t.Now()) {
				return nil
			}
			return errUnchanged
		})
		if err != nil && !errors.Is(err, errUnchanged) {
			return errors.Join(e, fmt.Errorf("capture: record the cool-off notice: %w", err))
		}
	}
	return e
}

// Submit creates a capture (its original already stored) and charges the
// journey for its standardization, atomically: concurrent submissions of
// one student never overshoot the day's quota. It refuses like Admit.
func (l *Lifecycle) Submit(ctx context.Context, rec *Record) (*Record, error) {
	r := l.Rules(rec.School)
	rec.History, rec.State = nil, ""
	ch, err := l.repo.Do(ctx, rec.School, rec.StudentID, func(t *Tx) error {
		j := t.Journey()
		free, err := j.reserve(rec.ID, r, t.Now())
		if err != nil {
			return err
		}
		c := *rec
		c.History = nil
		c.FreeResubmission = free
		if c.Document.Number != "" {
			c.Document.NumberHMAC = l.repo.Hash(c.Document.Number)
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

// StandardizeResult is what the standardization stage found.
type StandardizeResult struct {
	// OK is true when the photo passed every check and was stored.
	OK       bool
	Findings []Finding
	Input    *PhotoInfo
	Face     *FaceBox
	// PhotoFace is the face's box in the standardized photo.
	PhotoFace *[4]int
	Measures  map[string]float64
	// Review lists what a reviewer should look at (never blocks).
	Review     []Finding
	Start, End time.Time
}

// Standardized records the standardization of a queued capture: a photo
// that failed the checks is rejected and its standardization given back to
// the day's quota; a good one waits for the student's confirmation, or goes
// on to the comparison when the school confirms upstream (auto_confirm).
// A capture no longer queued is returned as it is.
func (l *Lifecycle) Standardized(ctx context.Context, id string, res StandardizeResult) (*Record, error) {
	return l.change(ctx, id, func(t *Tx, rec *Record) error {
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
			t.Journey().release(rec.ID)
			return rec.Apply(Move{To: Rejected, Cause: CauseQualityRejected}, t.Now())
		}
		if err := rec.Apply(Move{To: AwaitingConfirmation, Cause: CauseStandardized}, t.Now()); err != nil {
			return err
		}
		if !r.AutoConfirm {
			return nil
		}
		rec.Confirmation = &Confirmation{Answer: AnswerMine, At: t.Now(), Auto: true}
		return rec.Apply(Move{To: Matching, Cause: CauseAutoConfirmed}, t.Now())
	})
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
	return l.change(ctx, id, func(t *Tx, rec *Record) error {
		if !Runnable(rec) {
			return errUnchanged
		}
		r := l.Rules(rec.School)
		if rec.State == Failed {
			if err := rec.Apply(Move{To: Matching, Cause: CauseRetried}, t.Now()); err != nil {
				return err
			}
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
// admission photo (missing or unusable); a capture already held for it is
// returned as it is.
func (l *Lifecycle) Hold(ctx context.Context, id string, reason HoldReason) (*Record, error) {
	return l.change(ctx, id, func(t *Tx, rec *Record) error {
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
		return rec.Apply(Move{To: OnHold, Cause: CauseHeld, Reason: string(reason)}, t.Now())
	})
}

// Fail records that a stage of a capture failed for good (its task will
// not be retried again), so that the API tells the truth while an admin
// looks at the archived task. A capture past that stage is returned as it
// is.
func (l *Lifecycle) Fail(ctx context.Context, id, stage, message string) (*Record, error) {
	return l.change(ctx, id, func(t *Tx, rec *Record) error {
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
	return l.change(ctx, id, func(t *Tx, rec *Record) error {
		if seq < 1 || seq > len(rec.History) || rec.History[seq-1].Notified != nil {
			return errUnchanged
		}
		d.At = t.Now()
		rec.History[seq-1].Notified = &d
		return nil
	})
}

// MarkStudentNotified records the delivery d of a journey notice.
func (l *Lifecycle) MarkStudentNotified(ctx context.Context, school, student string, seq int, d Delivery) error {
	_, err := l.repo.Do(ctx, school, student, func(t *Tx) error {
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
	return l.change(ctx, id, func(t *Tx, rec *Record) error {
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
	rec, err := l.change(ctx, id, func(t *Tx, rec *Record) error {
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
			rec.Review = append(rec.Review, Finding{Code: FlagRescoredBelowPass, MessageZH: "重新比对分数低于通过线，请审核员重点核对", Value: m.Score, Limit: pass})
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
	return l.change(ctx, id, func(t *Tx, rec *Record) error {
		for _, p := range rec.Reprocessed {
			if p.Batch == batch && p.Stage == StageStandardize {
				return errUnchanged
			}
		}
		rec.Reprocessed = append(rec.Reprocessed, Reprocess{At: t.Now(), Batch: batch, Stage: StageStandardize, Outcome: outcome, Detail: detail})
		return nil
	})
}
