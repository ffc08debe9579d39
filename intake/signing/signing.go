// Package signing is the request signature of recheck's intake API, shared
// by the server and its clients.
//
// A signed request carries five headers:
//
//	X-Recheck-Key             the key's ID
//	X-Recheck-Timestamp       Unix seconds; refused when more than 5 minutes off
//	X-Recheck-Nonce           16-64 characters of [A-Za-z0-9_-], never used twice
//	X-Recheck-Content-SHA256  hex SHA-256 of the body (of nothing, for a GET)
//	X-Recheck-Signature       hex HMAC-SHA256 of StringToSign with the key's secret
//
// and the string to sign is five lines joined by "\n", without a final
// newline: the method, the request target (path and query exactly as
// sent), the timestamp, the nonce and the body's hex SHA-256.
package signing

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"time"
)

// The headers of a signed request.
const (
	HeaderKey           = "X-Recheck-Key"
	HeaderTimestamp     = "X-Recheck-Timestamp"
	HeaderNonce         = "X-Recheck-Nonce"
	HeaderContentSHA256 = "X-Recheck-Content-SHA256"
	HeaderSignature     = "X-Recheck-Signature"
)

// Window is how far a request's timestamp may be from the server's clock,
// either way; a nonce is remembered for twice as long.
const Window = 5 * time.Minute

// EmptySHA256 is the hex SHA-256 of an empty body.
const EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// StringToSign is what the signature covers.
func StringToSign(method, target, timestamp, nonce, bodySHA256 string) string {
	return method + "\n" + target + "\n" + timestamp + "\n" + nonce + "\n" + bodySHA256
}

// Sign returns the hex HMAC-SHA256 of StringToSign with secret.
func Sign(secret []byte, method, target, timestamp, nonce, bodySHA256 string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(StringToSign(method, target, timestamp, nonce, bodySHA256)))
	return hex.EncodeToString(mac.Sum(nil))
}

// Headers returns the headers that sign a request at now with key id and
// secret, for a body whose hex SHA-256 is bodySHA256.
func Headers(id string, secret []byte, method, target, bodySHA256 string, now time.Time) map[string]string {
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := NewNonce()
	return map[string]string{
		HeaderKey: id, HeaderTimestamp: ts, HeaderNonce: nonce, HeaderContentSHA256: bodySHA256,
		HeaderSignature: Sign(secret, method, target, ts, nonce, bodySHA256),
	}
}

// NewNonce returns 32 random hex characters.
func NewNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails on Linux
	return hex.EncodeToString(b)
}

var (
	noncePattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)
	sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ValidNonce reports whether s may serve as a nonce.
func ValidNonce(s string) bool { return noncePattern.MatchString(s) }

// ValidSHA256 reports whether s is a lower-case hex SHA-256.
func ValidSHA256(s string) bool { return sha256Pattern.MatchString(s) }

// Equal compares two signatures in constant time.
func Equal(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }
