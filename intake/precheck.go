package intake

import (
	"context"
	"fmt"
	"net/http"
	"runtime"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/texts"
)

// QualityChecker runs a capture's quality checks on a photo and keeps
// nothing: the same checks, on the same bytes, as the capture's own
// standardization, so that the free check and the counted one never
// disagree. vision.Standardizer is one.
type QualityChecker interface {
	CheckQuality(ctx context.Context, school string, photo []byte) (capture.QualityVerdict, error)
}

// precheckView is the answer of a precheck.
type precheckView struct {
	School    string `json:"school"`
	StudentID string `json:"student_id"`
	// WouldStandardize is true when the photo passed every quality check:
	// confirming it (a capture) would make a standardization.
	WouldStandardize bool `json:"would_standardize"`
	// MessageZH says what the student should do next.
	MessageZH string `json:"message_zh"`
	// Findings are the failed checks, each with its Chinese message.
	Findings []capture.Finding `json:"findings"`
	// ReviewFlags are what a reviewer would look at; they never refuse a
	// photo.
	ReviewFlags []capture.Finding  `json:"review_flags"`
	Measures    map[string]float64 `json:"measures,omitempty"`
	Input       *capture.PhotoInfo `json:"input,omitempty"`
	// Counted is always false: a precheck is free.
	Counted bool `json:"counted"`
	// Standardizations is the student's day: how many standardizations
	// are used and when the next is allowed.
	Standardizations capture.Quota `json:"standardizations"`
	// Submission says whether a capture would be accepted now, and if
	// not, why (the same refusal POST /v1/captures would give).
	Submission submissionView `json:"submission"`
}

// submissionView says whether the student may submit a capture now.
type submissionView struct {
	Allowed   bool   `json:"allowed"`
	Code      string `json:"code,omitempty"`
	MessageZH string `json:"message_zh,omitempty"`
	RetryAt   string `json:"retry_at,omitempty"`
}

// PrecheckSlots is how many prechecks run at once for the setting n
// (RECHECK_PRECHECK_SLOTS): n, or two per CPU when n is 0. The checks are
// CPU work, so more slots than CPUs only share them; two per CPU let a
// burst of students be answered (four at once on two cores, each in about
// twice the time of one alone) rather than turned away.
func PrecheckSlots(n int) int {
	if n > 0 {
		return n
	}
	return 2 * runtime.NumCPU()
}

// postPrecheck runs the capture's quality checks on a photo, synchronously,
// for free (step 11): nothing is stored, nothing charged, no task made.
// The photo is read as a capture's is (format sniffed, limits, metadata
// stripped) and checked by the same standardization, so the verdict is
// the one a capture of the same bytes would get. Over capacity (the
// upload gate's bytes, or every precheck slot busy) it answers 503 with
// Retry-After at once: a precheck never waits in a queue.
func (a *API) postPrecheck(w http.ResponseWriter, r *http.Request) {
	school, student, ok := studentPath(w, r)
	if !ok || !mayAct(w, r, school) {
		return
	}
	if a.deps.Quality == nil {
		fail(w, r, newError(http.StatusServiceUnavailable, "unavailable", "this process has no quality checker"))
		return
	}
	select {
	case a.prechecks <- struct{}{}:
		defer func() { <-a.prechecks }()
	default:
		w.Header().Set("Retry-After", "1")
		fail(w, r, newError(http.StatusServiceUnavailable, "busy", "every precheck slot is busy; retry in a second"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, a.deps.Limits.MaxBytes+64<<10)
	_, photo, err := readMultipart(r, a.deps.Limits.MaxBytes, nil)
	if err != nil {
		fail(w, r, err)
		return
	}
	if err := verifyBody(r); err != nil {
		fail(w, r, err)
		return
	}
	if photo == nil {
		fail(w, r, fieldError("missing_field", "photo", "the photo part is required"))
		return
	}
	info, err := probePhoto(photo, a.deps.Limits)
	if err != nil {
		fail(w, r, err)
		return
	}
	if photo, err = stripPhoto(photo, info); err != nil {
		fail(w, r, err)
		return
	}
	ctx := r.Context()
	v, err := a.deps.Quality.CheckQuality(ctx, school, photo)
	if err != nil {
		fail(w, r, err)
		return
	}
	lc := a.deps.Lifecycle
	sum, err := lc.Summary(ctx, school, student)
	if err != nil {
		fail(w, r, err)
		return
	}
	out := precheckView{
		School: school, StudentID: student, WouldStandardize: v.Passed, Findings: v.Findings, ReviewFlags: v.Review,
		Measures: v.Measures, Input: v.Input, Standardizations: sum.Standardizations, Submission: submissionView{Allowed: true},
	}
	if out.Findings == nil {
		out.Findings = []capture.Finding{}
	}
	if out.ReviewFlags == nil {
		out.ReviewFlags = []capture.Finding{}
	}
	out.MessageZH = texts.PrecheckFailed
	if v.Passed {
		out.MessageZH = fmt.Sprintf(texts.PrecheckPassed, lc.Rules(school).DailyStandardizations)
	}
	if err := lc.Admit(ctx, school, student, nil); err != nil {
		ae, ok := fromDomain(err)
		if !ok {
			fail(w, r, err)
			return
		}
		out.Submission = submissionView{Code: ae.Code, MessageZH: ae.MessageZH, RetryAt: ae.RetryAt}
	}
	writeJSON(w, http.StatusOK, out)
}
