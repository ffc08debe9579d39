package intake

import (
	"errors"
	"net/http"

	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
)

// confirmRequest is the student's confirmation of a standardized capture.
type confirmRequest struct {
	// AdmissionPhoto is the student's answer about the admission photo on
	// file: "mine", "wrong" or "missing".
	AdmissionPhoto capture.Answer `json:"admission_photo"`
}

// postConfirm records the student's confirmation (steps 12-13): "mine"
// starts the comparison; "wrong" or "missing" sends the capture to the
// records office without one.
func (a *API) postConfirm(w http.ResponseWriter, r *http.Request) {
	rec, ok := a.lookupCapture(w, r)
	if !ok || !mayAct(w, r, rec.School) {
		return
	}
	var req confirmRequest
	if err := decodeJSON(w, r, &req); err != nil {
		fail(w, r, err)
		return
	}
	if req.AdmissionPhoto == "" {
		fail(w, r, fieldError("missing_field", "admission_photo", `admission_photo is required: "mine", "wrong" or "missing"`))
		return
	}
	saved, err := a.deps.Lifecycle.Confirm(r.Context(), rec.ID, req.AdmissionPhoto, capture.ActorUpstream)
	if !a.committed(w, r, saved != nil, err) {
		return
	}
	writeJSON(w, http.StatusOK, a.viewOf(saved))
}

// committed handles the outcome of a lifecycle change: an error before the
// commit is written as the response (false); a commit whose durable copy or
// follow-ups are still pending is logged, since the outbox completes it,
// and answered as the success it is.
func (a *API) committed(w http.ResponseWriter, r *http.Request, saved bool, err error) bool {
	if err == nil {
		return true
	}
	if !saved || !errors.Is(err, capture.ErrNotSynced) {
		fail(w, r, err)
		return false
	}
	zerolog.Ctx(r.Context()).Warn().Err(err).Msg("change saved; its durable copy or follow-ups are pending in the outbox")
	return true
}

// getStudent reports where a student stands: what the upstream's mini
// program shows.
func (a *API) getStudent(w http.ResponseWriter, r *http.Request) {
	school, student, ok := studentPath(w, r)
	if !ok || !mayRead(w, r, school) {
		return
	}
	s, err := a.deps.Lifecycle.Summary(r.Context(), school, student)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

// studentPath reads and checks the {school} and {student} path values.
func studentPath(w http.ResponseWriter, r *http.Request) (string, string, bool) {
	school, student := r.PathValue("school"), r.PathValue("student")
	if !capture.ValidID(school) || !capture.ValidID(student) {
		fail(w, r, newError(http.StatusNotFound, "not_found", "no such school or student"))
		return "", "", false
	}
	return school, student, true
}
