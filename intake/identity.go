package intake

import (
	"errors"
	"net/http"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/identity"
)

// identityRequest is the records office's correction of a student's
// identity document.
type identityRequest struct {
	DocumentType   string `json:"document_type"`
	DocumentNumber string `json:"document_number"`
	Reason         string `json:"reason"`
}

// postIdentity corrects the identity document a student's journey is fixed
// to (the first capture fixes it; later captures must carry the same type
// and number): a records office action, with its reason, recorded on the
// journey. The number is checked for its type as a capture's is, a
// mainland resident ID number under another type included. It answers
// with the student's summary.
func (a *API) postIdentity(w http.ResponseWriter, r *http.Request) {
	school, student, ok := studentPath(w, r)
	if !ok || !mayWork(w, r, school, RoleRecordsOffice) {
		return
	}
	var req identityRequest
	if err := decodeJSON(w, r, &req); err != nil {
		fail(w, r, err)
		return
	}
	for field, v := range map[string]string{"document_type": req.DocumentType, "document_number": req.DocumentNumber, "reason": req.Reason} {
		if trimmed(v) == "" {
			fail(w, r, fieldError("missing_field", field, field+" is required"))
			return
		}
	}
	var ie *identity.Error
	dt, err := identity.ParseDocumentType(trimmed(req.DocumentType))
	if errors.As(err, &ie) {
		fail(w, r, fromIdentity(ie, "document_type"))
		return
	}
	number, err := identity.Validate(dt, req.DocumentNumber, a.deps.Now())
	if errors.As(err, &ie) {
		fail(w, r, fromIdentity(ie, "document_number"))
		return
	}
	lc := a.deps.Lifecycle
	j, err := lc.CorrectIdentity(r.Context(), school, student, capture.Document{Type: string(dt), Number: number},
		capture.RecordsOffice(principalOf(r).Name), req.Reason)
	if !a.committed(w, r, j != nil, err) {
		return
	}
	s, err := lc.Summary(r.Context(), school, student)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}
