package intake

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/recheck/recheck/intake/signing"
	"github.com/recheck/recheck/internal/keyspace"
	"github.com/recheck/recheck/metrics"
)

// Proxy headers: a trusted reverse proxy that authenticates people itself
// (single sign-on) passes the user's name with the configured secret.
const (
	HeaderProxySecret = "X-Recheck-Proxy-Secret"
	HeaderProxyUser   = "X-Recheck-User"
)

// How a principal proved who it is.
const (
	viaSigned  = "signed"  // an upstream key's signature
	viaSession = "session" // a staff session cookie (the login page)
	viaToken   = "token"   // a user's API token (Authorization: Bearer)
	viaBasic   = "basic"   // HTTP basic auth, when RECHECK_ADMIN_BASIC_AUTH allows it
	viaProxy   = "proxy"   // a trusted reverse proxy's header
)

// authenticator tells who a request comes from: the upstream service (a
// signed request), or a user: a session of the login page, an API token,
// a trusted reverse proxy, or HTTP basic auth where allowed.
type authenticator struct {
	keys        map[string]UpstreamKey
	users       map[string]User
	tokens      map[string]string // SHA-256 of an API token (hex) → user name
	proxySecret string
	// basic allows HTTP basic auth (scripts that ask for it).
	basic    bool
	redis    redis.UniversalClient
	now      func() time.Time
	sessions *sessions
	throttle *loginThrottle
	metrics  *metrics.Metrics
	// dummy is a bcrypt hash of nothing, checked for unknown users so that
	// they are answered as slowly as known ones.
	dummy []byte

	mu       sync.Mutex
	verified map[[32]byte]time.Time // passwords bcrypt accepted lately
}

// passwordCache is how long a verified password is not checked by bcrypt
// again for basic auth (each check costs about 50 ms of CPU).
const passwordCache = 5 * time.Minute

func authError(status int, code, msg string) *apiError {
	return newError(status, code, msg)
}

// errNoCredentials is a request that brings none; a browser asking for a
// page is sent to the login page instead.
var errNoCredentials = authError(http.StatusUnauthorized, "unauthorized",
	"sign the request with an upstream key (X-Recheck-Key, X-Recheck-Timestamp, X-Recheck-Nonce, X-Recheck-Content-SHA256, X-Recheck-Signature), log in on /admin/login, or send a user's API token (Authorization: Bearer)")

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
		return userPrincipal(u, viaProxy), r, nil
	}
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		sum := sha256.Sum256([]byte(token))
		u, known := a.users[a.tokens[hex.EncodeToString(sum[:])]]
		if !known {
			return nil, r, authError(http.StatusUnauthorized, "token_invalid", "the API token is not one of RECHECK_ADMIN_USERS' api_tokens_sha256")
		}
		return userPrincipal(u, viaToken), r, nil
	}
	if name, pass, ok := r.BasicAuth(); ok {
		if !a.basic {
			return nil, r, authError(http.StatusUnauthorized, "basic_auth_off",
				"HTTP basic auth is off (RECHECK_ADMIN_BASIC_AUTH): log in on /admin/login, or send an API token (Authorization: Bearer)")
		}
		u, err := a.login(r, name, pass, viaBasic)
		if err != nil {
			return nil, r, err
		}
		return userPrincipal(u, viaBasic), r, nil
	}
	if id := cookieOf(r); id != "" {
		ss, err := a.sessions.get(r.Context(), id)
		if errors.Is(err, errNoSession) {
			return nil, r, authError(http.StatusUnauthorized, "session_expired", "the session has ended: log in again on /admin/login")
		}
		if err != nil {
			return nil, r, newError(http.StatusServiceUnavailable, "unavailable", "cannot read the session; retry later")
		}
		u, known := a.users[ss.User]
		if !known {
			return nil, r, authError(http.StatusUnauthorized, "session_expired", "the session's user is no longer in RECHECK_ADMIN_USERS")
		}
		p := userPrincipal(u, viaSession)
		p.session = ss
		return p, r, nil
	}
	return nil, r, errNoCredentials
}

func userPrincipal(u User, via string) *Principal {
	return &Principal{Name: u.Name, Role: u.Role, Via: via, schools: u.Schools}
}

// login checks a user's password from a client, throttled (see
// loginThrottle): a locked name is refused whatever the password, a client
// that must wait is refused before the password is looked at, an unknown
// name is checked against a dummy hash so that it takes as long as a known
// one. Every attempt is counted and audited, never with its password.
func (a *authenticator) login(r *http.Request, name, pass, via string) (User, *apiError) {
	ctx := r.Context()
	addr := clientAddr(r)
	if len(name) > 64 {
		name = name[:64]
	}
	u, known := a.users[name]
	// An unknown name is audited by a digest: people type their password
	// into the name field now and then, and no password is kept.
	shown := name
	if !known {
		sum := sha256.Sum256([]byte(name))
		shown = "unknown:" + hex.EncodeToString(sum[:4])
	}
	record := func(outcome string) {
		a.metrics.Login(outcome)
		e := loginEvent{At: a.now().UTC(), User: shown, Addr: addr, Via: via, Outcome: outcome}
		zerolog.Ctx(ctx).Info().Bool("audit", true).Str("event", "login").Str("user", shown).Str("addr", addr).
			Str("via", via).Str("outcome", outcome).Msg("login")
		if err := a.throttle.audit(context.WithoutCancel(ctx), e); err != nil {
			zerolog.Ctx(ctx).Warn().Err(err).Msg("login audit not stored")
		}
	}
	st, err := a.throttle.state(ctx, name, addr)
	if err != nil {
		return User{}, newError(http.StatusServiceUnavailable, "unavailable", "cannot check the login throttle; retry later")
	}
	switch {
	case st.Locked:
		record("locked")
		return User{}, authError(http.StatusForbidden, "account_locked",
			"too many wrong passwords: this user is locked until an admin or the records office unlocks it")
	case st.Wait > 0:
		record("throttled")
		e := authError(http.StatusTooManyRequests, "login_throttled",
			fmt.Sprintf("too many wrong passwords: wait %s before the next attempt", st.Wait.Round(time.Second)))
		e.RetryAt = a.now().Add(st.Wait).UTC().Format(time.RFC3339)
		return User{}, e
	}
	if !known || u.PasswordBcrypt == "" || !a.checkPassword(u, pass, via == viaBasic) {
		if !known || u.PasswordBcrypt == "" {
			_ = bcrypt.CompareHashAndPassword(a.dummy, []byte(pass)) // as slow as a known name
		}
		locked, err := a.throttle.failed(ctx, name, addr, known)
		if err != nil {
			zerolog.Ctx(ctx).Warn().Err(err).Msg("failed login not counted")
		}
		record("wrong_password")
		if locked {
			return User{}, authError(http.StatusForbidden, "account_locked",
				"too many wrong passwords: this user is locked until an admin or the records office unlocks it")
		}
		return User{}, authError(http.StatusUnauthorized, "unauthorized", "unknown user or wrong password")
	}
	if err := a.throttle.succeeded(ctx, name); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("login throttle not reset")
	}
	record("ok")
	return u, nil
}

// checkPassword compares with bcrypt; with cache set (basic auth, which
// sends the password with every request) it remembers success for a while.
func (a *authenticator) checkPassword(u User, pass string, cache bool) bool {
	key := sha256.Sum256([]byte(u.Name + "\x00" + u.PasswordBcrypt + "\x00" + pass))
	now := a.now()
	if cache {
		a.mu.Lock()
		if t, ok := a.verified[key]; ok && now.Sub(t) < passwordCache {
			a.mu.Unlock()
			return true
		}
		a.mu.Unlock()
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordBcrypt), []byte(pass)) != nil {
		return false
	}
	if cache {
		a.mu.Lock()
		defer a.mu.Unlock()
		if len(a.verified) > 10000 {
			clear(a.verified)
		}
		a.verified[key] = now
	}
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
	fresh, err := a.redis.SetNX(r.Context(), keyspace.Nonce(id, nonce), 1, 2*signing.Window).Result()
	if err != nil {
		return nil, r, newError(http.StatusServiceUnavailable, "unavailable", "cannot check the nonce; retry later")
	}
	if !fresh {
		return nil, r, authError(http.StatusUnauthorized, "signature_replayed", "this nonce was used already: every request needs a new one")
	}
	d := &digestBody{body: r.Body, h: sha256.New(), want: digest}
	r.Body = d
	r = r.WithContext(context.WithValue(r.Context(), digestKey{}, d))
	return &Principal{Upstream: true, Name: key.ID, Role: "upstream", Via: viaSigned, schools: key.Schools}, r, nil
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
