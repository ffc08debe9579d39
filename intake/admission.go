package intake

import (
	"context"
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

// FaceCounter counts the faces in a photo the way the comparison will
// look for them; vision.FaceCounter is one.
type FaceCounter interface {
	CountFaces(ctx context.Context, photo []byte) (int, error)
}

// readAdmissionPhoto checks an uploaded admission photo: a readable image
// within the limits that shows exactly one face, or the 4xx naming what is
// wrong. It returns the photo without its metadata and its reference.
func (a *API) readAdmissionPhoto(ctx context.Context, school, student string, body []byte) (capture.AdmissionPhoto, []byte, error) {
	info, err := probePhoto(body, a.deps.Limits)
	if err != nil {
		return capture.AdmissionPhoto{}, nil, err
	}
	if body, err = stripPhoto(body, info); err != nil {
		return capture.AdmissionPhoto{}, nil, err
	}
	n, err := a.deps.Faces.CountFaces(ctx, body)
	var ie *imaging.Error
	switch {
	case errors.As(err, &ie):
		return capture.AdmissionPhoto{}, nil, fromImaging(ie)
	case err != nil:
		return capture.AdmissionPhoto{}, nil, fmt.Errorf("intake: find the admission photo's face: %w", err)
	case n == 0:
		return capture.AdmissionPhoto{}, nil, admissionFaceError("admission_photo_no_face", "no face was found in the admission photo")
	case n > 1:
		return capture.AdmissionPhoto{}, nil, admissionFaceError("admission_photo_multiple_faces", fmt.Sprintf("the admission photo shows %d faces, not one", n))
	}
	sum := sha256.Sum256(body)
	sha := hex.EncodeToString(sum[:])
	return capture.AdmissionPhoto{
		Key: capture.AdmissionKey(school, student, sha), SHA256: sha,
		Format: string(info.Format), Bytes: len(body), UpdatedAt: a.deps.Now().UTC(),
	}, body, nil
}

func admissionFaceError(code, msg string) *apiError {
	e := newError(http.StatusUnprocessableEntity, code, msg)
	e.Field = "photo"
	return e
}

// putAdmissionPhoto sets a student's admission photo (the raw image as the
// body): the upstream service, once. The same photo again is harmless; a
// different one is refused (409 admission_photo_locked): only the records
// office replaces it. Captures that waited for a photo resume.
func (a *API) putAdmissionPhoto(w http.ResponseWriter, r *http.Request) {
	school, student := r.PathValue("school"), r.PathValue("student")
	if !capture.ValidID(school) || !capture.ValidID(student) {
		fail(w, r, fieldError("invalid_field", "school", "school and student must be 1-64 letters, digits, '_', '.' or '-'"))
		return
	}
	if !mayAct(w, r, school) {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.deps.Limits.MaxBytes))
	if err != nil {
		fail(w, r, bodyError(err))
		return
	}
	if err := verifyBody(r); err != nil {
		fail(w, r, err)
		return
	}
	a.storeAdmission(w, r, school, student, body, "")
}

// postAdmissionReplacement replaces a student's admission photo: a records
// office action (multipart: photo and reason), recorded on the journey; it
// never changes a decided capture.
func (a *API) postAdmissionReplacement(w http.ResponseWriter, r *http.Request) {
	school, student, ok := studentPath(w, r)
	if !ok || !mayWork(w, r, school, RoleRecordsOffice) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, a.deps.Limits.MaxBytes+64<<10)
	fields, photo, err := readMultipart(r, a.deps.Limits.MaxBytes, []string{"reason"})
	if err != nil {
		fail(w, r, err)
		return
	}
	if photo == nil {
		fail(w, r, fieldError("missing_field", "photo", "the photo part is required"))
		return
	}
	if trimmed(fields["reason"]) == "" {
		fail(w, r, fieldError("missing_field", "reason", "a replacement needs its reason"))
		return
	}
	a.storeAdmission(w, r, school, student, photo, fields["reason"])
}

// storeAdmission checks the photo, stores its bytes and has the lifecycle
// put it on file: set by the upstream when reason is empty, replaced by
// the records office otherwise.
func (a *API) storeAdmission(w http.ResponseWriter, r *http.Request, school, student string, body []byte, reason string) {
	ctx := r.Context()
	lc := a.deps.Lifecycle
	ref, body, err := a.readAdmissionPhoto(ctx, school, student, body)
	if err != nil {
		fail(w, r, err)
		return
	}
	prev, err := lc.Store().AdmissionPhoto(ctx, school, student)
	if err != nil && !errors.Is(err, capture.ErrNotFound) {
		fail(w, r, err)
		return
	}
	if reason == "" && prev != nil && prev.SHA256 != ref.SHA256 {
		fail(w, r, lockedError())
		return
	}
	if prev == nil || prev.SHA256 != ref.SHA256 {
		if err := a.deps.Store.Put(ctx, ref.Key, body); err != nil {
			fail(w, r, fmt.Errorf("intake: store admission photo: %w", err))
			return
		}
	}
	var res capture.AdmissionResult
	if reason == "" {
		res, err = lc.SetAdmissionPhoto(ctx, school, student, ref, capture.ActorUpstream)
	} else {
		res, err = lc.ReplaceAdmissionPhoto(ctx, school, student, ref, capture.RecordsOffice(principalOf(r).Name), reason)
	}
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
		School: school, StudentID: student, SHA256: ref.SHA256, Format: ref.Format, Bytes: ref.Bytes,
		UpdatedAt: formatTime(ref.UpdatedAt), Resumed: len(res.Resumed),
	})
}

func lockedError() *apiError {
	return newError(http.StatusConflict, "admission_photo_locked",
		"an admission photo is on file; it cannot be changed by the upstream service (records offices replace it: POST .../admission-photo/replacement)")
}

// getAdmissionPhoto serves the admission photo on file.
func (a *API) getAdmissionPhoto(w http.ResponseWriter, r *http.Request) {
	school, student := r.PathValue("school"), r.PathValue("student")
	if !capture.ValidID(school) || !capture.ValidID(student) {
		fail(w, r, newError(http.StatusNotFound, "not_found", "no such student"))
		return
	}
	if !mayRead(w, r, school) {
		return
	}
	ref, err := a.deps.Lifecycle.Store().AdmissionPhoto(r.Context(), school, student)
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
