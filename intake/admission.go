package intake

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/storage"
)

// admissionView is the answer to an admission photo upload.
type admissionView struct {
	School    string `json:"school"`
	StudentID string `json:"student_id"`
	SHA256    string `json:"sha256"`
	Format    string `json:"format"`
	Bytes     int    `json:"bytes"`
	UpdatedAt string `json:"updated_at"`
	// Resumed counts the captures that waited for the photo and resumed:
	// on hold, back to the comparison; disputed, back to the student's
	// confirmation.
	Resumed int `json:"resumed"`
}

// putAdmissionPhoto stores a student's admission photo (the raw image as the
// body). Captures that waited for it resume; a capture already decided is
// never changed.
func (a *API) putAdmissionPhoto(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	school, student := r.PathValue("school"), r.PathValue("student")
	if !capture.ValidID(school) || !capture.ValidID(student) {
		fail(w, r, fieldError("invalid_field", "school", "school and student must be 1-64 letters, digits, '_', '.' or '-'"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.deps.Limits.MaxBytes))
	if err != nil {
		fail(w, r, bodyError(err))
		return
	}
	info, err := probePhoto(body, a.deps.Limits)
	if err != nil {
		fail(w, r, err)
		return
	}
	sum := sha256.Sum256(body)
	sha := hex.EncodeToString(sum[:])
	lc := a.deps.Lifecycle
	ref := capture.AdmissionPhoto{
		Key: capture.AdmissionKey(school, student, sha), SHA256: sha,
		Format: string(info.Format), Bytes: len(body), UpdatedAt: a.deps.Now().UTC(),
	}
	prev, err := lc.Repo().AdmissionPhoto(ctx, school, student)
	if err != nil && !errors.Is(err, capture.ErrNotFound) {
		fail(w, r, err)
		return
	}
	if prev == nil || prev.SHA256 != sha {
		if err := a.deps.Store.Put(ctx, ref.Key, body); err != nil {
			fail(w, r, fmt.Errorf("intake: store admission photo: %w", err))
			return
		}
	}
	res, err := lc.SetAdmissionPhoto(ctx, school, student, ref, capture.ActorUpstream)
	if !a.committed(w, r, true, err) {
		return
	}
	status := http.StatusCreated
	if !res.Changed {
		status = http.StatusOK
		if prev != nil {
			ref.UpdatedAt = prev.UpdatedAt
		}
	}
	for _, id := range res.Resumed {
		zerolog.Ctx(ctx).Info().Str("capture_id", id).Msg("capture resumed by a new admission photo")
	}
	writeJSON(w, status, admissionView{
		School: school, StudentID: student, SHA256: sha, Format: ref.Format, Bytes: ref.Bytes,
		UpdatedAt: formatTime(ref.UpdatedAt), Resumed: len(res.Resumed),
	})
}

// getAdmissionPhoto serves the admission photo on file.
func (a *API) getAdmissionPhoto(w http.ResponseWriter, r *http.Request) {
	school, student := r.PathValue("school"), r.PathValue("student")
	if !capture.ValidID(school) || !capture.ValidID(student) {
		fail(w, r, newError(http.StatusNotFound, "not_found", "no such student"))
		return
	}
	ref, err := a.deps.Lifecycle.Repo().AdmissionPhoto(r.Context(), school, student)
	if errors.Is(err, capture.ErrNotFound) {
		fail(w, r, newError(http.StatusNotFound, "not_found", "no admission photo on file for this student"))
		return
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	a.servePhoto(w, r, ref.Key)
}

// servePhoto writes a stored photo with its sniffed content type.
func (a *API) servePhoto(w http.ResponseWriter, r *http.Request, key string) {
	data, err := a.deps.Store.Get(r.Context(), key)
	if errors.Is(err, storage.ErrNotFound) {
		fail(w, r, newError(http.StatusNotFound, "not_found", "the photo is not in storage"))
		return
	}
	if err != nil {
		fail(w, r, err)
		return
	}
	ct := "application/octet-stream"
	if f, err := imaging.Sniff(data); err == nil {
		ct = map[imaging.Format]string{imaging.JPEG: "image/jpeg", imaging.PNG: "image/png", imaging.WebP: "image/webp", imaging.HEIF: "image/heic"}[f]
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}
