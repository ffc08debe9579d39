package intake

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/recheck/recheck/internal/keyspace"
)

// Staff sessions: a browser logs in on the login page and carries a session
// cookie; the session lives in Redis, so that every intake process knows
// it. The cookie holds a random ID; Redis holds only its SHA-256, so a
// Redis dump gives no one a session.

// The session cookie's names: with TLS the __Host- prefix pins it to this
// host, path / and Secure.
const (
	sessionCookie       = "recheck_session"
	sessionCookieSecure = "__Host-recheck_session"
)

// session is one logged-in browser.
type session struct {
	User string `json:"user"`
	// CSRF is the token the session's forms carry; a new session (each
	// login) has a new one.
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
	// Seen is when the session was last used (refreshed at most once a
	// minute): the idle expiry counts from it.
	Seen time.Time `json:"seen"`

	id string // the cookie's value; never stored
}

// sessionKey is the Redis key of a session ID.
func sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return keyspace.Session(hex.EncodeToString(sum[:]))
}

// randomToken is n random bytes, URL-safe.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on Linux
	return base64.RawURLEncoding.EncodeToString(b)
}

// sessions keeps staff sessions in Redis.
type sessions struct {
	redis redis.UniversalClient
	now   func() time.Time
	// idle ends a session unused that long; maxAge ends any session that
	// old.
	idle, maxAge time.Duration
}

// create starts a session for user and returns it, with its ID.
func (s *sessions) create(ctx context.Context, user string) (*session, error) {
	now := s.now().UTC()
	ss := &session{User: user, CSRF: randomToken(32), Created: now, Seen: now, id: randomToken(32)}
	data, _ := json.Marshal(ss)
	if err := s.redis.Set(ctx, sessionKey(ss.id), data, s.idle).Err(); err != nil {
		return nil, fmt.Errorf("intake: store session: %w", err)
	}
	return ss, nil
}

// errNoSession is a cookie whose session does not exist (any more).
var errNoSession = errors.New("intake: no such session")

// get returns the session of id, refreshing its idle expiry; errNoSession
// when it is unknown, idle too long or too old.
func (s *sessions) get(ctx context.Context, id string) (*session, error) {
	if id == "" || len(id) > 128 {
		return nil, errNoSession
	}
	key := sessionKey(id)
	data, err := s.redis.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("intake: read session: %w", err)
	}
	var ss session
	if err := json.Unmarshal(data, &ss); err != nil {
		return nil, errNoSession
	}
	ss.id = id
	now := s.now().UTC()
	if now.Sub(ss.Created) >= s.maxAge || now.Sub(ss.Seen) >= s.idle {
		// Redis's expiry ends idle sessions too; this holds on any clock.
		_ = s.redis.Del(ctx, key).Err()
		return nil, errNoSession
	}
	if now.Sub(ss.Seen) >= time.Minute {
		ss.Seen = now
		data, _ = json.Marshal(&ss)
		// The idle expiry, never past the absolute one.
		ttl := min(s.idle, s.maxAge-now.Sub(ss.Created))
		if err := s.redis.Set(ctx, key, data, ttl).Err(); err != nil {
			return nil, fmt.Errorf("intake: refresh session: %w", err)
		}
	}
	return &ss, nil
}

// end deletes a session.
func (s *sessions) end(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	return s.redis.Del(ctx, sessionKey(id)).Err()
}

// cookieOf reads the session cookie of a request ("" without one).
func cookieOf(r *http.Request) string {
	for _, name := range []string{sessionCookieSecure, sessionCookie} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// secureRequest reports whether the browser reached the service over TLS:
// directly, or through a proxy that says so.
func secureRequest(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

// setSessionCookie gives the browser its session: HttpOnly (no script
// reads it), SameSite=Strict (no other site's page sends it), Secure and
// __Host- over TLS; it lives as long as the session may.
func setSessionCookie(w http.ResponseWriter, r *http.Request, id string, maxAge time.Duration) {
	c := &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: int(maxAge.Seconds())}
	if secureRequest(r) {
		c.Name, c.Secure = sessionCookieSecure, true
	}
	http.SetCookie(w, c)
}

// clearSessionCookie removes the session cookie from the browser.
func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	c := &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1}
	if secureRequest(r) {
		c.Name, c.Secure = sessionCookieSecure, true
	}
	http.SetCookie(w, c)
}
