package intake_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/recheck/recheck/intake"
	"github.com/recheck/recheck/internal/testclock"
	"github.com/recheck/recheck/metrics"
)

// staff is an intake API with staff users (password "secret" each; li a
// reviewer and wang of the records office of cjlu, zhao of another school,
// admin), their API tokens, an injected clock and metrics.
type staff struct {
	*bundle
	clock   *testclock.Clock
	tokens  map[string]string
	metrics *metrics.Metrics
	users   string // the users file
}

func setupStaff(t *testing.T, mutate ...func(*intake.Config, *intake.Deps)) *staff {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	require.NoError(t, err)
	s := &staff{clock: testclock.New(time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)), tokens: map[string]string{}, metrics: metrics.New()}
	sums := map[string]string{}
	for _, u := range []string{"admin", "li", "wang", "zhao"} {
		s.tokens[u], sums[u] = intake.NewAPIToken()
	}
	users := filepath.Join(t.TempDir(), "users.json")
	s.users = users
	h := string(hash)
	require.NoError(t, os.WriteFile(users, []byte(`{"users": [
		{"name": "admin", "password_bcrypt": "`+h+`", "role": "admin", "api_tokens_sha256": ["`+sums["admin"]+`"]},
		{"name": "li", "password_bcrypt": "`+h+`", "role": "reviewer", "schools": ["cjlu"], "api_tokens_sha256": ["`+sums["li"]+`"]},
		{"name": "wang", "password_bcrypt": "`+h+`", "role": "records_office", "schools": ["cjlu"], "api_tokens_sha256": ["`+sums["wang"]+`"]},
		{"name": "zhao", "password_bcrypt": "`+h+`", "role": "records_office", "schools": ["other"], "api_tokens_sha256": ["`+sums["zhao"]+`"]}]}`), 0o600))
	s.bundle = setup(t, append([]func(*intake.Config, *intake.Deps){func(c *intake.Config, d *intake.Deps) {
		c.AdminUsers, c.LoginLockAfter = users, 10
		c.SessionIdle, c.SessionMaxAge = 30*time.Minute, 12*time.Hour
		d.Now, d.Metrics = s.clock.Now, s.metrics
	}}, mutate...)...)
	return s
}

// browserClient is a browser as the service sees it: a cookie jar, no
// redirect followed, and the headers a browser adds to its requests.
type browserClient struct {
	t      *testing.T
	http   *http.Client
	origin string            // the Origin it sends with unsafe requests ("" for none)
	header map[string]string // more headers on every request
}

func (s *staff) browser(t *testing.T) *browserClient {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browserClient{t: t, origin: s.srv.URL, header: map[string]string{}, http: &http.Client{
		Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// do sends a request as the browser would.
func (b *browserClient) do(method, url, contentType string, body io.Reader) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, url, body)
	require.NoError(b.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "text/html,application/json")
	if method != http.MethodGet && b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	for k, v := range b.header {
		req.Header.Set(k, v)
	}
	resp, err := b.http.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return resp, string(raw)
}

// login posts the login form.
func (b *browserClient) login(base, user, password string) (*http.Response, string) {
	b.t.Helper()
	form := url.Values{"user": {user}, "password": {password}, "next": {"/admin/review?school=cjlu"}}
	return b.do(http.MethodPost, base+"/admin/login", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// csrfOf reads the form token of an admin page.
func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	require.NotNil(t, m, "the page has a form token")
	return m[1]
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if strings.HasSuffix(c.Name, "recheck_session") {
			return c
		}
	}
	return nil
}

// TestLoginStartsASession: a browser asking for a page is sent to the login
// page; the login form must come from this origin; a right password gives
// a session cookie (HttpOnly, SameSite=Strict; Secure and __Host- over
// TLS) and the page asked for; the session is kept in Redis by the
// SHA-256 of its ID only, and every intake process knows it.
func TestLoginStartsASession(t *testing.T) {
	t.Parallel()
	s := setupStaff(t)
	b := s.browser(t)
	resp, _ := b.do(http.MethodGet, s.srv.URL+"/admin/review?school=cjlu", "", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/admin/login?next=%2Fadmin%2Freview%3Fschool%3Dcjlu", resp.Header.Get("Location"))
	resp, page := b.do(http.MethodGet, s.srv.URL+"/admin/login?next=/admin/review", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, page, `type="password"`)
	require.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))

	b.origin = "http://evil.example"
	resp, _ = b.login(s.srv.URL, "li", "secret")
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "a login form posted from another site")
	b.origin = ""
	resp, _ = b.login(s.srv.URL, "li", "secret")
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "a login form without Origin")
	b.origin = s.srv.URL

	resp, page = b.login(s.srv.URL, "li", "wrong")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, page, "用户名或密码错误")
	require.Nil(t, sessionCookie(resp))
	s.clock.Advance(time.Second)
	resp, _ = b.login(s.srv.URL, "li", "secret")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/admin/review?school=cjlu", resp.Header.Get("Location"))
	c := sessionCookie(resp)
	require.NotNil(t, c)
	require.Equal(t, "recheck_session", c.Name)
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, c.SameSite)
	require.Equal(t, "/", c.Path)
	require.False(t, c.Secure, "plain HTTP here")

	resp, page = b.do(http.MethodGet, s.srv.URL+"/admin/review?school=cjlu", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, page)
	require.Contains(t, page, "退出登录")
	resp, _ = b.do(http.MethodGet, s.srv.URL+"/v1/schools/cjlu/reviews", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "the session reads the API too")
	require.False(t, bytes.Contains(s.redis.Dump(t), []byte(c.Value)), "Redis holds no session ID")

	// Another intake process on the same Redis knows the session.
	other := setup(t, func(cfg *intake.Config, d *intake.Deps) {
		cfg.AdminUsers = s.users
		d.Redis, d.Now = s.redis.Client, s.clock.Now
	})
	req, _ := http.NewRequest(http.MethodGet, other.srv.URL+"/v1/schools/cjlu/reviews", nil)
	req.AddCookie(c)
	resp2, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp2.Body.Close()
	require.Equal(t, http.StatusOK, resp2.StatusCode)

	// Over TLS (a proxy that says so), the cookie is Secure and __Host-.
	tls := s.browser(t)
	tls.header["X-Forwarded-Proto"] = "https"
	tls.origin = strings.Replace(s.srv.URL, "http://", "https://", 1)
	resp, _ = tls.login(s.srv.URL, "wang", "secret")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	c = sessionCookie(resp)
	require.Equal(t, "__Host-recheck_session", c.Name)
	require.True(t, c.Secure)
}

// TestSessionRotatesAndEnds: each login gives a new session ID and ends the
// one the browser had; a session unused for the idle time ends, and any
// session ends at its absolute age; logout ends it at once.
func TestSessionRotatesAndEnds(t *testing.T) {
	t.Parallel()
	s := setupStaff(t)
	b := s.browser(t)
	resp, _ := b.login(s.srv.URL, "li", "secret")
	first := sessionCookie(resp)
	resp, _ = b.login(s.srv.URL, "li", "secret")
	second := sessionCookie(resp)
	require.NotEqual(t, first.Value, second.Value, "a new ID at every login")
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/v1/schools/cjlu/reviews", nil)
	req.AddCookie(first)
	resp, body := plain(t, req)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the old session ended")
	require.Equal(t, "session_expired", errorOf(t, body)["code"])

	// Idle: used every 20 minutes, it lives; 31 minutes unused, it ends.
	for range 3 {
		s.clock.Advance(20 * time.Minute)
		resp, _ = b.do(http.MethodGet, s.srv.URL+"/v1/schools/cjlu/reviews", "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	s.clock.Advance(31 * time.Minute)
	resp, _ = b.do(http.MethodGet, s.srv.URL+"/admin/review?school=cjlu", "", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "idle too long: to the login page")

	// Absolute: used every 25 minutes, it still ends 12 hours after login.
	resp, _ = b.login(s.srv.URL, "li", "secret")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	start := s.clock.Now()
	for {
		resp, _ = b.do(http.MethodGet, s.srv.URL+"/v1/schools/cjlu/reviews", "", nil)
		if resp.StatusCode != http.StatusOK {
			break
		}
		s.clock.Advance(25 * time.Minute)
	}
	lived := s.clock.Now().Sub(start)
	require.GreaterOrEqual(t, lived, 12*time.Hour)
	require.Less(t, lived, 12*time.Hour+25*time.Minute)

	// Logout, a form with the session's token.
	resp, _ = b.login(s.srv.URL, "li", "secret")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page := b.do(http.MethodGet, s.srv.URL+"/admin/review?school=cjlu", "", nil)
	token := csrfOf(t, page)
	resp, _ = b.do(http.MethodPost, s.srv.URL+"/admin/logout", "application/x-www-form-urlencoded", strings.NewReader("csrf=wrong"))
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "logout is a form too")
	resp, _ = b.do(http.MethodPost, s.srv.URL+"/admin/logout", "application/x-www-form-urlencoded", strings.NewReader("csrf="+url.QueryEscape(token)))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = b.do(http.MethodGet, s.srv.URL+"/v1/schools/cjlu/reviews", "", nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "logged out")

	// The form token is the session's: a new login has a new one.
	resp, _ = b.login(s.srv.URL, "li", "secret")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page = b.do(http.MethodGet, s.srv.URL+"/admin/review?school=cjlu", "", nil)
	require.NotEqual(t, token, csrfOf(t, page), "rotated with the session")
}

// TestCookieRequestsMustComeFromThisOrigin: with a session (or basic auth,
// or the proxy), a request that may change something is refused unless it
// comes from this origin; with an API token (never sent by a browser on its
// own) or a signature it needs no Origin.
func TestCookieRequestsMustComeFromThisOrigin(t *testing.T) {
	t.Parallel()
	s := setupStaff(t, func(c *intake.Config, _ *intake.Deps) { c.AdminBasicAuth = true })
	b := s.browser(t)
	resp, _ := b.login(s.srv.URL, "wang", "secret")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	sameSite := strings.Replace(s.srv.URL, "127.0.0.1:", "127.0.0.1:1", 1) // another port: same site, other origin
	resolve := `{"note":"已核实"}`
	for _, tc := range []struct {
		name, origin, fetchSite string
	}{
		{"no Origin", "", ""},
		{"Origin null", "null", ""},
		{"another site", "http://evil.example", ""},
		{"another port of this host", sameSite, ""},
		{"Sec-Fetch-Site cross-site", s.srv.URL, "cross-site"},
		{"Sec-Fetch-Site same-site", s.srv.URL, "same-site"},
	} {
		b.origin = tc.origin
		delete(b.header, "Sec-Fetch-Site")
		if tc.fetchSite != "" {
			b.header["Sec-Fetch-Site"] = tc.fetchSite
		}
		resp, body := b.do(http.MethodPost, s.srv.URL+"/v1/schools/cjlu/students/S1/escalation/resolve", "application/json", strings.NewReader(resolve))
		require.Equal(t, http.StatusForbidden, resp.StatusCode, tc.name)
		require.Contains(t, body, `"cross_site_request"`, tc.name)
	}
	b.origin = s.srv.URL
	b.header["Sec-Fetch-Site"] = "same-origin"
	resp, body := b.do(http.MethodPost, s.srv.URL+"/v1/schools/cjlu/students/S1/escalation/resolve", "application/json", strings.NewReader(resolve))
	require.Equal(t, http.StatusConflict, resp.StatusCode, "from this origin it goes through (no case to close): %s", body)

	// An API token or basic auth from a script: no Origin needed; basic
	// auth from another origin is refused like a session.
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/v1/schools/cjlu/students/S1/escalation/resolve", strings.NewReader(resolve))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.tokens["wang"])
	resp, _ = plain(t, req)
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	req, _ = http.NewRequest(http.MethodPost, s.srv.URL+"/v1/schools/cjlu/students/S1/escalation/resolve", strings.NewReader(resolve))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("wang", "secret")
	resp, _ = plain(t, req)
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	req.Header.Set("Origin", "http://evil.example")
	req.Body = io.NopCloser(strings.NewReader(resolve))
	resp, _ = plain(t, req)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	// The queue UI's API is guarded the same way.
	b.origin = "http://evil.example"
	delete(b.header, "Sec-Fetch-Site")
	resp, _ = b.do(http.MethodPost, s.srv.URL+"/admin/asynq/api/queues/capture:pause", "", nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
}

// loginOnce posts the login form of name with password from a fresh
// browser.
func (s *staff) loginOnce(t *testing.T, name, password string) *http.Response {
	t.Helper()
	resp, _ := s.browser(t).login(s.srv.URL, name, password)
	return resp
}

// TestLoginThrottle: each wrong password makes the next attempt wait twice
// as long; the 10th locks the name, and then even the right password is
// refused until the records office lifts the lock; an unknown name is
// answered like a known one; every attempt is audited and counted, never
// with its password.
func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	s := setupStaff(t)
	for n := 1; n < 10; n++ {
		resp := s.loginOnce(t, "li", "guess")
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "wrong password %d", n)
		resp = s.loginOnce(t, "li", "secret")
		require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "right away after wrong password %d", n)
		wait := time.Second << (n - 1)
		require.Equal(t, strconv.Itoa(int(wait.Seconds())), resp.Header.Get("Retry-After"), "the %d-th wrong password waits %s", n, wait)
		s.clock.Advance(wait)
	}
	resp := s.loginOnce(t, "li", "guess")
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "the 10th wrong password locks")
	s.clock.Advance(time.Hour)
	resp = s.loginOnce(t, "li", "secret")
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "locked: the right password is refused")

	// A records office user of another school may not lift it; cjlu's may.
	unlock := func(who string) (*http.Response, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/v1/users/li/unlock", nil)
		req.Header.Set("Authorization", "Bearer "+s.tokens[who])
		return plain(t, req)
	}
	resp, _ = unlock("zhao")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, body := unlock("wang")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Equal(t, true, body["was_locked"])
	resp = s.loginOnce(t, "li", "secret")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "unlocked")

	// An unknown name gets the same answers.
	resp = s.loginOnce(t, "ghost", "guess")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp = s.loginOnce(t, "ghost", "guess")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)

	// The audit, newest first; no password anywhere.
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/v1/audit/logins?limit=5", nil)
	req.Header.Set("Authorization", "Bearer "+s.tokens["admin"])
	resp, body = plain(t, req)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	items := body["items"].([]any)
	require.Len(t, items, 5)
	first := items[0].(map[string]any)
	require.Regexp(t, `^unknown:[0-9a-f]{8}$`, first["user"], "an unknown name is kept as a digest: it may be a password typed in the wrong field")
	require.Equal(t, "throttled", first["outcome"])
	require.Equal(t, "li", items[len(items)-1].(map[string]any)["user"])
	require.NotEmpty(t, first["addr"])
	for _, where := range [][]byte{s.redis.Dump(t), s.log.Bytes()} {
		require.False(t, bytes.Contains(where, []byte("guess")), "no password is kept")
		require.False(t, bytes.Contains(where, []byte("ghost")), "nor an unknown name typed")
	}
	require.Equal(t, 11.0, counter(t, s.metrics, "recheck_logins_total", "wrong_password"), "failed logins are counted")
	req, _ = http.NewRequest(http.MethodGet, s.srv.URL+"/v1/audit/logins", nil)
	req.Header.Set("Authorization", "Bearer "+s.tokens["wang"])
	resp, _ = plain(t, req)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "the audit is for admins")
}

// TestLoginThrottlePerAddress: wrong passwords for many names from one
// address slow that address down after ten, even for a name not tried yet.
func TestLoginThrottlePerAddress(t *testing.T) {
	t.Parallel()
	s := setupStaff(t)
	for i := range 10 {
		resp := s.loginOnce(t, "name"+string(rune('a'+i)), "guess")
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, i)
	}
	resp := s.loginOnce(t, "name-k", "guess")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the 11th wrong password is still looked at")
	resp = s.loginOnce(t, "li", "secret")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "but this address now waits")
	s.clock.Advance(time.Second)
	resp = s.loginOnce(t, "li", "secret")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

// plain sends a request as is (unsigned) and decodes a JSON answer.
func plain(t *testing.T, req *http.Request) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if bytes.HasPrefix(raw, []byte("{")) {
		require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	}
	return resp, out
}

// counter reads a counter of a process's metrics by its one label's value.
func counter(t *testing.T, m *metrics.Metrics, name, label string) float64 {
	t.Helper()
	families, err := m.Registry().Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, mt := range f.GetMetric() {
			if len(mt.GetLabel()) == 1 && mt.GetLabel()[0].GetValue() == label {
				return mt.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestUnlockFromThePage: the records office lifts a lock from the
// escalations page (a form with the session's token).
func TestUnlockFromThePage(t *testing.T) {
	t.Parallel()
	s := setupStaff(t, func(c *intake.Config, _ *intake.Deps) { c.LoginLockAfter = 3 })
	for range 3 {
		s.loginOnce(t, "li", "guess")
		s.clock.Advance(time.Hour)
	}
	require.Equal(t, http.StatusForbidden, s.loginOnce(t, "li", "secret").StatusCode, "locked")
	b := s.browser(t)
	resp, _ := b.login(s.srv.URL, "wang", "secret")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, page := b.do(http.MethodGet, s.srv.URL+"/admin/escalations?school=cjlu", "", nil)
	require.Contains(t, page, "解除账号锁定")
	form := url.Values{"csrf": {csrfOf(t, page)}, "user": {"li"}, "school": {"cjlu"}}
	resp, _ = b.do(http.MethodPost, s.srv.URL+"/admin/unlock", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Location"), url.QueryEscape("已解锁账号 li"))
	require.Equal(t, http.StatusSeeOther, s.loginOnce(t, "li", "secret").StatusCode, "li logs in again")
}
