package intake

import (
	"bytes"
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
// unknown fields, a key given twice (which a JSON decoder would otherwise
// settle silently, the last one winning), trailing data and bodies over
// 16 KB with errors that say which.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return newError(http.StatusUnsupportedMediaType, "unsupported_media_type", "the body must be application/json")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return newError(http.StatusRequestEntityTooLarge, "request_too_large", fmt.Sprintf("the body is larger than %d bytes", mbe.Limit))
		}
		return newError(http.StatusBadRequest, "invalid_request", "cannot read the body: "+err.Error())
	}
	if key, ok := duplicateKey(raw); ok {
		e := newError(http.StatusBadRequest, "invalid_request", fmt.Sprintf("the key %q is given twice", truncate(key, 40)))
		e.Field = truncate(key, 40)
		return e
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return newError(http.StatusBadRequest, "invalid_request", "the body is not the expected JSON object: "+err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return newError(http.StatusBadRequest, "invalid_request", "the body has data after the JSON object")
	}
	return verifyBody(r)
}

// duplicateKey finds a key that appears twice in one object of a JSON
// document, at any depth. Malformed JSON reports none: the decoder names
// that error.
func duplicateKey(raw []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	type frame struct {
		keys   map[string]bool
		object bool
		expect bool // an object's next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top != nil && top.object {
					top.expect = true // the value ends here for the parent
				}
				stack = append(stack, &frame{keys: map[string]bool{}, object: t == '{', expect: t == '{'})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		case string:
			if top != nil && top.object && top.expect {
				if top.keys[t] {
					return t, true
				}
				top.keys[t] = true
				top.expect = false
				continue
			}
		}
		if top != nil && top.object {
			top.expect = true // a value was read: a key comes next
		}
	}
}
