package intake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// maxJSONBody bounds the JSON bodies of the journey's actions.
const maxJSONBody = 16 << 10

// decodeJSON reads a small JSON object into v, refusing other media types,
// unknown fields, trailing data and bodies over 16 KB with errors that say
// which.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return newError(http.StatusUnsupportedMediaType, "unsupported_media_type", "the body must be application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return newError(http.StatusRequestEntityTooLarge, "request_too_large", fmt.Sprintf("the body is larger than %d bytes", mbe.Limit))
		}
		return newError(http.StatusBadRequest, "invalid_request", "the body is not the expected JSON object: "+err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return newError(http.StatusBadRequest, "invalid_request", "the body has data after the JSON object")
	}
	return verifyBody(r)
}
