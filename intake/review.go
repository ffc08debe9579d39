package intake

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
)

// reviewItem is a capture waiting for (or past) review, with what a
// reviewer looks at.
type reviewItem struct {
	CaptureID   string                  `json:"capture_id"`
	StudentID   string                  `json:"student_id"`
	Cohort      string                  `json:"cohort"`
	DocType     string                  `json:"document_type"`
	CreatedAt   string                  `json:"created_at"`
	EnteredAt   string                  `json:"entered_at"`
	Score       float64                 `json:"score"`
	PassScore   float64                 `json:"pass_score"`
	CTID        *capture.CTIDCheck      `json:"ctid"`
	Measures    map[string]float64      `json:"measures"`
	ReviewFlags []capture.Finding       `json:"review_flags"`
	Free        bool                    `json:"free_resubmission"`
	Decision    *capture.ReviewDecision `json:"decision,omitempty"`
	Photos      map[string]string       `json:"photos"`
}

// listPage is a page of a list, oldest first, with the cursor of the next.
type listPage[T any] struct {
	School     string `json:"school"`
	State      string `json:"state,omitempty"`
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// reviewStates maps the review list's states to the captures' states.
var reviewStates = map[string]capture.State{
	"pending": capture.PendingReview, "approved": capture.Approved, "rejected": capture.ReviewRejected,
}

// pageParams reads ?cursor= and ?limit= (1-200, default 50).
func pageParams(r *http.Request) (string, int, error) {
	limit := 50
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			return "", 0, fieldError("invalid_field", "limit", "limit must be 1-200")
		}
		limit = n
	}
	return r.URL.Query().Get("cursor"), limit, nil
}

// getReviews lists a school's captures in a review state (pending by
// default), in the order they entered it.
func (a *API) getReviews(w http.ResponseWriter, r *http.Request) {
	school, ok := schoolPath(w, r, RoleReviewer)
	if !ok {
		return
	}
	name := r.URL.Query().Get("state")
	if name == "" {
		name = "pending"
	}
	state, ok := reviewStates[name]
	if !ok {
		fail(w, r, fieldError("invalid_field", "state", "state must be pending, approved or rejected"))
		return
	}
	cursor, limit, err := pageParams(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	recs, next, err := a.listState(r.Context(), school, state, cursor, limit)
	if err != nil {
		fail(w, r, err)
		return
	}
	page := listPage[reviewItem]{School: school, State: name, Items: []reviewItem{}, NextCursor: next}
	for _, rec := range recs {
		page.Items = append(page.Items, a.reviewItemOf(r.Context(), rec))
	}
	writeJSON(w, http.StatusOK, page)
}

// reviewItemOf is a capture as the review lists show it, flagged when its
// document number was registered at another school too.
func (a *API) reviewItemOf(ctx context.Context, rec *capture.Record) reviewItem {
	it := reviewItemOfRecord(rec)
	if h := rec.Document.NumberHMAC; h != "" {
		schools, err := a.deps.Lifecycle.Store().DocumentSchools(ctx, h)
		if err != nil {
			zerolog.Ctx(ctx).Warn().Err(err).Str("capture_id", rec.ID).Msg("the document's other schools are unknown")
		}
		if slices.ContainsFunc(schools, func(s string) bool { return s != rec.School }) {
			it.ReviewFlags = append(it.ReviewFlags, capture.Finding{Code: capture.FlagDocumentElsewhere, MessageZH: capture.ReviewFlagText(capture.FlagDocumentElsewhere)})
		}
	}
	return it
}

func reviewItemOfRecord(rec *capture.Record) reviewItem {
	it := reviewItem{
		CaptureID: rec.ID, StudentID: rec.StudentID, Cohort: rec.Cohort, DocType: rec.Document.Type,
		CreatedAt: formatTime(rec.CreatedAt), EnteredAt: formatTime(rec.Last().At),
		Measures: rec.Measures, ReviewFlags: rec.Review, Free: rec.FreeResubmission, Decision: rec.Decision,
		Photos: map[string]string{
			"original":     photoPath(rec.ID, "original"),
			"standardized": photoPath(rec.ID, "standardized"),
			"admission":    "/v1/schools/" + rec.School + "/students/" + rec.StudentID + "/admission-photo",
		},
	}
	if rec.Match != nil {
		it.Score, it.PassScore, it.CTID = rec.Match.Score, rec.Match.PassScore, rec.Match.CTID
		if rec.Match.AdmissionSHA256 != "" {
			// The photo the score is about (the one on file is "admission").
			it.Photos["admission_compared"] = photoPath(rec.ID, "admission")
		}
	}
	if it.ReviewFlags == nil {
		it.ReviewFlags = []capture.Finding{}
	}
	return it
}

// reviewRequest is a reviewer's verdict.
type reviewRequest struct {
	// Decision is "approve" or "reject"; Reason is required to reject and
	// is shown to the student.
	Decision capture.Decision `json:"decision"`
	Reason   string           `json:"reason"`
}

// postReview records a reviewer's verdict on a capture waiting for review.
func (a *API) postReview(w http.ResponseWriter, r *http.Request) {
	rec, ok := a.lookupCapture(w, r)
	if !ok || !mayWork(w, r, rec.School, RoleReviewer) {
		return
	}
	var req reviewRequest
	if err := decodeJSON(w, r, &req); err != nil {
		fail(w, r, err)
		return
	}
	if req.Decision == "" {
		fail(w, r, fieldError("missing_field", "decision", `decision is required: "approve" or "reject"`))
		return
	}
	saved, err := a.deps.Lifecycle.Review(r.Context(), rec.ID, req.Decision, req.Reason, principalOf(r).Name)
	if !a.committed(w, r, saved != nil, err) {
		return
	}
	writeJSON(w, http.StatusOK, a.viewOf(saved))
}

// caseItem is an open records-office case.
type caseItem struct {
	StudentID        string        `json:"student_id"`
	Case             *capture.Case `json:"case"`
	FailedAttempts   int           `json:"failed_attempts"`
	ReviewRejections int           `json:"review_rejections"`
	LatestCapture    string        `json:"latest_capture"`
}

// getEscalations lists a school's open records-office cases, oldest first.
func (a *API) getEscalations(w http.ResponseWriter, r *http.Request) {
	school, ok := schoolPath(w, r, RoleRecordsOffice)
	if !ok {
		return
	}
	cursor, limit, err := pageParams(r)
	if err != nil {
		fail(w, r, err)
		return
	}
	items, next, err := a.openCases(r.Context(), school, cursor, limit)
	if err != nil {
		fail(w, r, err)
		return
	}
	page := listPage[caseItem]{School: school, Items: items, NextCursor: next}
	writeJSON(w, http.StatusOK, page)
}

// resolveRequest closes a case.
type resolveRequest struct {
	// Note says what the records office did; required.
	Note string `json:"note"`
}

// postResolve closes a student's open case with the records office and
// answers with the student's summary.
func (a *API) postResolve(w http.ResponseWriter, r *http.Request) {
	school, student, ok := studentPath(w, r)
	if !ok || !mayWork(w, r, school, RoleRecordsOffice) {
		return
	}
	var req resolveRequest
	if err := decodeJSON(w, r, &req); err != nil {
		fail(w, r, err)
		return
	}
	j, err := a.deps.Lifecycle.Resolve(r.Context(), school, student, req.Note, capture.RecordsOffice(principalOf(r).Name))
	if !a.committed(w, r, j != nil, err) {
		return
	}
	s, err := a.deps.Lifecycle.Summary(r.Context(), school, student)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

// schoolPath is the {school} of a request's path for a user with one of
// roles for that school; it answers 404 or 403 itself and says ok when
// the handler may go on.
func schoolPath(w http.ResponseWriter, r *http.Request, roles ...string) (string, bool) {
	school := r.PathValue("school")
	return school, maySchool(w, r, school, roles...)
}

// maySchool is mayWork for a school code that came from the request: 404
// for one that cannot be a school's.
func maySchool(w http.ResponseWriter, r *http.Request, school string, roles ...string) bool {
	if !capture.ValidID(school) {
		fail(w, r, newError(http.StatusNotFound, "not_found", "no such school"))
		return false
	}
	return mayWork(w, r, school, roles...)
}

// listState reads up to limit of a school's captures in a state after the
// cursor, in the order they entered it (the review list, JSON or page).
func (a *API) listState(ctx context.Context, school string, state capture.State, cursor string, limit int) ([]*capture.Record, string, error) {
	repo := a.deps.Lifecycle.Store()
	ids, next, err := repo.ListState(ctx, school, state, cursor, limit)
	if err != nil {
		return nil, "", err
	}
	recs := make([]*capture.Record, 0, len(ids))
	for _, id := range ids {
		rec, err := repo.Get(ctx, id)
		if errors.Is(err, capture.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		recs = append(recs, rec)
	}
	return recs, next, nil
}

// openCases reads up to limit of a school's open records-office cases
// after the cursor, oldest first (the escalations list, JSON or page).
func (a *API) openCases(ctx context.Context, school, cursor string, limit int) ([]caseItem, string, error) {
	repo := a.deps.Lifecycle.Store()
	students, next, err := repo.OpenCases(ctx, school, cursor, limit)
	if err != nil {
		return nil, "", err
	}
	items := []caseItem{}
	for _, s := range students {
		j, err := repo.Journey(ctx, school, s)
		if err != nil {
			return nil, "", err
		}
		if j.Case == nil {
			continue
		}
		items = append(items, caseItem{StudentID: s, Case: j.Case, FailedAttempts: len(j.Failed),
			ReviewRejections: len(j.Rejections), LatestCapture: j.Latest})
	}
	return items, next, nil
}
