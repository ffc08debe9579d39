package capture

import (
	"context"
	"errors"
	"time"

	"github.com/recheck/recheck/identity"
	"github.com/recheck/recheck/texts"
)

// Summary is where a student stands: what the upstream's mini program
// shows. Its fields are stable; new ones may be added.
type Summary struct {
	School    string `json:"school"`
	StudentID string `json:"student_id"`
	// Stage is the journey's stage (see the Stage constants) and MessageZH
	// says what the student should do.
	Stage     string `json:"stage"`
	MessageZH string `json:"message_zh"`
	// LatestCapture is the student's newest capture, or nil.
	LatestCapture *CaptureBrief `json:"latest_capture"`
	// Standardizations is the day's quota.
	Standardizations Quota `json:"standardizations"`
	// Attempts counts the qualifying photos the comparison blocked since
	// the records office last closed the case.
	Attempts Attempts `json:"attempts"`
	// Review counts the review rejections and the free resubmissions.
	Review ReviewCounts `json:"review"`
	// Case is the open case with the records office, or nil.
	Case *Case `json:"case"`
	// AdmissionPhotoOnFile says whether an admission photo is on file.
	AdmissionPhotoOnFile bool `json:"admission_photo_on_file"`
	// Document is the identity document the journey is fixed to, or nil
	// before the first capture.
	Document *DocumentBrief `json:"document"`
}

// DocumentBrief is the student's identity document as the summary shows
// it: its type, the type's Chinese name and what it means for the checks.
// The number is never shown.
type DocumentBrief struct {
	Type    string `json:"type"`
	LabelZH string `json:"label_zh"`
	// CTID is true when captures go to the national identity check.
	CTID bool `json:"ctid"`
	// MessageZH says which checks the document goes through.
	MessageZH string `json:"message_zh"`
}

// CaptureBrief is a capture as the summary shows it.
type CaptureBrief struct {
	ID        string    `json:"id"`
	State     State     `json:"state"`
	MessageZH string    `json:"message_zh"`
	CreatedAt time.Time `json:"created_at"`
}

// Attempts counts failed comparisons.
type Attempts struct {
	Failed int `json:"failed"`
	Limit  int `json:"limit"`
}

// ReviewCounts counts review rejections and free resubmissions.
type ReviewCounts struct {
	Rejections int `json:"rejections"`
	// FreeResubmissionsLeft is how many more times the student may submit
	// without charging the day's quota (granted or still to be granted by
	// a rejection); FreeResubmissionAvailable whether the next capture is
	// one of them.
	FreeResubmissionsLeft     int  `json:"free_resubmissions_left"`
	FreeResubmissionAvailable bool `json:"free_resubmission_available"`
}

// The stages of a journey, for the summary.
const (
	StageNotStarted    = "not_started"
	StageProcessing    = "processing"
	StageConfirm       = "confirm"
	StageOnHold        = "on_hold"
	StageInReview      = "in_review"
	StageApproved      = "approved"
	StageReshoot       = "reshoot"
	StageCoolingOff    = "cooling_off"
	StageRecordsOffice = "records_office"
	StageEscalated     = "escalated"
)

// Summary reports where a student stands.
func (l *Lifecycle) Summary(ctx context.Context, school, student string) (*Summary, error) {
	r := l.Rules(school)
	now := l.store.Now()
	j, err := l.store.Journey(ctx, school, student)
	if err != nil {
		return nil, err
	}
	_, err = l.store.AdmissionPhoto(ctx, school, student)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	s := &Summary{
		School: school, StudentID: student, AdmissionPhotoOnFile: err == nil,
		Standardizations: j.Quota(r, now), Case: j.Case,
		Attempts: Attempts{Failed: len(j.Failed), Limit: r.FailedAttempts},
		Review:   ReviewCounts{Rejections: len(j.Rejections), FreeResubmissionAvailable: j.freeCredits() > 0},
	}
	used := 0
	for _, c := range j.Credits {
		if c.UsedBy != "" {
			used++
		}
	}
	s.Review.FreeResubmissionsLeft = max(0, r.FreeResubmissions-used)
	var latest *Record
	if j.Latest != "" {
		latest, err = l.store.Get(ctx, j.Latest)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	if latest != nil {
		s.LatestCapture = &CaptureBrief{ID: latest.ID, State: latest.State, MessageZH: StatusText(latest, r), CreatedAt: latest.CreatedAt}
	}
	if j.Identity != nil {
		dt := identity.DocumentType(j.Identity.Type)
		s.Document = &DocumentBrief{Type: j.Identity.Type, LabelZH: dt.LabelZH(), CTID: dt.UsesCTID(), MessageZH: dt.NoteZH()}
	}
	s.Stage = stageOf(latest, j, s.Standardizations)
	s.MessageZH = withContacts(texts.Stages.Text(s.Stage), r.Help)
	switch s.Stage {
	case StageCoolingOff:
		s.MessageZH = refused(RefusedDailyLimit, *s.Standardizations.NextAllowedAt, r).MessageZH
	case StageOnHold, StageReshoot, StageEscalated:
		if latest != nil {
			s.MessageZH = StatusText(latest, r)
		}
	}
	return s, nil
}

func stageOf(latest *Record, j *Journey, q Quota) string {
	switch {
	case j.Case.BlocksCaptures():
		return StageEscalated
	case latest == nil:
		return StageNotStarted
	}
	switch latest.State {
	case Approved:
		return StageApproved
	case PendingReview:
		return StageInReview
	case AwaitingConfirmation:
		return StageConfirm
	case Queued, Matching, Failed:
		return StageProcessing
	case OnHold:
		return StageOnHold
	case Referred:
		return StageRecordsOffice
	}
	if j.Case != nil {
		return StageRecordsOffice
	}
	if q.NextAllowedAt != nil && j.freeCredits() == 0 {
		return StageCoolingOff
	}
	return StageReshoot
}
