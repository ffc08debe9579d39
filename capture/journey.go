package capture

import (
	"slices"
	"time"
)

// Journey is one student's way through the re-check at one school, and the
// owner of what may happen next: the one capture in flight (Latest), the
// identity document fixed at the first capture, the standardizations
// charged to the day's quota, the failed attempts and review rejections
// since the records office last closed the case, the free resubmissions
// those rejections granted, and the open records-office case. Every entry
// is keyed by the capture that caused it, so applying the same event twice
// changes nothing.
type Journey struct {
	School    string `json:"school"`
	StudentID string `json:"student_id"`
	// OpenID is the openid of the student's latest capture, for the
	// messages that belong to no capture (the end of a cool-off).
	OpenID string `json:"openid,omitempty"`
	// Latest is the ID of the student's latest capture: the journey's
	// current capture. At most one capture of a student is between
	// submission and a final state, and it is this one.
	Latest string `json:"latest_capture,omitempty"`
	// Identity is the identity document the student registered with at
	// their first capture; later captures must carry the same one. Only
	// the records office changes it (IdentityChanges).
	Identity *Identity `json:"identity,omitempty"`
	// IdentityChanges lists the records office's corrections of Identity.
	IdentityChanges []IdentityChange `json:"identity_changes,omitempty"`
	// InReview lists the captures waiting for a reviewer, Approved is the
	// capture a reviewer approved.
	InReview []string `json:"in_review,omitempty"`
	Approved string   `json:"approved,omitempty"`
	// Slots are the standardizations made and charged, recent ones only.
	Slots []Slot `json:"standardizations"`
	// Failed lists the captures the comparison blocked since the last
	// closed case; Rejections those a reviewer rejected.
	Failed     []string `json:"failed_attempts"`
	Rejections []string `json:"review_rejections"`
	// Credits are the free resubmissions review rejections granted.
	Credits []Credit `json:"free_resubmissions"`
	// Case is the open records-office case; Closed the closed ones.
	Case   *Case  `json:"case,omitempty"`
	Closed []Case `json:"closed_cases,omitempty"`
	// Notices are messages to the student that belong to no capture.
	Notices []Notice `json:"notices,omitempty"`
	// AdmissionPhotos lists every admission photo put on file, who put it
	// there and, for a replacement, why: the audit of the reference.
	AdmissionPhotos []AdmissionChange `json:"admission_photos,omitempty"`

	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
}

// Identity is the identity document a journey is fixed to: its type and
// the keyed hash of its number (never the number itself).
type Identity struct {
	Type       string `json:"type"`
	NumberHMAC string `json:"number_hmac"`
	// CaptureID is the capture that fixed it; empty when the records office
	// set it.
	CaptureID string    `json:"capture_id,omitempty"`
	At        time.Time `json:"at"`
}

// same reports whether two identities name the same document.
func (i *Identity) same(o *Identity) bool {
	return i.Type == o.Type && i.NumberHMAC == o.NumberHMAC
}

// IdentityChange is one correction of a journey's identity by the records
// office: the document before and after, who changed it and why.
type IdentityChange struct {
	From   *Identity `json:"from,omitempty"`
	To     Identity  `json:"to"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Reason string    `json:"reason"`
}

// AdmissionChange is one admission photo put on file.
type AdmissionChange struct {
	SHA256 string    `json:"sha256"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	// Reason is the records office's reason for a replacement.
	Reason string `json:"reason,omitempty"`
}

// Slot is one standardization charged to the student.
type Slot struct {
	CaptureID string    `json:"capture_id"`
	At        time.Time `json:"at"`
	// Free is true when a free resubmission paid for it, not the quota.
	Free bool `json:"free,omitempty"`
}

// Credit is one free resubmission, granted by a review rejection and used
// by a later capture.
type Credit struct {
	GrantedBy string `json:"granted_by"`
	UsedBy    string `json:"used_by,omitempty"`
}

// The reasons of a records-office case.
const (
	// CaseAdmissionAbsent and CaseAdmissionUnusable: a confirmed capture
	// found no admission photo on file, or one without a single face.
	CaseAdmissionAbsent   = "admission_photo_absent"
	CaseAdmissionUnusable = "admission_photo_unusable"
	// CaseDocumentInUse: the student's document number is one another
	// student of the school registered (Rules.DuplicateDocument "case").
	CaseDocumentInUse = "document_in_use"
	// CaseAttemptsExhausted: the comparison blocked the last qualifying
	// photo the rules allow.
	CaseAttemptsExhausted = "attempts_exhausted"
	// CaseReviewsExhausted: a reviewer rejected the capture after the last
	// free resubmission.
	CaseReviewsExhausted = "reviews_exhausted"
	// CaseAdmissionWrong and CaseAdmissionMissing: the student said the
	// admission photo is someone else's, or missing.
	CaseAdmissionWrong   = "admission_photo_wrong"
	CaseAdmissionMissing = "admission_photo_missing"
)

// Case is a student's case with the records office (学籍部门).
type Case struct {
	Reason    string    `json:"reason"`
	CaptureID string    `json:"capture_id"`
	OpenedAt  time.Time `json:"opened_at"`
	// ClosedAt, ClosedBy and Note record how the case ended; Resolution
	// says what closed it: resolved by the office, a new admission photo,
	// or a case that replaced it.
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	ClosedBy   string     `json:"closed_by,omitempty"`
	Note       string     `json:"note,omitempty"`
	Resolution string     `json:"resolution,omitempty"`
}

// BlocksCaptures reports whether the student may not submit while the case
// is open: true for escalations, false for an admission photo in dispute.
func (c *Case) BlocksCaptures() bool {
	return c != nil && (c.Reason == CaseAttemptsExhausted || c.Reason == CaseReviewsExhausted)
}

// holdReason is why a confirmed capture waits while the case is open: a
// case about the admission photo stops every comparison of the student
// until the office settles it; other cases (and no case) stop none.
func (c *Case) holdReason() HoldReason {
	if c == nil {
		return ""
	}
	switch c.Reason {
	case CaseAdmissionWrong, CaseAdmissionMissing:
		return HoldAdmissionPhotoDisputed
	case CaseAdmissionAbsent:
		return HoldAdmissionPhotoMissing
	case CaseAdmissionUnusable:
		return HoldAdmissionPhotoUnusable
	case CaseDocumentInUse:
		return HoldDocumentInUse
	}
	return ""
}

// needsPhoto reports whether only an admission photo (put on file by the
// upstream, or replaced by the office) can close the case: a comparison
// cannot run without one.
func (c *Case) needsPhoto() bool {
	return c != nil && (c.Reason == CaseAdmissionAbsent || c.Reason == CaseAdmissionUnusable)
}

// caseFor is the records-office case a hold about the admission photo
// opens ("" for a hold that opens none).
func caseFor(h HoldReason) string {
	switch h {
	case HoldAdmissionPhotoMissing:
		return CaseAdmissionAbsent
	case HoldAdmissionPhotoUnusable:
		return CaseAdmissionUnusable
	}
	return ""
}

// Notice is a message to the student that belongs to no capture.
type Notice struct {
	Seq int `json:"seq"`
	// Key is the catalogue key of the message.
	Key string    `json:"key"`
	At  time.Time `json:"at"`
	// Until is when the cool-off the notice announces the end of ends: the
	// message goes out then, not before.
	Until    time.Time `json:"until,omitempty"`
	Notified *Delivery `json:"notified,omitempty"`
}

// NoticeCoolOffEnded is the key of the message that tells the student, when
// a cool-off ends, that they may shoot again ("可以再次采集"). It is sent
// when the cool-off ends rather than when it starts, so that it does not
// spend a WeChat subscription the student needs for "审核通过"; and only
// when the student still needs a new photo then.
const NoticeCoolOffEnded = "cool_off_ended"

// Quota is where a student stands with the day's standardizations.
type Quota struct {
	// Limit is the day's allowance and UsedToday what is charged today.
	Limit     int `json:"limit"`
	UsedToday int `json:"used_today"`
	// NextAllowedAt is when the student may standardize again; nil when
	// they may now.
	NextAllowedAt *time.Time `json:"next_allowed_at"`
}

// Quota reports the student's standardizations at now under r.
//
// At most r.DailyStandardizations are charged per calendar day in the
// rules' time zone; once a day's allowance is used, the student waits
// r.CoolOff from the standardization that used it up (and at least until
// the next day). Free resubmissions are not charged.
func (j *Journey) Quota(r Rules, now time.Time) Quota {
	loc := r.Location()
	day := func(t time.Time) string { return t.In(loc).Format("2006-01-02") }
	today := day(now)
	byDay := map[string][]time.Time{}
	for _, s := range j.Slots {
		if !s.Free {
			byDay[day(s.At)] = append(byDay[day(s.At)], s.At)
		}
	}
	q := Quota{Limit: r.DailyStandardizations, UsedToday: len(byDay[today])}
	var until time.Time
	for _, ts := range byDay {
		if len(ts) < r.DailyStandardizations {
			continue
		}
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		if end := ts[r.DailyStandardizations-1].Add(time.Duration(r.CoolOff)); end.After(until) {
			until = end
		}
	}
	if q.UsedToday >= r.DailyStandardizations {
		n := now.In(loc)
		midnight := time.Date(n.Year(), n.Month(), n.Day()+1, 0, 0, 0, 0, loc)
		if midnight.After(until) {
			until = midnight
		}
	}
	if now.Before(until) {
		u := until.UTC()
		q.NextAllowedAt = &u
	}
	return q
}

func (j *Journey) freeCredits() int {
	n := 0
	for _, c := range j.Credits {
		if c.UsedBy == "" {
			n++
		}
	}
	return n
}

// slot returns the slot charged for a capture.
func (j *Journey) slot(captureID string) (Slot, bool) {
	for _, s := range j.Slots {
		if s.CaptureID == captureID {
			return s, true
		}
	}
	return Slot{}, false
}

// admit reports why the student may not submit a new capture now, or nil:
// an open escalation, a completed journey, the current capture (latest,
// nil for none) still being worked on, an identity document other than
// the one fixed at the first capture (id, nil to skip that check), or the
// day's standardizations used up with no free resubmission left. A current
// capture that only waits for the student, the office or an admin does
// not refuse: the new capture supersedes it (State.Supersedable).
func (j *Journey) admit(latest *Record, id *Identity, r Rules, now time.Time) *RefusedError {
	switch {
	case j.Case.BlocksCaptures():
		return refused(RefusedEscalated, time.Time{}, r)
	case j.Approved != "":
		return refused(RefusedComplete, time.Time{}, r)
	case len(j.InReview) > 0:
		return refused(RefusedInReview, time.Time{}, r)
	}
	if latest != nil {
		switch latest.State {
		case PendingReview:
			return refused(RefusedInReview, time.Time{}, r)
		case Queued, Matching:
			return refused(RefusedInProgress, time.Time{}, r)
		case OnHold:
			if latest.HoldReason.waitsForOffice() {
				return refused(RefusedOnHold, time.Time{}, r)
			}
			return refused(RefusedInProgress, time.Time{}, r)
		}
	}
	if id != nil && j.Identity != nil && !j.Identity.same(id) {
		return refused(RefusedIdentityChanged, time.Time{}, r)
	}
	if j.freeCredits() > 0 {
		return nil
	}
	if q := j.Quota(r, now); q.NextAllowedAt != nil {
		return refused(RefusedDailyLimit, *q.NextAllowedAt, r)
	}
	return nil
}

// charge records the standardization of captureID, made now: paid by a
// free resubmission when one is left, by the day's quota otherwise. A
// capture charged already is not charged again (a redelivered task). It
// reports whether a free resubmission paid. When the charge uses up the
// day with no free resubmission left, the message that the cool-off is
// over is put on the journey for the moment it ends.
func (j *Journey) charge(captureID string, r Rules, now time.Time) (free bool) {
	if s, ok := j.slot(captureID); ok {
		return s.Free
	}
	j.prune(r, now)
	for i := range j.Credits {
		if j.Credits[i].UsedBy == "" {
			j.Credits[i].UsedBy = captureID
			free = true
			break
		}
	}
	j.Slots = append(j.Slots, Slot{CaptureID: captureID, At: now.UTC(), Free: free})
	if q := j.Quota(r, now); q.NextAllowedAt != nil && !free && j.freeCredits() == 0 {
		j.notice(NoticeCoolOffEnded, *q.NextAllowedAt, now)
	}
	return free
}

// prune drops slots too old to matter to any day or cool-off.
func (j *Journey) prune(r Rules, now time.Time) {
	horizon := now.Add(-time.Duration(r.CoolOff) - 48*time.Hour)
	j.Slots = slices.DeleteFunc(j.Slots, func(s Slot) bool { return s.At.Before(horizon) })
}

// recordFailure counts a blocked qualifying photo and reports whether it
// was the last the rules allow.
func (j *Journey) recordFailure(captureID string, r Rules) (escalate bool) {
	if !slices.Contains(j.Failed, captureID) {
		j.Failed = append(j.Failed, captureID)
	}
	return len(j.Failed) >= r.FailedAttempts
}

// recordRejection counts a review rejection: within the rules it grants a
// free resubmission, beyond them it escalates.
func (j *Journey) recordRejection(captureID string, r Rules) (escalate bool) {
	if !slices.Contains(j.Rejections, captureID) {
		j.Rejections = append(j.Rejections, captureID)
	}
	if len(j.Rejections) > r.FreeResubmissions {
		return true
	}
	if !slices.ContainsFunc(j.Credits, func(c Credit) bool { return c.GrantedBy == captureID }) {
		j.Credits = append(j.Credits, Credit{GrantedBy: captureID})
	}
	return false
}

// open opens a records-office case. An escalation replaces an open dispute
// about the admission photo; otherwise the open case stays as it is.
func (j *Journey) open(reason, captureID string, now time.Time) {
	if j.Case != nil {
		if j.Case.BlocksCaptures() || !(reason == CaseAttemptsExhausted || reason == CaseReviewsExhausted) {
			return
		}
		j.close(ActorSystem, "", "replaced", now)
	}
	j.Case = &Case{Reason: reason, CaptureID: captureID, OpenedAt: now.UTC()}
}

// close closes the open case. A case the office resolves resets the
// counters: the student starts again with every attempt and resubmission.
func (j *Journey) close(actor, note, resolution string, now time.Time) {
	if j.Case == nil {
		return
	}
	c := *j.Case
	at := now.UTC()
	c.ClosedAt, c.ClosedBy, c.Note, c.Resolution = &at, actor, note, resolution
	j.Closed = append(j.Closed, c)
	j.Case = nil
	if c.BlocksCaptures() {
		j.Failed, j.Rejections, j.Credits = []string{}, []string{}, []Credit{}
	}
}

// notice appends a message to the student unless an equal one exists, and
// reports whether it did.
func (j *Journey) notice(key string, until, now time.Time) bool {
	for _, n := range j.Notices {
		if n.Key == key && n.Until.Equal(until) {
			return false
		}
	}
	j.Notices = append(j.Notices, Notice{Seq: len(j.Notices) + 1, Key: key, At: now.UTC(), Until: until.UTC()})
	return true
}

// Normalize gives the journey's lists non-nil values, so that its JSON is
// the same before and after a round trip.
func (j *Journey) Normalize() {
	if j.Slots == nil {
		j.Slots = []Slot{}
	}
	if j.Failed == nil {
		j.Failed = []string{}
	}
	if j.Rejections == nil {
		j.Rejections = []string{}
	}
	if j.Credits == nil {
		j.Credits = []Credit{}
	}
}
