package intake

import (
	"errors"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/reprocess"
)

// reprocessRequest is the body of POST /v1/schools/{school}/reprocess.
type reprocessRequest struct {
	Cohort string          `json:"cohort"`
	States []capture.State `json:"states"`
	Stage  string          `json:"stage"`
	Since  *time.Time      `json:"since"`
	DryRun bool            `json:"dry_run"`
	New    bool            `json:"new"`
}

func (a *API) batches() *reprocess.Service {
	return &reprocess.Service{Repo: a.deps.Lifecycle.Store(), Redis: a.deps.Redis, Queue: a.queue, Now: a.deps.Now}
}

// postReprocess starts (or continues) a batch over a school's captures
// (admins): 202 with its status, or 200 with the counts of a dry run.
func (a *API) postReprocess(w http.ResponseWriter, r *http.Request) {
	school := r.PathValue("school")
	if !capture.ValidID(school) {
		fail(w, r, newError(http.StatusNotFound, "not_found", "no such school"))
		return
	}
	p := principalOf(r)
	if !p.Is(RoleAdmin) {
		fail(w, r, forbidden(p.Name+" may not reprocess (needs role admin)"))
		return
	}
	var req reprocessRequest
	if err := decodeJSON(w, r, &req); err != nil {
		fail(w, r, err)
		return
	}
	params := reprocess.Params{School: school, Cohort: req.Cohort, States: req.States, Stage: req.Stage, New: req.New}
	if req.Since != nil {
		params.Since = *req.Since
	}
	var inv *reprocess.InvalidError
	if err := params.Normalize(); errors.As(err, &inv) {
		fail(w, r, fieldError("invalid_field", inv.Field, inv.Message))
		return
	}
	svc := a.batches()
	if req.DryRun {
		ids, byState, err := svc.Select(r.Context(), params)
		if err != nil {
			fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"dry_run": true, "batch": params.ID(), "matching": len(ids), "by_state": byState})
		return
	}
	st, enqueued, err := svc.Start(r.Context(), params, "admin:"+p.Name)
	if err != nil {
		fail(w, r, err)
		return
	}
	zerolog.Ctx(r.Context()).Info().Str("batch", st.ID).Str("school", school).Str("stage", params.Stage).
		Int("total", st.Total).Int("enqueued", enqueued).Msg("batch started")
	w.Header().Set("Location", "/v1/batches/"+st.ID)
	writeJSON(w, http.StatusAccepted, map[string]any{"batch": st, "enqueued": enqueued})
}

// getBatch reports a batch's progress (admins).
func (a *API) getBatch(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	if !p.Is(RoleAdmin) {
		fail(w, r, forbidden(p.Name+" may not read batches (needs role admin)"))
		return
	}
	st, err := a.batches().Status(r.Context(), r.PathValue("id"))
	if errors.Is(err, reprocess.ErrNoBatch) {
		fail(w, r, newError(http.StatusNotFound, "not_found", "no such batch"))
		return
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
