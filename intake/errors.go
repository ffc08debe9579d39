package intake

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/identity"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/texts"
)

// apiError is an error the API returns as
// {"error":{"code":"...","message":"...","message_zh":"..."}}.
type apiError struct {
	Status    int    `json:"-"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageZH string `json:"message_zh"`
	// Field names the request field at fault, when there is one.
	Field string `json:"field,omitempty"`
	// RetryAt is when the student may try again (RFC 3339), for a refusal
	// that waiting cures (the day's quota).
	RetryAt string `json:"retry_at,omitempty"`
	// State is the capture's state, for a request its state does not allow.
	State capture.State `json:"state,omitempty"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func newError(status int, code, message string) *apiError {
	return &apiError{Status: status, Code: code, Message: message, MessageZH: texts.APIErrors.Text(code)}
}

func fieldError(code, field, message string) *apiError {
	e := newError(http.StatusBadRequest, code, message)
	e.Field = field
	return e
}

// fromImaging maps an unusable photo to its API error.
func fromImaging(e *imaging.Error) *apiError {
	status := http.StatusUnprocessableEntity
	switch e.Code {
	case imaging.CodeUnsupported:
		status = http.StatusUnsupportedMediaType
	case imaging.CodeTooLarge:
		status = http.StatusRequestEntityTooLarge
	}
	return &apiError{Status: status, Code: e.Code, Message: e.Message, MessageZH: e.MessageZH, Field: "photo"}
}

// probePhoto reads a photo's header; an unusable photo becomes its API
// error.
func probePhoto(data []byte, lim imaging.Limits) (imaging.Info, error) {
	info, err := imaging.Probe(data, lim)
	var ie *imaging.Error
	if errors.As(err, &ie) {
		return info, fromImaging(ie)
	}
	return info, err
}

// stripPhoto drops a photo's metadata (GPS positions, maker notes) before
// it is stored, keeping its pixels and orientation.
func stripPhoto(data []byte, info imaging.Info) ([]byte, error) {
	out, err := imaging.StripMetadata(data, info)
	var ie *imaging.Error
	if errors.As(err, &ie) {
		return nil, fromImaging(ie)
	}
	return out, err
}

// fromIdentity maps a document validation failure to its API error.
func fromIdentity(e *identity.Error, field string) *apiError {
	return &apiError{Status: http.StatusUnprocessableEntity, Code: e.Code, Message: e.Message, MessageZH: e.MessageZH, Field: field}
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// fromDomain maps the lifecycle's typed errors to API errors: a refusal of
// the journey (429 for the day's quota, with Retry-After, 409 otherwise), a
// state conflict (409), an invalid request (400), an unknown capture (404).
func fromDomain(err error) (*apiError, bool) {
	var re *capture.RefusedError
	var ce *capture.ConflictError
	var ie *capture.InvalidError
	switch {
	case errors.As(err, &re):
		e := &apiError{Status: http.StatusConflict, Code: re.Code, Message: re.Message, MessageZH: re.MessageZH}
		if !re.RetryAt.IsZero() {
			e.Status, e.RetryAt = http.StatusTooManyRequests, re.RetryAt.UTC().Format(time.RFC3339)
		}
		return e, true
	case errors.As(err, &ce):
		return &apiError{Status: http.StatusConflict, Code: ce.Code, Message: ce.Message, MessageZH: ce.MessageZH, State: ce.State}, true
	case errors.As(err, &ie):
		e := fieldError("invalid_field", ie.Field, ie.Message)
		return e, true
	case errors.Is(err, capture.ErrNotFound):
		return newError(http.StatusNotFound, "not_found", "no such capture"), true
	}
	return nil, false
}

// writeError writes err as the API's JSON error; errors that are neither
// *apiError nor the lifecycle's typed errors become a 503 whose message
// does not leak internals.
func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		var ok bool
		if ae, ok = fromDomain(err); !ok {
			ae = newError(http.StatusServiceUnavailable, "unavailable", "the service could not complete the request; retry later")
		}
	}
	switch {
	case ae.Status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "":
		w.Header().Set("Retry-After", "5")
	case ae.RetryAt != "" && w.Header().Get("Retry-After") == "":
		if t, err := time.Parse(time.RFC3339, ae.RetryAt); err == nil {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(time.Until(t).Seconds()+0.5))))
		}
	}
	writeJSON(w, ae.Status, map[string]*apiError{"error": ae})
}
