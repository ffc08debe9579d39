package callback

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/recheck/recheck/intake/signing"
)

// MaxBody bounds the body Verify reads.
const MaxBody = 1 << 20

// VerifyError says why a callback was refused.
type VerifyError struct{ Reason string }

func (e *VerifyError) Error() string { return "callback: " + e.Reason }

func refuse(format string, args ...any) error {
	return &VerifyError{Reason: fmt.Sprintf(format, args...)}
}

// Verify checks a received callback as a receiver must: a known key ID, a
// timestamp within signing.Window of now, the body's SHA-256, and the
// HMAC-SHA256 signature over method, target, timestamp, nonce and digest;
// it returns the payload. Replayed nonces and repeated deliveries are the
// receiver's to drop (by X-Recheck-Delivery).
func Verify(r *http.Request, secrets map[string]string, now time.Time) (Payload, error) {
	var p Payload
	secret, ok := secrets[r.Header.Get(signing.HeaderKey)]
	if !ok {
		return p, refuse("unknown key %q", r.Header.Get(signing.HeaderKey))
	}
	tsText := r.Header.Get(signing.HeaderTimestamp)
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return p, refuse("%s must be Unix seconds", signing.HeaderTimestamp)
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > signing.Window || skew < -signing.Window {
		return p, refuse("the timestamp is %s off this clock", skew.Round(time.Second))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return p, fmt.Errorf("callback: read body: %w", err)
	}
	if len(body) > MaxBody {
		return p, refuse("body larger than %d bytes", MaxBody)
	}
	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])
	if !signing.Equal(digest, r.Header.Get(signing.HeaderContentSHA256)) {
		return p, refuse("the body's SHA-256 does not match %s", signing.HeaderContentSHA256)
	}
	nonce := r.Header.Get(signing.HeaderNonce)
	if !signing.ValidNonce(nonce) {
		return p, refuse("%s is malformed", signing.HeaderNonce)
	}
	want := signing.Sign([]byte(secret), r.Method, r.URL.RequestURI(), tsText, nonce, digest)
	if !signing.Equal(want, r.Header.Get(signing.HeaderSignature)) {
		return p, refuse("the signature does not match")
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return p, refuse("the body is not a callback payload: %v", err)
	}
	if p.DeliveryID == "" || p.DeliveryID != r.Header.Get(HeaderDelivery) {
		return p, errors.New("callback: the delivery ID of the body and of " + HeaderDelivery + " differ")
	}
	return p, nil
}
