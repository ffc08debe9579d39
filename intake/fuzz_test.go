package intake

import (
	"bytes"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/recheck/recheck/texts"
)

// FuzzCaptureForm: whatever a client posts as a capture (any content type,
// any multipart body), reading and checking the form never panics, and
// every refusal is an API error with a code that has a Chinese message.
func FuzzCaptureForm(f *testing.F) {
	valid := "--B\r\nContent-Disposition: form-data; name=\"school\"\r\n\r\ncjlu\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"student_id\"\r\n\r\nS1\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"document_type\"\r\n\r\nresident_id\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"document_number\"\r\n\r\n11010519491231002X\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n张三\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0\r\n--B--\r\n"
	f.Add("multipart/form-data; boundary=B", []byte(valid))
	f.Add("multipart/form-data; boundary=B", []byte(valid[:len(valid)/2]))
	f.Add("multipart/form-data", []byte(valid))
	f.Add("application/json", []byte(`{"school":"cjlu"}`))
	f.Add("multipart/form-data; boundary=\"", []byte("--\"\r\n"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r, err := http.NewRequest(http.MethodPost, "http://intake.example/v1/captures", bytes.NewReader(body))
		if err != nil {
			return
		}
		r.Header.Set("Content-Type", contentType)
		fields, photo, err := readCaptureForm(r, 1<<20)
		if err == nil {
			_, err = validateCapture(fields, photo, time.Unix(1785400000, 0))
		}
		if err == nil {
			return
		}
		var ae *apiError
		if !errors.As(err, &ae) {
			t.Fatalf("a refusal that is not an API error: %v", err)
		}
		if ae.Code == "" || texts.APIErrors.Text(ae.Code) == "" {
			t.Fatalf("error code %q without a Chinese message", ae.Code)
		}
	})
}
