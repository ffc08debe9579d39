package intake

import (
	"time"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/identity"
)

// captureView is what the API shows of a capture: no name, the document
// number masked, the history, and links to the photos.
type captureView struct {
	ID          string             `json:"id"`
	School      string             `json:"school"`
	Cohort      string             `json:"cohort"`
	StudentID   string             `json:"student_id"`
	Document    documentView       `json:"document"`
	State       capture.State      `json:"state"`
	HoldReason  capture.HoldReason `json:"hold_reason,omitempty"`
	BlockReason string             `json:"block_reason,omitempty"`
	Escalation  string             `json:"escalation,omitempty"`
	// MessageZH tells the student where the capture stands and what to do.
	MessageZH    string                  `json:"message_zh"`
	Confirmation *capture.Confirmation   `json:"confirmation,omitempty"`
	Decision     *capture.ReviewDecision `json:"decision,omitempty"`
	// FreeResubmission says the capture's standardization was paid by a
	// free resubmission instead of the day's quota.
	FreeResubmission bool `json:"free_resubmission"`
	// SupersededBy is the newer capture that replaced this one.
	SupersededBy string `json:"superseded_by,omitempty"`
	// Review lists what the manual reviewer should look at; NeedsReview
	// says whether there is anything.
	Review      []capture.Finding        `json:"review"`
	NeedsReview bool                     `json:"needs_review"`
	Findings    []capture.Finding        `json:"findings"`
	Failure     *capture.Failure         `json:"failure,omitempty"`
	Input       *capture.PhotoInfo       `json:"input,omitempty"`
	Face        *capture.FaceBox         `json:"face,omitempty"`
	Measures    map[string]float64       `json:"measures,omitempty"`
	Match       *capture.Match           `json:"match,omitempty"`
	Stages      map[string]capture.Stage `json:"stages"`
	History     []capture.Event          `json:"history"`
	Photos      map[string]string        `json:"photos"`
	// Purged says when retention deleted the photos and erased the
	// personal data.
	Purged    *capture.Purged `json:"purged,omitempty"`
	CreatedAt string          `json:"created_at"`
	UpdatedAt string          `json:"updated_at"`
}

type documentView struct {
	Type         string `json:"type"`
	LabelZH      string `json:"label_zh"`
	NumberMasked string `json:"number_masked"`
}

const timeFormat = "2006-01-02T15:04:05.000Z07:00"

func (a *API) viewOf(r *capture.Record) captureView {
	v := captureView{
		ID: r.ID, School: r.School, Cohort: r.Cohort, StudentID: r.StudentID,
		Document: documentView{Type: r.Document.Type, LabelZH: identity.DocumentType(r.Document.Type).LabelZH(), NumberMasked: identity.Mask(r.Document.Number)},
		State:    r.State, HoldReason: r.HoldReason, BlockReason: r.BlockReason, Escalation: r.Escalation,
		MessageZH:    capture.StatusText(r, a.deps.Lifecycle.Rules(r.School)),
		Confirmation: r.Confirmation, Decision: r.Decision, FreeResubmission: r.FreeResubmission, SupersededBy: r.SupersededBy,
		Review: r.Review, NeedsReview: len(r.Review) > 0,
		Findings: r.Findings, Failure: r.Failure, Input: r.Input, Face: r.Face, Measures: r.Measures,
		Match: r.Match, Stages: r.Stages, History: r.History, Purged: r.Purged,
		Photos:    map[string]string{"original": photoPath(r.ID, "original")},
		CreatedAt: r.CreatedAt.Format(timeFormat),
		UpdatedAt: r.UpdatedAt.Format(timeFormat),
	}
	if v.Findings == nil {
		v.Findings = []capture.Finding{}
	}
	if v.Review == nil {
		v.Review = []capture.Finding{}
	}
	if v.Stages == nil {
		v.Stages = map[string]capture.Stage{}
	}
	if v.History == nil {
		v.History = []capture.Event{}
	}
	if r.HasStandardized() {
		v.Photos["standardized"] = photoPath(r.ID, "standardized")
	}
	if r.Match != nil && r.Match.AdmissionSHA256 != "" {
		v.Photos["admission"] = photoPath(r.ID, "admission")
	}
	if r.Purged != nil {
		v.Photos = map[string]string{}
	}
	return v
}

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }
