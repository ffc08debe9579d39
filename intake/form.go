package intake

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/identity"
	"github.com/recheck/recheck/texts"
)

// captureForm is a validated POST /v1/captures request.
type captureForm struct {
	School, Cohort, StudentID, OpenID string
	DocType                           identity.DocumentType
	DocNumber, Name                   string
	Photo                             []byte
}

// textFields are the metadata fields of a capture, each required.
var textFields = []string{"school", "cohort", "student_id", "openid", "document_type", "document_number", "name"}

const maxFieldBytes = 1024

var openIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// readCaptureForm streams the multipart body of a capture: the photo is
// read up to maxPhoto bytes, each text field up to 1 KB; anything else is an
// error that names the field.
func readCaptureForm(r *http.Request, maxPhoto int64) (map[string]string, []byte, error) {
	return readMultipart(r, maxPhoto, textFields)
}

// readMultipart streams a multipart body of a photo and the named text
// fields.
func readMultipart(r *http.Request, maxPhoto int64, names []string) (map[string]string, []byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, nil, newError(http.StatusUnsupportedMediaType, "multipart_required", "the body must be multipart/form-data with a photo part and the metadata fields")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, newError(http.StatusBadRequest, "invalid_request", "cannot read the multipart body: "+err.Error())
	}
	fields := map[string]string{}
	var photo []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, bodyError(err)
		}
		name := part.FormName()
		switch {
		case name == "photo":
			if photo != nil {
				return nil, nil, fieldError("duplicate_field", name, "the photo is sent twice")
			}
			// Sized from the request once, so a large photo is not copied
			// as the buffer grows: ReadFrom grows a buffer with less than
			// bytes.MinRead free before each read, so that much more is
			// asked for than the body can hold.
			buf := bytes.NewBuffer(make([]byte, 0, min(max(r.ContentLength, 512<<10), maxPhoto+1)+bytes.MinRead))
			if _, err = io.Copy(buf, io.LimitReader(part, maxPhoto+1)); err != nil {
				return nil, nil, bodyError(err)
			}
			photo = buf.Bytes()
			if int64(len(photo)) > maxPhoto {
				e := newError(http.StatusRequestEntityTooLarge, "photo_too_large", fmt.Sprintf("the photo is larger than %d bytes", maxPhoto))
				e.MessageZH, e.Field = texts.PhotoErrors.Text("photo_too_large"), "photo"
				return nil, nil, e
			}
		case slices.Contains(names, name):
			if _, dup := fields[name]; dup {
				return nil, nil, fieldError("duplicate_field", name, name+" is sent twice")
			}
			v, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				return nil, nil, bodyError(err)
			}
			if len(v) > maxFieldBytes {
				return nil, nil, fieldError("invalid_field", name, fmt.Sprintf("%s is longer than %d bytes", name, maxFieldBytes))
			}
			fields[name] = string(v)
		default:
			return nil, nil, fieldError("unknown_field", name, fmt.Sprintf("unknown field %q; expected photo and %s", truncate(name, 40), strings.Join(names, ", ")))
		}
		part.Close()
	}
	return fields, photo, nil
}

// bodyError maps a failure to read the body: too large, or malformed.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return newError(http.StatusRequestEntityTooLarge, "request_too_large", fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit))
	}
	return newError(http.StatusBadRequest, "invalid_request", "cannot read the multipart body: "+err.Error())
}

// validateCapture checks the metadata; the first problem is returned with
// the field it concerns.
func validateCapture(fields map[string]string, photo []byte, now time.Time) (*captureForm, error) {
	for _, f := range textFields {
		if trimmed(fields[f]) == "" {
			return nil, fieldError("missing_field", f, f+" is required")
		}
	}
	if photo == nil {
		return nil, fieldError("missing_field", "photo", "the photo part is required")
	}
	form := &captureForm{
		School: trimmed(fields["school"]), Cohort: trimmed(fields["cohort"]),
		StudentID: trimmed(fields["student_id"]), OpenID: trimmed(fields["openid"]),
		Name: trimmed(fields["name"]), Photo: photo,
	}
	if !capture.ValidID(form.School) {
		return nil, fieldError("invalid_field", "school", "school must be 1-64 letters, digits, '_', '.' or '-'")
	}
	if !capture.ValidID(form.StudentID) {
		return nil, fieldError("invalid_field", "student_id", "student_id must be 1-64 letters, digits, '_', '.' or '-'")
	}
	if !openIDPattern.MatchString(form.OpenID) {
		return nil, fieldError("invalid_field", "openid", "openid must be 1-128 letters, digits, '_' or '-'")
	}
	if err := plainText(form.Cohort, 64); err != nil {
		return nil, fieldError("invalid_field", "cohort", "cohort "+err.Error())
	}
	if err := plainText(form.Name, 64); err != nil {
		return nil, fieldError("invalid_field", "name", "name "+err.Error())
	}
	dt, err := identity.ParseDocumentType(trimmed(fields["document_type"]))
	if err != nil {
		var ie *identity.Error
		errors.As(err, &ie)
		return nil, fromIdentity(ie, "document_type")
	}
	num, err := identity.Validate(dt, fields["document_number"], now)
	if err != nil {
		var ie *identity.Error
		errors.As(err, &ie)
		return nil, fromIdentity(ie, "document_number")
	}
	form.DocType, form.DocNumber = dt, num
	return form, nil
}

// plainText accepts 1-max characters of valid UTF-8 without control,
// format (bidirectional overrides, zero-width characters) or other hidden
// characters (identity.Hidden).
func plainText(s string, max int) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n == 0 || n > max {
		return fmt.Errorf("must be 1-%d characters", max)
	}
	for _, r := range s {
		if identity.Hidden(r) {
			return fmt.Errorf("contains the invisible or control character %U", r)
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
