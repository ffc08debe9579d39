package intake

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/recheck/recheck/export"
)

// startOnWrite sends the download's headers with its first byte, so that
// an export that finds nothing can still answer 404.
type startOnWrite struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (s *startOnWrite) Write(p []byte) (int, error) {
	if !s.started {
		s.started = true
		h := s.w.Header()
		h.Set("Content-Type", "application/zip")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, s.name))
		h.Set("Cache-Control", "no-store")
		s.w.WriteHeader(http.StatusOK)
	}
	return s.w.Write(p)
}

// getExport streams the zip of a school's approved photos for CHSI
// (admins and the school's records office); ?cohort= narrows it.
func (a *API) getExport(w http.ResponseWriter, r *http.Request) {
	school, ok := schoolPath(w, r, RoleRecordsOffice)
	if !ok {
		return
	}
	cohort := r.URL.Query().Get("cohort")
	if len(cohort) > 64 {
		fail(w, r, newError(http.StatusBadRequest, "invalid_cohort", "cohort must be at most 64 characters"))
		return
	}
	p := principalOf(r)
	rc := http.NewResponseController(w)
	out := &startOnWrite{w: w, name: school + "-chsi-photos.zip"}
	ex := &export.Exporter{Repo: a.deps.Lifecycle.Store(), Store: a.deps.Store, Now: a.deps.Now}
	start := time.Now()
	sum, err := ex.Write(r.Context(), export.Options{
		School: school, Cohort: cohort, User: p.Role + ":" + p.Name,
		// A long export keeps its connection: each photo extends the
		// write deadline.
		Progress: func(done, total int) {
			if a.cfg.WriteTimeout > 0 {
				_ = rc.SetWriteDeadline(time.Now().Add(a.cfg.WriteTimeout))
			}
		},
	}, out)
	l := zerolog.Ctx(r.Context())
	switch {
	case errors.Is(err, export.ErrNothing):
		fail(w, r, newError(http.StatusNotFound, "nothing_to_export", "no approved capture to export for this school"+map[bool]string{true: " and cohort", false: ""}[cohort != ""]))
	case err != nil && !out.started:
		fail(w, r, err)
	case err != nil:
		// Headers are gone: cut the connection, so the client sees a broken
		// download rather than a short zip.
		l.Error().Err(err).Str("school", school).Msg("export broken off")
		panic(http.ErrAbortHandler)
	default:
		l.Info().Bool("audit", true).Str("school", school).Str("cohort", cohort).Str("user", p.Name).Int("photos", sum.Photos).Int("skipped", sum.Skipped).
			Float64("duration_ms", float64(time.Since(start).Microseconds())/1000).Msg("export")
	}
}
