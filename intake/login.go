package intake

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/internal/keyspace"
	"github.com/recheck/recheck/texts"
)

// loginData is what the login page shows.
type loginData struct {
	Next, User, Error string
}

// loginPage is the login page: on its own, without the admin pages' layout
// (nobody is logged in yet).
var loginPage = template.Must(template.ParseFS(pageFS, "pages/login.html"))

// safeNext is where to go after logging in: a path of this site, or the
// review page.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/admin/review"
	}
	return next
}

// renderLogin writes the login page with status.
func renderLogin(w http.ResponseWriter, r *http.Request, status int, d loginData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	if err := loginPage.ExecuteTemplate(w, "login", d); err != nil {
		zerolog.Ctx(r.Context()).Error().Err(err).Str("page", "login").Msg("render")
	}
}

// getLogin shows the login page.
func (a *API) getLogin(w http.ResponseWriter, r *http.Request) {
	renderLogin(w, r, http.StatusOK, loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

// maxLoginForm bounds the login form's body.
const maxLoginForm = 8 << 10

// postLogin checks a user name and password from the login page (throttled:
// see loginThrottle) and starts a session: any session the browser had is
// ended and a new one, with a new ID and a new form token, is given. The
// form must come from this site's own page.
func (a *API) postLogin(w http.ResponseWriter, r *http.Request) {
	if e := sameOrigin(r, a.origins, true); e != nil {
		fail(w, r, e)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		fail(w, r, newError(http.StatusBadRequest, "invalid_request", "cannot read the login form"))
		return
	}
	d := loginData{Next: safeNext(r.PostFormValue("next")), User: strings.TrimSpace(r.PostFormValue("user"))}
	u, e := a.auth.login(r, d.User, r.PostFormValue("password"), viaSession)
	if e != nil {
		status := e.Status
		switch e.Code {
		case "login_throttled":
			d.Error = texts.LoginThrottled
			if wait := a.retryAfter(e); wait > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(wait))
				d.Error = texts.LoginWait(wait)
			}
		case "account_locked":
			d.Error = texts.LoginLocked
		case "unauthorized":
			d.Error = texts.LoginWrong
		default:
			d.Error = e.MessageZH
		}
		if ri, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
			ri.errCode = e.Code
		}
		renderLogin(w, r, status, d)
		return
	}
	if old := cookieOf(r); old != "" {
		_ = a.auth.sessions.end(r.Context(), old) // a new ID at every login
	}
	ss, err := a.auth.sessions.create(r.Context(), u.Name)
	if err != nil {
		fail(w, r, err)
		return
	}
	setSessionCookie(w, r, ss.id, a.cfg.SessionMaxAge)
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

// retryAfter is the whole seconds an error's RetryAt lies ahead, at least
// 1 (0 without one).
func (a *API) retryAfter(e *apiError) int {
	t, err := time.Parse(time.RFC3339, e.RetryAt)
	if err != nil {
		return 0
	}
	return max(1, int(math.Ceil(t.Sub(a.deps.Now()).Seconds())))
}

// postLogout ends the browser's session (a form of the admin pages, with
// its token).
func (a *API) postLogout(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	if p.session == nil {
		fail(w, r, newError(http.StatusBadRequest, "invalid_request", "only a session of the login page logs out"))
		return
	}
	if err := a.checkForm(r); err != nil {
		fail(w, r, err)
		return
	}
	if err := a.auth.sessions.end(r.Context(), p.session.id); err != nil {
		fail(w, r, err)
		return
	}
	clearSessionCookie(w, r)
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}

// mayUnlock reports whether p may lift the lock of the user named name: an
// admin anyone's; the records office that of a reviewer or records-office
// user who shares one of its schools.
func (a *API) mayUnlock(p *Principal, name string) bool {
	if !p.Upstream && p.Role == RoleAdmin {
		return true
	}
	u, known := a.auth.users[name]
	if p.Upstream || p.Role != RoleRecordsOffice || !known || u.Role == RoleAdmin {
		return false
	}
	return slices.ContainsFunc(u.Schools, func(s string) bool { return s != "*" && p.Allows(s) }) ||
		(slices.Contains(u.Schools, "*") && slices.Contains(p.schools, "*"))
}

// unlockView answers an unlock.
type unlockView struct {
	User      string `json:"user"`
	WasLocked bool   `json:"was_locked"`
}

// unlock lifts a user's lock and records who did.
func (a *API) unlock(r *http.Request, name string) (bool, error) {
	was, err := a.auth.throttle.unlock(r.Context(), name)
	if err != nil {
		return false, err
	}
	p := principalOf(r)
	zerolog.Ctx(r.Context()).Info().Bool("audit", true).Str("event", "unlock").Str("user", name).Str("by", p.Name).Bool("was_locked", was).Msg("login unlocked")
	_ = a.auth.throttle.audit(r.Context(), loginEvent{At: a.deps.Now().UTC(), User: name, Addr: clientAddr(r), Via: p.Via, Outcome: "unlocked_by:" + p.Name})
	return was, nil
}

// postUnlock lifts the lock of a user locked by wrong passwords (admin, or
// the records office for its schools' users).
func (a *API) postUnlock(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("user")
	if !capture.ValidID(name) {
		fail(w, r, newError(http.StatusNotFound, "not_found", "no such user"))
		return
	}
	if !a.mayUnlock(principalOf(r), name) {
		fail(w, r, forbidden(principalOf(r).Name+" may not unlock "+name))
		return
	}
	was, err := a.unlock(r, name)
	if err != nil {
		fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, unlockView{User: name, WasLocked: was})
}

// postUnlockPage is the unlock form of the escalations page.
func (a *API) postUnlockPage(w http.ResponseWriter, r *http.Request) {
	if err := a.checkForm(r); err != nil {
		fail(w, r, err)
		return
	}
	name := strings.TrimSpace(r.PostFormValue("user"))
	back := "/admin/escalations?school=" + url.QueryEscape(r.PostFormValue("school"))
	if !capture.ValidID(name) || !a.mayUnlock(principalOf(r), name) {
		http.Redirect(w, r, back+"&error="+url.QueryEscape(texts.UnlockRefused(truncate(name, 64))), http.StatusSeeOther)
		return
	}
	was, err := a.unlock(r, name)
	if err != nil {
		fail(w, r, err)
		return
	}
	http.Redirect(w, r, back+"&ok="+url.QueryEscape(texts.Unlocked(name, was)), http.StatusSeeOther)
}

// getLoginAudit lists the latest login events, newest first (admins).
func (a *API) getLoginAudit(w http.ResponseWriter, r *http.Request) {
	if p := principalOf(r); p.Upstream || p.Role != RoleAdmin {
		fail(w, r, forbidden("the login audit is for admins"))
		return
	}
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > auditKeep {
			fail(w, r, fieldError("invalid_field", "limit", fmt.Sprintf("limit must be 1-%d", auditKeep)))
			return
		}
		limit = n
	}
	raw, err := a.deps.Redis.LRange(r.Context(), keyspace.AuditLogins, 0, int64(limit-1)).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		fail(w, r, err)
		return
	}
	items := []loginEvent{}
	for _, e := range raw {
		var ev loginEvent
		if json.Unmarshal([]byte(e), &ev) == nil {
			items = append(items, ev)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}
