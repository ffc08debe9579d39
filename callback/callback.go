// Package callback tells the upstream service (and a school's records
// office) what became of each capture: signed webhooks, their
// configuration per school, the payload, the sender the callback task
// uses, and Verify for receivers (recheck callback-sink uses it).
//
// A callback is a POST of a JSON Payload signed exactly as the upstream
// signs its requests to the intake API (package intake/signing: key ID,
// timestamp, nonce, body SHA-256 and an HMAC-SHA256 over the five lines),
// with recheck's callback key, plus X-Recheck-Delivery, the delivery ID a
// receiver deduplicates on.
package callback

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/intake/signing"
)

// HeaderDelivery carries the delivery ID: the same for every attempt of
// one callback, so a receiver can drop a repeat.
const HeaderDelivery = "X-Recheck-Delivery"

// States are the transitions the upstream is called back on (besides the
// holds of OfficeHolds).
var States = []capture.State{
	capture.AwaitingConfirmation, capture.Rejected, capture.Blocked, capture.PendingReview,
	capture.Approved, capture.ReviewRejected, capture.Escalated, capture.Referred, capture.Failed,
	capture.Superseded,
}

// OfficeStates are the transitions also delivered to a records office.
var OfficeStates = []capture.State{capture.Escalated, capture.Referred}

// OfficeHolds are the holds delivered to the upstream and the records
// office: a capture waiting because the admission photo is not on file,
// cannot be used, or is disputed, or because its document number is
// another student's, is the office's case. A hold for CTID is
// the service's own and calls nobody.
var OfficeHolds = []capture.HoldReason{
	capture.HoldAdmissionPhotoMissing, capture.HoldAdmissionPhotoUnusable, capture.HoldAdmissionPhotoDisputed,
	capture.HoldDocumentInUse,
}

// Endpoints are where one school's callbacks go.
type Endpoints struct {
	// URL receives every callback of the school's captures.
	URL string `json:"url"`
	// RecordsOfficeURL also receives escalations and referrals.
	RecordsOfficeURL string `json:"records_office_url,omitempty"`
}

// Settings is the callbacks file (RECHECK_CALLBACKS).
type Settings struct {
	// KeyID and Secret sign every callback; Secret has at least 32
	// characters.
	KeyID  string `json:"key_id"`
	Secret string `json:"secret"`
	// PublicURL is the intake API's address as receivers reach it; the
	// payload's links are relative without it.
	PublicURL string               `json:"public_url,omitempty"`
	Default   Endpoints            `json:"default"`
	Schools   map[string]Endpoints `json:"schools,omitempty"`
}

// Load reads a callbacks file and validates it.
func Load(path string) (*Settings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("callback: read %s: %w", path, err)
	}
	var s Settings
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("callback: %s: %w", path, err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("callback: %s: %w", path, err)
	}
	return &s, nil
}

// SetEndpoints puts the callbacks section of the schools document in
// place of the file's addresses: per school code ("*": every school
// without its own), its url and records_office_url. The file keeps the
// key and the public URL.
func (s *Settings) SetEndpoints(entries map[string]json.RawMessage) error {
	if s.Default != (Endpoints{}) || len(s.Schools) > 0 {
		return errors.New("callback: the addresses are in both RECHECK_CALLBACKS (default, schools) and the callbacks section of RECHECK_SCHOOLS; keep them in RECHECK_SCHOOLS")
	}
	s.Schools = map[string]Endpoints{}
	for school, raw := range entries {
		var e Endpoints
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return fmt.Errorf("callback: school %q: %w", school, err)
		}
		if school == "*" {
			s.Default = e
			continue
		}
		s.Schools[school] = e
	}
	return s.Validate()
}

// Validate reports settings that cannot work, naming them.
func (s *Settings) Validate() error {
	var errs []error
	if s.KeyID == "" {
		errs = append(errs, errors.New("key_id is empty"))
	}
	if len(s.Secret) < 32 {
		errs = append(errs, errors.New("secret must have at least 32 characters"))
	}
	checkURL := func(where, u string) {
		if u == "" {
			return
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			errs = append(errs, fmt.Errorf("%s: %q is not an http(s) URL", where, u))
		}
	}
	checkURL("public_url", s.PublicURL)
	checkURL("default.url", s.Default.URL)
	checkURL("default.records_office_url", s.Default.RecordsOfficeURL)
	for school, e := range s.Schools {
		checkURL("schools."+school+".url", e.URL)
		checkURL("schools."+school+".records_office_url", e.RecordsOfficeURL)
	}
	return errors.Join(errs...)
}

// For returns a school's endpoints: its own, each missing one from the
// default.
func (s *Settings) For(school string) Endpoints {
	e := s.Schools[school]
	if e.URL == "" {
		e.URL = s.Default.URL
	}
	if e.RecordsOfficeURL == "" {
		e.RecordsOfficeURL = s.Default.RecordsOfficeURL
	}
	return e
}

// URL returns the address of a school's target, "" when none is set.
func (s *Settings) URL(school, target string) string {
	e := s.For(school)
	if target == capture.TargetRecordsOffice {
		return e.RecordsOfficeURL
	}
	return e.URL
}

// Targets implements capture.CallbackTargets: the upstream on every state
// of States, the records office on OfficeStates, and both on the holds of
// OfficeHolds, where a URL is set.
func (s *Settings) Targets(school string, to capture.State, reason string) []string {
	e := s.For(school)
	upstream := slices.Contains(States, to)
	office := slices.Contains(OfficeStates, to)
	if to == capture.OnHold && slices.Contains(OfficeHolds, capture.HoldReason(reason)) {
		upstream, office = true, true
	}
	var out []string
	if upstream && e.URL != "" {
		out = append(out, capture.TargetUpstream)
	}
	if office && e.RecordsOfficeURL != "" {
		out = append(out, capture.TargetRecordsOffice)
	}
	return out
}

// Payload is a callback's body.
type Payload struct {
	// DeliveryID is "<capture>:<seq>:<target>", also in X-Recheck-Delivery.
	DeliveryID string `json:"delivery_id"`
	// Event is "capture.<state>".
	Event     string        `json:"event"`
	CaptureID string        `json:"capture_id"`
	School    string        `json:"school"`
	StudentID string        `json:"student_id"`
	Cohort    string        `json:"cohort,omitempty"`
	State     capture.State `json:"state"`
	// Seq and At are the transition's place in the history and its time.
	Seq int       `json:"seq"`
	At  time.Time `json:"at"`
	// Cause and Reason say why (a block, hold or escalation reason, the
	// findings' codes of a rejection); Note is a reviewer's or office's.
	Cause  capture.Cause `json:"cause"`
	Reason string        `json:"reason,omitempty"`
	Note   string        `json:"note,omitempty"`
	// Score, PassScore and CTID are the comparison's, once compared.
	Score     *float64 `json:"score,omitempty"`
	PassScore *float64 `json:"pass_score,omitempty"`
	CTID      string   `json:"ctid_outcome,omitempty"`
	// MessageZH is what the student is shown, while the capture is still
	// in this state.
	MessageZH string `json:"message_zh,omitempty"`
	// Links are the capture and its photos on the intake API.
	Links map[string]string `json:"links"`
}

// NewPayload builds the callback of event seq of rec for target under the
// school's rules.
func NewPayload(rec *capture.Record, rules capture.Rules, seq int, target, publicURL string) (Payload, error) {
	if seq < 1 || seq > len(rec.History) {
		return Payload{}, fmt.Errorf("callback: capture %s has no event %d", rec.ID, seq)
	}
	e := rec.History[seq-1]
	base := strings.TrimRight(publicURL, "/") + "/v1/captures/" + rec.ID
	p := Payload{
		DeliveryID: fmt.Sprintf("%s:%d:%s", rec.ID, seq, target), Event: "capture." + string(e.To),
		CaptureID: rec.ID, School: rec.School, StudentID: rec.StudentID, Cohort: rec.Cohort,
		State: e.To, Seq: e.Seq, At: e.At, Cause: e.Cause, Reason: e.Reason, Note: e.Note,
		Links: map[string]string{"capture": base, "original": base + "/photos/original"},
	}
	if rec.State == e.To {
		p.MessageZH = capture.StatusText(rec, rules)
	}
	if e.To == capture.Rejected && p.Reason == "" {
		var codes []string
		for _, f := range rec.Findings {
			codes = append(codes, f.Code)
		}
		p.Reason = strings.Join(codes, ",")
	}
	if rec.HasStandardized() {
		p.Links["standardized"] = base + "/photos/standardized"
	}
	if m := rec.Match; m != nil {
		score, pass := m.Score, m.PassScore
		p.Score, p.PassScore = &score, &pass
		if m.CTID != nil {
			p.CTID = string(m.CTID.Outcome)
		}
	}
	return p, nil
}

// Sender delivers callbacks.
type Sender struct {
	Settings *Settings
	HTTP     *http.Client
	Now      func() time.Time
}

// NewSender returns a sender with a 10-second timeout per callback.
func NewSender(s *Settings) *Sender {
	return &Sender{Settings: s, HTTP: &http.Client{Timeout: 10 * time.Second}, Now: time.Now}
}

// StatusError is a receiver's answer other than 2xx.
type StatusError struct {
	Status int
	Body   string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("callback: the receiver answered HTTP %d: %s", e.Status, e.Body)
}

// ErrNoURL is returned for a target without a URL (the configuration
// changed after the transition).
var ErrNoURL = errors.New("callback: no URL is configured for this school and target")

// Send posts p, signed, to its school's target; any answer but 2xx is an
// error (the task retries it).
func (s *Sender) Send(ctx context.Context, target string, p Payload) (int, error) {
	u := s.Settings.URL(p.School, target)
	if u == "" {
		return 0, ErrNoURL
	}
	body, err := json.Marshal(p)
	if err != nil {
		return 0, fmt.Errorf("callback: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("callback: %w", err)
	}
	sum := sha256.Sum256(body)
	for k, v := range signing.Headers(s.Settings.KeyID, []byte(s.Settings.Secret), http.MethodPost, req.URL.RequestURI(), hex.EncodeToString(sum[:]), s.Now()) {
		req.Header.Set(k, v)
	}
	req.Header.Set(HeaderDelivery, p.DeliveryID)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "recheck-callback/1")
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return 0, fmt.Errorf("callback: post to %s: %w", req.URL.Host, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, &StatusError{Status: resp.StatusCode, Body: strings.TrimSpace(string(snippet))}
	}
	return resp.StatusCode, nil
}

// Config locates the callbacks file.
type Config struct {
	// File is the callbacks file; empty: no callbacks.
	File string `env:"RECHECK_CALLBACKS" help:"JSON file of the key that signs callbacks and the public URL ({\"key_id\",\"secret\",\"public_url\"}); the addresses per school are in the callbacks section of RECHECK_SCHOOLS (or, deprecated, default and schools here); empty: no callbacks"`
}

// Validate implements the configuration check; the file is read by Load.
func (c Config) Validate() error { return nil }
