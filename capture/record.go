// Package capture is the domain of recheck and the one owner of a capture's
// life: the capture record, its states and the table of legal transitions,
// the student's journey (the day's standardization quota and cool-off,
// failed attempts, review resubmissions, escalation to the records office),
// the decision table and the texts shown to students. It keeps nothing
// itself: a Store does (capture/redisstore, in Redis with a durable copy in
// object storage).
//
// Every change goes through Lifecycle, which applies the rules inside one
// atomic transaction per student (Store.Do), after which the store writes
// the durable copies and dispatches the work the new state calls for.
package capture

import (
	"time"
)

// Record is one capture: a photo a student shot, what became of it, and
// where its files are. Document details are personal information: they are
// kept on the record for the identity check but never logged, never put in
// task payloads and only shown masked.
type Record struct {
	ID        string `json:"id"`
	School    string `json:"school"`
	Cohort    string `json:"cohort"`
	StudentID string `json:"student_id"`
	// OpenID is the student's WeChat openid, for notifications.
	OpenID string `json:"openid"`
	// Document is the identity document the student registered with.
	Document Document `json:"document"`

	State State `json:"state"`
	// HoldReason says why an on_hold capture waits.
	HoldReason HoldReason `json:"hold_reason,omitempty"`
	// BlockReason says why the comparison blocked the capture (see Decide);
	// it stays set on a capture escalated by its comparison.
	BlockReason string `json:"block_reason,omitempty"`
	// Escalation is the cause that escalated the capture to the records
	// office: attempts_exhausted or reviews_exhausted.
	Escalation string `json:"escalation,omitempty"`
	// Confirmation is the student's answer about the admission photo.
	Confirmation *Confirmation `json:"confirmation,omitempty"`
	// Decision is the reviewer's verdict.
	Decision *ReviewDecision `json:"decision,omitempty"`
	// FreeResubmission is true when the capture's standardization was paid
	// by a free resubmission granted by a review rejection instead of the
	// day's quota.
	FreeResubmission bool `json:"free_resubmission,omitempty"`
	// SupersededBy is the capture that superseded this one.
	SupersededBy string `json:"superseded_by,omitempty"`
	// Review lists what a manual reviewer should look at (for example a
	// suspected re-photographed print); it never blocks a capture.
	Review []Finding `json:"review,omitempty"`
	// Failure describes why a capture failed.
	Failure *Failure `json:"failure,omitempty"`
	// Findings are the failed quality checks of a rejected capture.
	Findings []Finding `json:"findings"`
	// Input describes the uploaded photo.
	Input *PhotoInfo `json:"input,omitempty"`
	// Face is the face found in the upload, in its pixels.
	Face *FaceBox `json:"face,omitempty"`
	// PhotoFace is that face's box (x, y, width, height) carried into the
	// standardized photo's pixels: where the comparison reads the face.
	PhotoFace *[4]int `json:"photo_face,omitempty"`
	// Measures are the quality measures of the standardization, by name,
	// for the reviewer.
	Measures map[string]float64 `json:"measures,omitempty"`
	// Match is the portrait comparison with the admission photo.
	Match *Match `json:"match,omitempty"`
	// Stages holds the timing of every stage that ran, by name.
	Stages map[string]Stage `json:"stages"`
	// History lists every transition, oldest first.
	History []Event `json:"history"`
	// Purged is set once retention deleted the photos and erased the
	// personal fields.
	Purged *Purged `json:"purged,omitempty"`
	// Reprocessed lists what batch reprocessing did to the capture.
	Reprocessed []Reprocess `json:"reprocessed,omitempty"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Version increases with every saved change.
	Version int `json:"version"`
}

// Document is an identity document as registered. Number and Name are
// sealed at rest; NumberHMAC, a keyed hash of the number, stands in for it
// wherever a number has to be looked up or compared.
type Document struct {
	Type       string `json:"type"`
	Number     string `json:"number"`
	Name       string `json:"name"`
	NumberHMAC string `json:"number_hmac,omitempty"`
}

// Confirmation is the student's answer about the admission photo (step 13).
type Confirmation struct {
	Answer Answer    `json:"answer"`
	At     time.Time `json:"at"`
	// Auto is true when the school's upstream confirms in its own interface
	// (the auto_confirm rule) and recheck did not ask.
	Auto bool `json:"auto,omitempty"`
}

// ReviewDecision is a reviewer's verdict on a capture.
type ReviewDecision struct {
	Decision Decision  `json:"decision"`
	Reason   string    `json:"reason,omitempty"`
	Reviewer string    `json:"reviewer"`
	At       time.Time `json:"at"`
}

// Failure describes a capture that could not be processed.
type Failure struct {
	// Stage is the stage that failed.
	Stage   string `json:"stage"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// MessageZH is shown to the student.
	MessageZH string `json:"message_zh"`
}

// QualityVerdict is what the quality checks found in a photo, whether or
// not anything is made of it: the free check before a capture (the
// precheck) and the capture's own standardization give the same verdict
// for the same bytes.
type QualityVerdict struct {
	// Passed is true when the photo passed every check: it would be
	// standardized.
	Passed bool
	// Findings are the failed checks, with their Chinese messages.
	Findings []Finding
	// Review lists what a reviewer would look at (it never fails a photo).
	Review []Finding
	// Measures are the measured quantities, by name.
	Measures map[string]float64
	// Input describes the photo, when it could be read.
	Input *PhotoInfo
}

// Finding is a failed quality check.
type Finding struct {
	Code      string  `json:"code"`
	MessageZH string  `json:"message_zh"`
	Value     float64 `json:"value"`
	Limit     float64 `json:"limit"`
}

// PhotoInfo describes an uploaded photo.
type PhotoInfo struct {
	Format string `json:"format"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Bytes  int    `json:"bytes"`
}

// FaceBox is a face as [x, y, w, h] with its landmarks, in input pixels.
type FaceBox struct {
	Box       [4]int   `json:"box"`
	Landmarks [][2]int `json:"landmarks"`
}

// Match is the outcome of a portrait comparison.
type Match struct {
	// Score is the calibrated 0-100 score; below 80 blocks.
	Score float64 `json:"score"`
	// Distance is the embedder's raw distance.
	Distance float64 `json:"distance"`
	// Embedder names the model that produced the descriptors.
	Embedder string `json:"embedder"`
	// AdmissionSHA256 identifies the admission photo compared against.
	AdmissionSHA256 string `json:"admission_sha256"`
	// PassScore is the school's line the score was judged by, and Passed
	// whether the score reached it.
	PassScore float64 `json:"pass_score"`
	Passed    bool    `json:"passed"`
	// CTID is the identity check, when the document goes to CTID and the
	// portrait passed.
	CTID *CTIDCheck `json:"ctid,omitempty"`
}

// CTIDCheck is the identity check (人证比对) of a capture.
type CTIDCheck struct {
	Outcome        string    `json:"outcome"`
	TextResult     string    `json:"text_result,omitempty"`
	PortraitResult string    `json:"portrait_result,omitempty"`
	Similarity     float64   `json:"similarity,omitempty"`
	Serial         string    `json:"serial,omitempty"`
	CheckedAt      time.Time `json:"checked_at"`
}

// Stage is the timing of one processing stage.
type Stage struct {
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	DurationMS float64   `json:"duration_ms"`
}

// The stage names.
const (
	StageStandardize = "standardize"
	StageMatch       = "match"
)

// SetStage records that stage ran from start to end.
func (r *Record) SetStage(name string, start, end time.Time) {
	if r.Stages == nil {
		r.Stages = map[string]Stage{}
	}
	r.Stages[name] = Stage{StartedAt: start.UTC(), FinishedAt: end.UTC(), DurationMS: float64(end.Sub(start).Microseconds()) / 1000}
}

// AdmissionPhoto is the reference to a student's admission photo on file.
type AdmissionPhoto struct {
	// Key is the photo's storage key.
	Key string `json:"key"`
	// SHA256 is the hex digest of the photo's bytes; it identifies the
	// version, so a cached embedding of another version is never used.
	SHA256 string `json:"sha256"`
	// Format is the sniffed image format.
	Format    string    `json:"format"`
	Bytes     int       `json:"bytes"`
	UpdatedAt time.Time `json:"updated_at"`
}

// HasStandardized reports whether a standardized photo was stored.
func (r *Record) HasStandardized() bool {
	_, ok := r.Stages[StageStandardize]
	return ok && r.State != Rejected && r.State != Queued
}

// Reprocess is one batch reprocessing of a capture.
type Reprocess struct {
	At    time.Time `json:"at"`
	Batch string    `json:"batch"`
	// Stage is "match" (re-scored) or "standardize" (re-standardized).
	Stage string `json:"stage"`
	// Outcome is "changed", "unchanged" or "failed".
	Outcome string `json:"outcome"`
	// Score is the new portrait score of a re-score, beside the one the
	// decision was made on (OldScore).
	Score    float64 `json:"score,omitempty"`
	OldScore float64 `json:"old_score,omitempty"`
	Embedder string  `json:"embedder,omitempty"`
	// Detail says what changed or why not.
	Detail string `json:"detail,omitempty"`
}

// The outcomes of a reprocessing.
const (
	OutcomeChanged   = "changed"
	OutcomeUnchanged = "unchanged"
	OutcomeFailed    = "failed"
)

// FlagRescoredBelowPass is the review flag of a capture waiting for review
// that a batch re-score put below the pass line.
const FlagRescoredBelowPass = "rescored_below_pass"

// Normalize gives a record's lists non-nil values, so that its JSON
// is the same before and after a round trip.
func (r *Record) Normalize() {
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	if r.Stages == nil {
		r.Stages = map[string]Stage{}
	}
	if r.History == nil {
		r.History = []Event{}
	}
}
