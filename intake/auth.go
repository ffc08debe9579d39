package intake

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"

	"github.com/recheck/recheck/intake/signing"
)

// Proxy headers: a trusted reverse proxy that authenticates people itself
// (single sign-on) passes the user's name with the configured secret.
const (
	HeaderProxySecret = "X-Recheck-Proxy-Secret"
	HeaderProxyUser   = "X-Recheck-User"
)

// authenticator tells who a request comes from: the upstream service (a
// signed request), or a user (HTTP basic auth, or a trusted reverse proxy).
type authenticator struct {
	keys        map[string]UpstreamKey
	users       map[string]User
	proxySecret string
	redis       redis.UniversalClient
	now         func() time.Time

	mu       sync.Mutex
	verified map[[32]byte]time.Time // passwords bcrypt accepted lately
}

// passwordCache is how long a verified password is not checked by bcrypt
// again (each check costs about 50 ms of CPU).
const passwordCache = 5 * time.Minute

func authError(status int, code, msg string) *apiError {
	return newError(status, code, msg)
}

// authenticate returns the principal of r, or the 401 that refuses it. A
// signed request's body is checked against its declared digest as it is
// read (see verifyBody).
func (a *authenticator) authenticate(r *http.Request) (*Principal, *http.Request, *apiError) {
	if id := r.Header.Get(signing.HeaderKey); id != "" {
		return a.upstream(r, id)
	}
	if a.proxySecret != "" && r.Header.Get(HeaderProxySecret) != "" {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get(HeaderProxySecret)), []byte(a.proxySecret)) != 1 {
			return nil, r, authError(http.StatusUnauthorized, "unauthorized", "the reverse proxy's secret is wrong")
		}
		u, ok := a.users[r.Header.Get(HeaderProxyUser)]
		if !ok {
			return nil, r, authError(http.StatusUnauthorized, "unauthorized", "the proxy's user is not in RECHECK_ADMIN_USERS")
		}
		return userPrincipal(u), r, nil
	}
	if name, pass, ok := r.BasicAuth(); ok {
		u, known := a.users[name]
		if !known || u.PasswordBcrypt == "" || !a.checkPassword(u, pass) {
			return nil, r, authError(http.StatusUnauthorized, "unauthorized", "unknown user or wrong password")
		}
		return userPrincipal(u), r, nil
	}
	return nil, r, authError(http.StatusUnauthorized, "unauthorized",
		"sign the request with an upstream key (X-Recheck-Key, X-Recheck-Timestamp, X-Recheck-Nonce, X-Recheck-Content-SHA256, X-Recheck-Signature) or log in as a user")
}

func userPrincipal(u User) *Principal {
	return &Principal{Name: u.Name, Role: u.Role, schools: u.Schools}
}

// checkPassword compares with bcrypt, remembering success for a while.
func (a *authenticator) checkPassword(u User, pass string) bool {
	key := sha256.Sum256([]byte(u.Name + "\x00" + u.PasswordBcrypt + "\x00" + pass))
	now := a.now()
	a.mu.Lock()
	if t, ok := a.verified[key]; ok && now.Sub(t) < passwordCache {
		a.mu.Unlock()
		return true
	}
	a.mu.Unlock()
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordBcrypt), []byte(pass)) != nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.verified) > 10000 {
		clear(a.verified)
	}
	a.verified[key] = now
	return true
}

// upstream checks a signed request: a known key, a timestamp within the
// window, a well-formed nonce and digest, the signature, and a nonce never
// seen (remembered in Redis for twice the window).
func (a *authenticator) upstream(r *http.Request, id string) (*Principal, *http.Request, *apiError) {
	invalid := func(msg string) (*Principal, *http.Request, *apiError) {
		return nil, r, authError(http.StatusUnauthorized, "signature_invalid", msg)
	}
	key, ok := a.keys[id]
	if !ok {
		return invalid("unknown key " + truncate(id, 64))
	}
	tsText := r.Header.Get(signing.HeaderTimestamp)
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return invalid(signing.HeaderTimestamp + " must be Unix seconds")
	}
	if skew := a.now().Sub(time.Unix(ts, 0)); skew > signing.Window || skew < -signing.Window {
		return nil, r, authError(http.StatusUnauthorized, "signature_expired",
			fmt.Sprintf("the timestamp is %s off the server's clock; at most %s is accepted", skew.Round(time.Second), signing.Window))
	}
	nonce, digest := r.Header.Get(signing.HeaderNonce), r.Header.Get(signing.HeaderContentSHA256)
	if !signing.ValidNonce(nonce) {
		return invalid(signing.HeaderNonce + " must be 16-64 letters, digits, '_' or '-'")
	}
	if !signing.ValidSHA256(digest) {
		return invalid(signing.HeaderContentSHA256 + " must be the body's SHA-256 in lower-case hex")
	}
	want := signing.Sign([]byte(key.Secret), r.Method, r.URL.RequestURI(), tsText, nonce, digest)
	if !signing.Equal(want, r.Header.Get(signing.HeaderSignature)) {
		return invalid("the signature does not match: sign method, path with query, timestamp, nonce and body SHA-256, one per line")
	}
	fresh, err := a.redis.SetNX(r.Context(), "recheck:nonce:"+id+":"+nonce, 1, 2*signing.Window).Result()
	if err != nil {
		return nil, r, newError(http.StatusServiceUnavailable, "unavailable", "cannot check the nonce; retry later")
	}
	if !fresh {
		return nil, r, authError(http.StatusUnauthorized, "signature_replayed", "this nonce was used already: every request needs a new one")
	}
	d := &digestBody{body: r.Body, h: sha256.New(), want: digest}
	r.Body = d
	r = r.WithContext(context.WithValue(r.Context(), digestKey{}, d))
	return &Principal{Upstream: true, Name: key.ID, Role: "upstream", schools: key.Schools}, r, nil
}

// digestBody hashes a signed request's body as the handler reads it, so
// that it is never held twice.
type digestBody struct {
	body io.ReadCloser
	h    hash.Hash
	want string
}

func (d *digestBody) Read(p []byte) (int, error) {
	n, err := d.body.Read(p)
	d.h.Write(p[:n])
	return n, err
}

func (d *digestBody) Close() error { return d.body.Close() }

type digestKey struct{}

// errBodyDigest is a signed request whose body is not the one signed.
var errBodyDigest = authError(http.StatusUnauthorized, "body_digest_mismatch", "the body does not match "+signing.HeaderContentSHA256)

// maxTrailing bounds what verifyBody reads after the handler stopped.
const maxTrailing = 1 << 20

// verifyBody checks, once the handler has read what it needs and before it
// changes anything, that a signed request's body is the one its signature
// covers: it reads what is left (at most 1 MB) and compares the digest.
// Requests that are not signed pass.
func verifyBody(r *http.Request) error {
	d, ok := r.Context().Value(digestKey{}).(*digestBody)
	if !ok {
		return nil
	}
	n, err := io.Copy(io.Discard, io.LimitReader(d, maxTrailing+1))
	if err != nil && !errors.Is(err, io.EOF) {
		return bodyError(err)
	}
	if n > maxTrailing {
		return newError(http.StatusRequestEntityTooLarge, "request_too_large", "the body goes on after the request's content")
	}
	if !signing.Equal(fmt.Sprintf("%x", d.h.Sum(nil)), d.want) {
		return errBodyDigest
	}
	return nil
}
