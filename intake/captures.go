package intake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/imaging"
)

// postCapture accepts a capture: multipart photo and metadata. The request,
// the photo's header and the student's journey (an open escalation, the
// current capture still in flight, a changed identity document, the day's
// quota) are checked before anything is stored; then the original is
// stored and the lifecycle creates the record as the journey's current
// capture, atomically with the same checks, and the answer is 202 with the
// capture. The standardization is charged when it is made, not here.
// With an Idempotency-Key, a repeated request returns the same capture; a
// key belongs to the upstream key that sent it and the capture's school,
// so one key's requests never meet another's.
func (a *API) postCapture(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	key := r.Header.Get("Idempotency-Key")
	if key != "" && !validIdempotencyKey(key) {
		fail(w, r, newError(http.StatusBadRequest, "idempotency_key_invalid", "Idempotency-Key must be 1-255 printable ASCII characters"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, a.deps.Limits.MaxBytes+64<<10)
	fields, photo, err := readCaptureForm(r, a.deps.Limits.MaxBytes)
	if err != nil {
		fail(w, r, err)
		return
	}
	if err := verifyBody(r); err != nil {
		fail(w, r, err)
		return
	}
	form, err := validateCapture(fields, photo, a.deps.Now())
	if err != nil {
		fail(w, r, err)
		return
	}
	if !mayAct(w, r, form.School) {
		return
	}
	info, err := probePhoto(form.Photo, a.deps.Limits)
	if err != nil {
		fail(w, r, err)
		return
	}
	if form.Photo, err = stripPhoto(form.Photo, info); err != nil {
		fail(w, r, err)
		return
	}

	id := newID()
	var claimed idemClaim
	if key != "" {
		key = idemScope(principalOf(r).Name, form.School, key)
		claimed = idemClaim{CaptureID: id, Fingerprint: fingerprint(form)}
		existing, won, err := a.claim(ctx, key, claimed)
		if err != nil {
			fail(w, r, err)
			return
		}
		if !won {
			a.replay(w, r, existing, claimed.Fingerprint)
			return
		}
	}
	rec, err := a.createCapture(ctx, id, form, info, key, claimed)
	if err != nil {
		var re *capture.RefusedError
		if errors.As(err, &re) && !re.RetryAt.IsZero() {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(re.RetryAt.Sub(a.deps.Now()).Seconds()+0.5))))
		}
		fail(w, r, err)
		return
	}
	if key != "" {
		if err := a.confirm(ctx, key); err != nil {
			zerolog.Ctx(ctx).Warn().Err(err).Str("capture_id", id).Msg("could not extend the idempotency key")
		}
	}
	noteCapture(ctx, rec.ID)
	w.Header().Set("Location", capturePath(rec.ID))
	writeJSON(w, http.StatusAccepted, a.viewOf(rec))
}

// createCapture asks the journey whether the student may submit, stores
// the original and has the lifecycle create the record, charge the quota
// and dispatch standardization. A refusal stores nothing; a failure undoes
// what it stored and frees the Idempotency-Key claim (see abandon).
func (a *API) createCapture(ctx context.Context, id string, f *captureForm, info imaging.Info, key string, c idemClaim) (*capture.Record, error) {
	lc := a.deps.Lifecycle
	doc := capture.Document{Type: string(f.DocType), Number: f.DocNumber, Name: f.Name}
	if err := lc.Admit(ctx, f.School, f.StudentID, &doc); err != nil {
		a.release(context.WithoutCancel(ctx), key, c)
		return nil, err
	}
	rec := &capture.Record{
		ID: id, School: f.School, Cohort: f.Cohort, StudentID: f.StudentID, OpenID: f.OpenID,
		Document: doc,
		Findings: []capture.Finding{}, Stages: map[string]capture.Stage{},
		Input: &capture.PhotoInfo{Format: string(info.Format), Width: info.Width, Height: info.Height, Bytes: len(f.Photo)},
	}
	if err := a.deps.Store.Put(ctx, capture.OriginalKey(rec.School, rec.ID), f.Photo); err != nil {
		a.release(context.WithoutCancel(ctx), key, c)
		return nil, fmt.Errorf("intake: store original: %w", err)
	}
	saved, err := lc.Submit(ctx, rec)
	if saved == nil {
		var refused *capture.RefusedError
		a.abandon(context.WithoutCancel(ctx), rec, key, c, errors.As(err, &refused))
		return nil, err
	}
	if err != nil {
		// Committed: the outbox completes the durable copy and the task.
		zerolog.Ctx(ctx).Warn().Err(err).Str("capture_id", id).Msg("capture saved; its follow-ups are pending in the outbox")
	}
	return saved, nil
}

// abandon undoes a submission whose record was not created, though its
// original was stored: it deletes the original and frees the claim. A
// refusal is certain to have written nothing; any other failure may have
// come with the commit done and its answer lost (Redis stopping as it
// replied), so the record is looked up first. Found, the submission stands:
// the original is kept (the outbox completes its follow-ups) and the claim
// kept for the idempotency TTL, so the upstream's retry with the same key
// replays the capture instead of creating a second one. While Redis does
// not answer, abandon goes on in the background (see settle).
func (a *API) abandon(ctx context.Context, rec *capture.Record, key string, c idemClaim, refused bool) {
	a.settle(ctx, rec.ID, func(ctx context.Context) error {
		if !refused {
			_, err := a.deps.Lifecycle.Store().Get(ctx, rec.ID)
			if err == nil {
				zerolog.Ctx(ctx).Warn().Str("capture_id", rec.ID).Msg("the capture was created though its answer was lost: kept for the upstream's retry")
				if key == "" {
					return nil
				}
				return a.confirm(ctx, key)
			}
			if !errors.Is(err, capture.ErrNotFound) {
				return err
			}
		}
		if err := a.deps.Store.Delete(ctx, capture.OriginalKey(rec.School, rec.ID)); err != nil {
			return err
		}
		return a.unclaim(ctx, key, c)
	})
}

// replay answers a repeated Idempotency-Key: the same capture when the
// request is the same, a conflict when it is not. The capture's follow-ups
// are completed again (a no-op unless a task was lost).
func (a *API) replay(w http.ResponseWriter, r *http.Request, c idemClaim, fp string) {
	if c.Fingerprint != fp {
		fail(w, r, errKeyReused)
		return
	}
	rec, err := a.deps.Lifecycle.Store().Get(r.Context(), c.CaptureID)
	if errors.Is(err, capture.ErrNotFound) {
		e := newError(http.StatusConflict, "request_in_progress", "a request with this Idempotency-Key is still being processed")
		w.Header().Set("Retry-After", "2")
		fail(w, r, e)
		return
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	if err := a.deps.Lifecycle.Complete(r.Context(), rec.ID); err != nil {
		zerolog.Ctx(r.Context()).Warn().Err(err).Str("capture_id", rec.ID).Msg("replay: follow-ups still pending")
	}
	noteCapture(r.Context(), rec.ID)
	w.Header().Set("Location", capturePath(rec.ID))
	w.Header().Set("Idempotent-Replayed", "true")
	writeJSON(w, http.StatusAccepted, a.viewOf(rec))
}

// getCapture reports a capture's state, history, timings, findings, score
// and photo links.
func (a *API) getCapture(w http.ResponseWriter, r *http.Request) {
	rec, ok := a.lookupCapture(w, r)
	if !ok || !mayRead(w, r, rec.School) {
		return
	}
	writeJSON(w, http.StatusOK, a.viewOf(rec))
}

// getCapturePhoto serves a capture's original or standardized photo, or the
// admission photo it was compared with.
func (a *API) getCapturePhoto(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if name != "original" && name != "standardized" && name != "admission" {
		fail(w, r, newError(http.StatusNotFound, "not_found", "no such photo; use original, standardized or admission"))
		return
	}
	rec, ok := a.lookupCapture(w, r)
	if !ok || !mayRead(w, r, rec.School) {
		return
	}
	key := capture.OriginalKey(rec.School, rec.ID)
	switch name {
	case "standardized":
		if !rec.HasStandardized() {
			fail(w, r, newError(http.StatusNotFound, "not_found", "capture "+rec.ID+" has no standardized photo"))
			return
		}
		key = capture.StandardizedKey(rec.School, rec.ID)
	case "admission":
		// The admission photo the capture was compared with, by its
		// SHA-256: it stays what the score was about after a replacement.
		if rec.Match == nil || rec.Match.AdmissionSHA256 == "" {
			fail(w, r, newError(http.StatusNotFound, "not_found", "capture "+rec.ID+" was not compared with an admission photo"))
			return
		}
		key = capture.AdmissionKey(rec.School, rec.StudentID, rec.Match.AdmissionSHA256)
	}
	a.servePhoto(w, r, key)
}

// lookupCapture fetches the capture named by the {id} path value, writing
// the error response and returning false when there is none, or when the
// caller may not read the capture's school: both are 404, so that a
// capture ID of another school tells nothing, not even that it exists.
func (a *API) lookupCapture(w http.ResponseWriter, r *http.Request) (*capture.Record, bool) {
	id := r.PathValue("id")
	if !capture.ValidID(id) {
		fail(w, r, newError(http.StatusNotFound, "not_found", "no capture "+truncate(id, 64)))
		return nil, false
	}
	rec, err := a.deps.Lifecycle.Store().Get(r.Context(), id)
	if err == nil && !canRead(principalOf(r), rec.School) {
		err = capture.ErrNotFound
	}
	if errors.Is(err, capture.ErrNotFound) {
		fail(w, r, newError(http.StatusNotFound, "not_found", "no capture "+id))
		return nil, false
	}
	if err != nil {
		fail(w, r, err)
		return nil, false
	}
	noteCapture(r.Context(), id)
	return rec, true
}
