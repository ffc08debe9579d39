// Package client is a small Go client of recheck's intake API for the
// upstream intake service: it signs every request with an upstream key
// (see package signing) and streams uploads, hashing a body by writing it
// twice rather than holding a second copy.
package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/recheck/recheck/intake/signing"
)

// Client calls the intake API at Base with one upstream key.
type Client struct {
	// Base is the API's base URL, like http://127.0.0.1:8080.
	Base string
	// KeyID and Secret are the upstream key.
	KeyID  string
	Secret []byte
	// Token is a staff member's API token; when set, requests carry it
	// (Authorization: Bearer) instead of the upstream's signature.
	Token string
	// HTTP sends the requests; nil means a client with a 2-minute timeout.
	HTTP *http.Client
	// Now is the clock that dates requests; nil means time.Now.
	Now func() time.Time
}

// New returns a client of the API at base signing with key id and secret.
func New(base, id, secret string) *Client {
	return &Client{Base: strings.TrimRight(base, "/"), KeyID: id, Secret: []byte(secret)}
}

// NewWithToken returns a client of the API at base that acts as the staff
// member whose API token is token.
func NewWithToken(base, token string) *Client {
	return &Client{Base: strings.TrimRight(base, "/"), Token: token}
}

// Response is an answer of the API.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode unmarshals a JSON answer into v.
func (r *Response) Decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("client: answer %d is not JSON: %w", r.Status, err)
	}
	return nil
}

// Error is the API's error of an answer that is not 2xx, or nil.
func (r *Response) Error() *APIError {
	if r.Status < 300 {
		return nil
	}
	var e struct {
		Error APIError `json:"error"`
	}
	if json.Unmarshal(r.Body, &e) != nil || e.Error.Code == "" {
		return &APIError{Status: r.Status, Code: "http_" + fmt.Sprint(r.Status), Message: strings.TrimSpace(string(r.Body))}
	}
	e.Error.Status = r.Status
	return &e.Error
}

// APIError is the API's JSON error.
type APIError struct {
	Status    int    `json:"-"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageZH string `json:"message_zh"`
	Field     string `json:"field,omitempty"`
	RetryAt   string `json:"retry_at,omitempty"`
}

// Error implements error.
func (e *APIError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// Do sends a signed request with body (nil for none) of contentType.
func (c *Client) Do(ctx context.Context, method, target string, body []byte, contentType string, header http.Header) (*Response, error) {
	return c.DoStream(ctx, method, target, contentType, header, func(w io.Writer) error {
		_, err := w.Write(body)
		return err
	})
}

// DoStream sends a signed request whose body write produces; write is
// called twice, first to hash the body for the signature, then to send it,
// and must write the same bytes both times.
func (c *Client) DoStream(ctx context.Context, method, target, contentType string, header http.Header, write func(io.Writer) error) (*Response, error) {
	h := sha256.New()
	size := &counter{w: h}
	if err := write(size); err != nil {
		return nil, fmt.Errorf("client: hash the body: %w", err)
	}
	digest := hex.EncodeToString(h.Sum(nil))
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(write(pw)) }()
	var body io.Reader = pr
	if digest == signing.EmptySHA256 {
		pr.Close()
		body = http.NoBody
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+target, body)
	if err != nil {
		pr.Close()
		return nil, err
	}
	if body != http.NoBody {
		// The length is known from the hashing pass: sent, it lets the
		// service's upload gate reserve what the body needs rather than
		// the largest photo allowed.
		req.ContentLength = size.n
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if size.n > expectContinueOver {
		// Ask before sending a photo: a service that turns it away
		// (busy, overloaded, unauthorized) answers before the body is on
		// the wire, instead of resetting a connection still being
		// written to, which a client sees as an error, not an answer.
		req.Header.Set("Expect", "100-continue")
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	} else {
		for k, v := range signing.Headers(c.KeyID, c.Secret, method, req.URL.RequestURI(), digest, now()) {
			req.Header.Set(k, v)
		}
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}, nil
}

// Get sends a signed GET.
func (c *Client) Get(ctx context.Context, target string) (*Response, error) {
	return c.Do(ctx, http.MethodGet, target, nil, "", nil)
}

// PostJSON sends v as a signed JSON POST.
func (c *Client) PostJSON(ctx context.Context, target string, v any) (*Response, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return c.Do(ctx, http.MethodPost, target, raw, "application/json", nil)
}

// PutAdmissionPhoto sets a student's admission photo.
func (c *Client) PutAdmissionPhoto(ctx context.Context, school, student string, photo []byte) (*Response, error) {
	return c.Do(ctx, http.MethodPut, "/v1/schools/"+school+"/students/"+student+"/admission-photo", photo, "application/octet-stream", nil)
}

// Capture is a capture's metadata as POST /v1/captures takes it.
type Capture struct {
	School, Cohort, StudentID, OpenID  string
	DocumentType, DocumentNumber, Name string
}

// Fields returns the metadata as the form's fields, in a fixed order.
func (f Capture) Fields() [][2]string {
	return [][2]string{
		{"school", f.School}, {"cohort", f.Cohort}, {"student_id", f.StudentID}, {"openid", f.OpenID},
		{"document_type", f.DocumentType}, {"document_number", f.DocumentNumber}, {"name", f.Name},
	}
}

// SubmitCapture posts a capture: the metadata and the photo, multipart,
// streamed; idempotencyKey (may be empty) makes a retry return the same
// capture.
func (c *Client) SubmitCapture(ctx context.Context, f Capture, photo []byte, idempotencyKey string) (*Response, error) {
	return c.SubmitMultipart(ctx, "/v1/captures", f.Fields(), "photo.jpg", photo, idempotencyKey)
}

// Precheck asks whether a photo of a student passes the capture's quality
// checks, for free: nothing is stored or charged.
func (c *Client) Precheck(ctx context.Context, school, student string, photo []byte) (*Response, error) {
	return c.SubmitMultipart(ctx, "/v1/schools/"+school+"/students/"+student+"/precheck", nil, "photo.jpg", photo, "")
}

// SubmitMultipart posts text fields and a photo as multipart/form-data,
// streamed, with the same boundary for the hash and the request.
func (c *Client) SubmitMultipart(ctx context.Context, target string, fields [][2]string, filename string, photo []byte, idempotencyKey string) (*Response, error) {
	boundary := "recheck-" + signing.NewNonce()
	write := func(w io.Writer) error {
		mw := multipart.NewWriter(w)
		if err := mw.SetBoundary(boundary); err != nil {
			return err
		}
		for _, kv := range fields {
			if err := mw.WriteField(kv[0], kv[1]); err != nil {
				return err
			}
		}
		fw, err := mw.CreateFormFile("photo", filename)
		if err != nil {
			return err
		}
		if _, err := io.Copy(fw, bytes.NewReader(photo)); err != nil {
			return err
		}
		return mw.Close()
	}
	header := http.Header{}
	if idempotencyKey != "" {
		header.Set("Idempotency-Key", idempotencyKey)
	}
	return c.DoStream(ctx, http.MethodPost, target, "multipart/form-data; boundary="+boundary, header, write)
}

// expectContinueOver is the body size above which a request asks for
// "100 Continue" before sending its body.
const expectContinueOver = 64 << 10

// counter counts the bytes written through it.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
