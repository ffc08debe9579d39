// Package ctid is the client of the national identity service's gateway
// (CTID, 人证比对): the common vendor protocol (apply for a serial, then
// auth with name, number and portrait; every request signed), and the
// mapping of its answers onto the outcomes students see. Its simulator is
// package ctidsim.
package ctid

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Outcome is the answer of the identity check (人证比对) as the student sees
// it, plus Unavailable, which must never reach the student as a failure.
type Outcome string

// The outcomes of a CTID check.
const (
	// Pass: the name, number and portrait match the national database.
	Pass Outcome = "pass"
	// Suspected (疑似): photo quality, light, size, or a look-alike.
	Suspected Outcome = "suspected"
	// NotSamePerson (非同一人): the portrait is of someone else.
	NotSamePerson Outcome = "not_same_person"
	// IdentityInvalid (身份信息无效或不匹配): wrong name or number, or no
	// online ID; the student may open the CTID online ID.
	IdentityInvalid Outcome = "identity_invalid"
	// Unavailable: the gateway could not answer; retry later.
	Unavailable Outcome = "unavailable"
)

// The gateway's text and portrait verdicts (the common vendor shape).
const (
	TextMatch    = "match"
	TextMismatch = "mismatch"
	TextNotFound = "not_found"

	PortraitSame         = "same"
	PortraitDifferent    = "different"
	PortraitUncertain    = "uncertain"
	PortraitNoPhoto      = "no_photo"
	PortraitLowQuality   = "low_quality"
	PortraitCannotVerify = "cannot_verify"
)

// AuthModePortrait is the auth mode of name + number + portrait (0x42).
const AuthModePortrait = "0x42"

// Verdict is the answer of one CTID check.
type Verdict struct {
	Outcome Outcome `json:"outcome"`
	// TextResult and PortraitResult are the gateway's separate verdicts.
	TextResult     string `json:"text_result,omitempty"`
	PortraitResult string `json:"portrait_result,omitempty"`
	// Similarity is the gateway's own 0-100 portrait score (its scale, not
	// recheck's).
	Similarity float64 `json:"similarity,omitempty"`
	// Serial is the gateway's business serial number.
	Serial string `json:"serial,omitempty"`
	// Detail says why the check was unavailable; never shown to students.
	Detail string `json:"detail,omitempty"`
}

// OutcomeOf maps the gateway's verdicts onto the outcomes students see. An
// answer it does not know is Unavailable, never a failure of the student.
func OutcomeOf(text, portrait string) Outcome {
	switch text {
	case TextMismatch, TextNotFound:
		return IdentityInvalid
	case TextMatch:
	default:
		return Unavailable
	}
	switch portrait {
	case PortraitSame:
		return Pass
	case PortraitDifferent:
		return NotSamePerson
	case PortraitUncertain, PortraitLowQuality:
		return Suspected
	case PortraitNoPhoto:
		return IdentityInvalid
	default: // cannot_verify and anything new
		return Unavailable
	}
}

// Sim is the value of RECHECK_CTID_URL that chooses the built-in simulator
// (development only: it answers "pass" for people it does not know).
const Sim = "sim"

// Config configures the CTID gateway. There is no default gateway and no
// default key: a worker without RECHECK_CTID_URL refuses to start, and the
// simulator runs only when chosen by name (RECHECK_CTID_URL=sim).
type Config struct {
	// URL is the gateway's base URL, or "sim" for the built-in simulator.
	URL string `env:"RECHECK_CTID_URL" help:"CTID gateway base URL, or sim for the built-in simulator (development only); required by workers"`
	// AppID identifies recheck to the gateway.
	AppID string `env:"RECHECK_CTID_APP_ID" help:"application ID sent to the CTID gateway (required with a gateway URL)"`
	// Key signs requests (HMAC-SHA256).
	Key string `env:"RECHECK_CTID_KEY" help:"HMAC-SHA256 key that signs CTID requests (required with a gateway URL)" secret:"true"`
	// Timeout bounds each HTTP request.
	Timeout time.Duration `env:"RECHECK_CTID_TIMEOUT" default:"10s" help:"timeout of each CTID request"`
	// Retries is how many times a transport error, timeout, 429 or 5xx is
	// retried, with exponential backoff, before the check is unavailable.
	Retries int `env:"RECHECK_CTID_RETRIES" default:"3" help:"retries of a failed CTID request before it counts as unavailable"`
}

// Simulated reports whether the configuration chooses the simulator.
func (c Config) Simulated() bool { return c.URL == Sim }

// ErrNotConfigured is returned by Require when no gateway is chosen.
var ErrNotConfigured = errors.New("ctid: RECHECK_CTID_URL is not set: set the CTID gateway's URL (with RECHECK_CTID_APP_ID and RECHECK_CTID_KEY), or RECHECK_CTID_URL=sim for the simulator (development only: it answers pass for people it does not know)")

// Require reports a configuration a worker cannot run with: no gateway
// chosen. Intake-only processes need none.
func (c Config) Require() error {
	if c.URL == "" {
		return ErrNotConfigured
	}
	return nil
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch {
	case c.Timeout <= 0:
		return errors.New("ctid: RECHECK_CTID_TIMEOUT must be positive")
	case c.Retries < 0 || c.Retries > 10:
		return errors.New("ctid: RECHECK_CTID_RETRIES must be 0-10")
	case c.URL == "" || c.Simulated():
		return nil
	case !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://"):
		return fmt.Errorf("ctid: RECHECK_CTID_URL must be an http(s) URL or sim, got %q", c.URL)
	case c.AppID == "":
		return errors.New("ctid: RECHECK_CTID_APP_ID is required with a gateway URL")
	case c.Key == "":
		return errors.New("ctid: RECHECK_CTID_KEY is required with a gateway URL")
	}
	return nil
}

// Client speaks the CTID gateway protocol: POST /v1/apply for a business
// serial number, then POST /v1/auth with the serial, name, number and the
// portrait as base64 JPEG. Every request is signed (see Sign).
type Client struct {
	base    string
	appID   string
	key     []byte
	http    *http.Client
	retries int
	backoff time.Duration
	now     func() time.Time
}

// NewClient returns a client for the gateway at base (its URL), signing
// with cfg's app ID and key.
func NewClient(base string, cfg Config) *Client {
	return &Client{
		base: strings.TrimRight(base, "/"), appID: cfg.AppID, key: []byte(cfg.Key),
		http: &http.Client{Timeout: cfg.Timeout}, retries: cfg.Retries, backoff: 200 * time.Millisecond, now: time.Now,
	}
}

// Signature is the request signature: hex HMAC-SHA256 over the method,
// path, timestamp, nonce and the hex SHA-256 of the body, one per line.
func Signature(key []byte, method, path, timestamp, nonce string, body []byte) string {
	sum := sha256.Sum256(body)
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s\n%s\n%s\n%s\n%s", method, path, timestamp, nonce, hex.EncodeToString(sum[:]))
	return hex.EncodeToString(mac.Sum(nil))
}

// Headers of a signed request.
const (
	HeaderAppID     = "X-CTID-App-Id"
	HeaderTimestamp = "X-CTID-Timestamp"
	HeaderNonce     = "X-CTID-Nonce"
	HeaderSignature = "X-CTID-Signature"
)

// gatewayError is a non-retryable answer of the gateway.
type gatewayError struct {
	status int
	code   int
	msg    string
}

func (e *gatewayError) Error() string {
	return fmt.Sprintf("ctid: gateway answered %d (code %d): %s", e.status, e.code, e.msg)
}

// Response is the gateway's answer to either call.
type Response struct {
	Code           int     `json:"code"`
	Message        string  `json:"message,omitempty"`
	Serial         string  `json:"serial,omitempty"`
	Random         string  `json:"random,omitempty"`
	TextResult     string  `json:"text_result,omitempty"`
	PortraitResult string  `json:"portrait_result,omitempty"`
	Similarity     float64 `json:"similarity,omitempty"`
}

// Verify checks a name, a resident ID number and a portrait (JPEG). It
// always returns a Verdict: when the gateway cannot answer (transport
// errors, timeouts, 429 and 5xx after the retries, or an answer it cannot
// use) the outcome is Unavailable and Detail says why.
func (c *Client) Verify(ctx context.Context, name, number string, portrait []byte) Verdict {
	var apply Response
	if err := c.call(ctx, "/v1/apply", map[string]string{"app_id": c.appID, "auth_mode": AuthModePortrait}, &apply); err != nil {
		return Verdict{Outcome: Unavailable, Detail: "apply: " + err.Error()}
	}
	if apply.Serial == "" {
		return Verdict{Outcome: Unavailable, Detail: "apply: no serial number in the answer"}
	}
	var auth Response
	err := c.call(ctx, "/v1/auth", map[string]string{
		"app_id": c.appID, "serial": apply.Serial, "random": apply.Random, "auth_mode": AuthModePortrait,
		"name": name, "id_number": number, "portrait": base64.StdEncoding.EncodeToString(portrait),
	}, &auth)
	if err != nil {
		return Verdict{Outcome: Unavailable, Serial: apply.Serial, Detail: "auth: " + err.Error()}
	}
	v := Verdict{TextResult: auth.TextResult, PortraitResult: auth.PortraitResult, Similarity: auth.Similarity, Serial: apply.Serial}
	v.Outcome = OutcomeOf(auth.TextResult, auth.PortraitResult)
	if v.Outcome == Unavailable {
		v.Detail = fmt.Sprintf("unusable answer: text %q, portrait %q", auth.TextResult, auth.PortraitResult)
	}
	return v
}

// call posts a signed JSON request, retrying transport errors, timeouts,
// 429 and 5xx with exponential backoff and jitter.
func (c *Client) call(ctx context.Context, path string, body any, out *Response) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	var last error
	for attempt := 0; attempt <= c.retries; attempt++ {
		if attempt > 0 {
			d := time.Duration(float64(c.backoff) * math.Pow(2, float64(attempt-1)) * (0.5 + mrand.Float64()))
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		retry, err := c.once(ctx, path, raw, out)
		if err == nil {
			return nil
		}
		last = err
		if !retry || ctx.Err() != nil {
			return err
		}
	}
	return fmt.Errorf("after %d tries: %w", c.retries+1, last)
}

// once sends one request; retry says whether a failure may be retried.
func (c *Client) once(ctx context.Context, path string, raw []byte, out *Response) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(raw))
	if err != nil {
		return false, err
	}
	ts := strconv.FormatInt(c.now().Unix(), 10)
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	n := hex.EncodeToString(nonce)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderAppID, c.appID)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderNonce, n)
	req.Header.Set(HeaderSignature, Signature(c.key, http.MethodPost, path, ts, n, raw))
	resp, err := c.http.Do(req)
	if err != nil {
		return true, err // transport error or timeout
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return true, err
	}
	r, retry, err := parseAnswer(resp.StatusCode, data)
	if err != nil {
		return retry, err
	}
	*out = r
	return false, nil
}

// parseAnswer reads a gateway's answer: 429 and 5xx may be retried; any
// other status but 200, a body that is not JSON, or a non-zero code is a
// refusal.
func parseAnswer(status int, data []byte) (Response, bool, error) {
	if status == http.StatusTooManyRequests || status >= 500 {
		return Response{}, true, fmt.Errorf("gateway answered %d", status)
	}
	var r Response
	if err := json.Unmarshal(data, &r); err != nil {
		return Response{}, false, fmt.Errorf("gateway answered %d with no JSON", status)
	}
	if status != http.StatusOK || r.Code != 0 {
		return Response{}, false, &gatewayError{status: status, code: r.Code, msg: r.Message}
	}
	return r, false, nil
}
