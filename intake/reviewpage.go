package intake

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/identity"
	"github.com/recheck/recheck/internal/keyspace"
	"github.com/recheck/recheck/texts"
)

//go:embed pages/*.html
var pageFS embed.FS

// pages are the admin pages: one layout, a body per page.
var pages = func() map[string]*template.Template {
	base := template.Must(template.New("").ParseFS(pageFS, "pages/*.html"))
	out := map[string]*template.Template{}
	for name, body := range map[string]string{"review": "reviewBody", "escalations": "escalationsBody"} {
		t := template.Must(base.Clone())
		template.Must(t.New("body").Parse(`{{template "` + body + `" .}}`))
		out[name] = t
	}
	return out
}()

type flash struct{ Kind, Text string }

// pageData is what the layout shows.
type pageData struct {
	Title, Path, School, User, Role, RoleZH, CSRF string
	// Session is true for a user logged in on the login page (who may log
	// out); LockAfter is the wrong passwords that lock a user.
	Session   bool
	LockAfter int
	Flash     *flash
	Items     []pageItem
	Cases     []pageCase
	Next      string
	// ChooseSchool is true on a page opened without a school: it lists
	// Schools, those with work waiting that the user may see.
	ChooseSchool bool
	Schools      []capture.SchoolWork
}

type measureRow struct{ Code, Label, Value string }

type pageItem struct {
	reviewItem
	DocTypeZH, CTIDZH, CTIDCode string
	MeasureRows                 []measureRow
}

type pageCase struct {
	caseItem
	Reason, ReasonZH, OpenedAt string
}

// csrfKey is shared by every intake process through Redis, so a form
// rendered by one is accepted by another; each process reads it once.
func (a *API) csrfKey(ctx context.Context) ([]byte, error) {
	if k := a.csrf.Load(); k != nil {
		return *k, nil
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	key := keyspace.FormKey
	if err := a.deps.Redis.SetNX(ctx, key, hex.EncodeToString(b), 0).Err(); err != nil {
		return nil, fmt.Errorf("intake: csrf key: %w", err)
	}
	v, err := a.deps.Redis.Get(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("intake: csrf key: %w", err)
	}
	k, err := hex.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("intake: csrf key: %w", err)
	}
	a.csrf.Store(&k)
	return k, nil
}

// formToken is the token the admin pages' forms carry: the session's own,
// made at login and gone with the session; a user of the reverse proxy (or
// of basic auth) has no session here, and gets a keyed hash of their name.
func (a *API) formToken(r *http.Request) (string, error) {
	p := principalOf(r)
	if p.session != nil {
		return p.session.CSRF, nil
	}
	key, err := a.csrfKey(r.Context())
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("csrf:" + p.Via + ":" + p.Name))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// checkForm refuses a form post without this session's token (the origin
// was checked for every such request before: see sameOrigin).
func (a *API) checkForm(r *http.Request) error {
	r.Body = http.MaxBytesReader(nil, r.Body, maxJSONBody)
	want, err := a.formToken(r)
	if err != nil {
		return err
	}
	if !hmac.Equal([]byte(want), []byte(r.PostFormValue("csrf"))) {
		return newError(http.StatusForbidden, "csrf_invalid", "the form's token is missing or wrong: reload the page")
	}
	return nil
}

// page renders an admin page.
func (a *API) page(w http.ResponseWriter, r *http.Request, name string, d pageData) {
	p := principalOf(r)
	d.User, d.Role, d.RoleZH, d.Path = p.Name, p.Role, texts.Roles.Text(p.Role), r.URL.Path
	d.Session, d.LockAfter = p.session != nil, a.cfg.LoginLockAfter
	var err error
	if d.CSRF, err = a.formToken(r); err != nil {
		fail(w, r, err)
		return
	}
	if msg := r.URL.Query().Get("ok"); msg != "" {
		d.Flash = &flash{"ok", msg}
	} else if msg := r.URL.Query().Get("error"); msg != "" {
		d.Flash = &flash{"err", msg}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY")
	if err := pages[name].ExecuteTemplate(w, "layout", d); err != nil {
		zerolog.Ctx(r.Context()).Error().Err(err).Str("page", name).Msg("render")
	}
}

// pageSchool is the school a page shows: the query's, or the user's only
// school.
func pageSchool(r *http.Request) string {
	if s := r.URL.Query().Get("school"); s != "" {
		return s
	}
	if s := principalOf(r).schools; len(s) == 1 && s[0] != "*" {
		return s[0]
	}
	return ""
}

// getReviewPage lists a school's captures waiting for review, oldest
// first, for reviewers.
func (a *API) getReviewPage(w http.ResponseWriter, r *http.Request) {
	d := pageData{Title: texts.PageReview, School: pageSchool(r)}
	if d.School == "" {
		a.schoolsPage(w, r, "review", d)
		return
	}
	if !maySchool(w, r, d.School, RoleReviewer) {
		return
	}
	recs, next, err := a.listState(r.Context(), d.School, capture.PendingReview, r.URL.Query().Get("cursor"), 20)
	if err != nil {
		fail(w, r, err)
		return
	}
	d.Next = next
	for _, rec := range recs {
		it := pageItem{reviewItem: a.reviewItemOf(r.Context(), rec), DocTypeZH: identity.DocumentType(rec.Document.Type).LabelZH()}
		it.EnteredAt = rec.Last().At.In(shanghai).Format("2006-01-02 15:04")
		if it.CTID != nil {
			it.CTIDCode = it.CTID.Outcome
		}
		it.CTIDZH = texts.CTIDResults.Text(it.CTIDCode)
		codes := make([]string, 0, len(rec.Measures))
		for c := range rec.Measures {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		for _, c := range codes {
			label := texts.Measures.Text(c)
			if label == "" {
				label = c
			}
			it.MeasureRows = append(it.MeasureRows, measureRow{c, label, strconv.FormatFloat(rec.Measures[c], 'f', -1, 64)})
		}
		d.Items = append(d.Items, it)
	}
	a.page(w, r, "review", d)
}

// postReviewPage records a verdict from the page and goes back to it.
func (a *API) postReviewPage(w http.ResponseWriter, r *http.Request) {
	rec, ok := a.lookupCapture(w, r)
	if !ok || !mayWork(w, r, rec.School, RoleReviewer) {
		return
	}
	if err := a.checkForm(r); err != nil {
		fail(w, r, err)
		return
	}
	back := "/admin/review?school=" + url.QueryEscape(rec.School)
	d := capture.Decision(r.PostFormValue("decision"))
	saved, err := a.deps.Lifecycle.Review(r.Context(), rec.ID, d, r.PostFormValue("reason"), principalOf(r).Name)
	var inv *capture.InvalidError
	var ce *capture.ConflictError
	switch {
	case errors.As(err, &inv):
		http.Redirect(w, r, back+"&error="+url.QueryEscape(reviewErrorZH(inv)), http.StatusSeeOther)
		return
	case errors.As(err, &ce):
		// Reviewed meanwhile by someone else, or no longer the student's
		// current capture: say so on the page.
		http.Redirect(w, r, back+"&error="+url.QueryEscape(ce.MessageZH), http.StatusSeeOther)
		return
	case !a.committed(w, r, saved != nil, err):
		return
	}
	msg := texts.Approved(rec.StudentID)
	if d == capture.Reject {
		msg = texts.Rejected(rec.StudentID)
	}
	http.Redirect(w, r, back+"&ok="+url.QueryEscape(msg), http.StatusSeeOther)
}

func reviewErrorZH(e *capture.InvalidError) string {
	if e.Field == "reason" {
		return texts.ReasonRequired
	}
	return texts.NotDone(e.Message)
}

// schoolsPage is a staff page without a school chosen: the schools the
// user may work for that have captures waiting for review or open cases,
// each a link to its page.
func (a *API) schoolsPage(w http.ResponseWriter, r *http.Request, name string, d pageData) {
	p := principalOf(r)
	schools := p.schools
	if p.Role == RoleAdmin {
		schools = []string{"*"}
	}
	work, err := a.deps.Lifecycle.Store().Waiting(r.Context(), schools)
	if err != nil {
		fail(w, r, err)
		return
	}
	d.Schools = work
	d.ChooseSchool = true
	a.page(w, r, name, d)
}

// getEscalationsPage lists a school's open cases for the records office.
func (a *API) getEscalationsPage(w http.ResponseWriter, r *http.Request) {
	d := pageData{Title: texts.PageEscalations, School: pageSchool(r)}
	if d.School == "" {
		a.schoolsPage(w, r, "escalations", d)
		return
	}
	if !maySchool(w, r, d.School, RoleRecordsOffice) {
		return
	}
	items, next, err := a.openCases(r.Context(), d.School, r.URL.Query().Get("cursor"), 50)
	if err != nil {
		fail(w, r, err)
		return
	}
	d.Next = next
	for _, it := range items {
		d.Cases = append(d.Cases, pageCase{caseItem: it, Reason: it.Case.Reason, ReasonZH: texts.Cases.Text(it.Case.Reason),
			OpenedAt: it.Case.OpenedAt.In(shanghai).Format("2006-01-02 15:04")})
	}
	a.page(w, r, "escalations", d)
}

// postResolvePage closes a case from the page and goes back to it.
func (a *API) postResolvePage(w http.ResponseWriter, r *http.Request) {
	school, student, ok := studentPath(w, r)
	if !ok || !mayWork(w, r, school, RoleRecordsOffice) {
		return
	}
	if err := a.checkForm(r); err != nil {
		fail(w, r, err)
		return
	}
	back := "/admin/escalations?school=" + url.QueryEscape(school)
	j, err := a.deps.Lifecycle.Resolve(r.Context(), school, student, r.PostFormValue("note"), capture.RecordsOffice(principalOf(r).Name))
	var inv *capture.InvalidError
	var ce *capture.ConflictError
	switch {
	case errors.As(err, &inv):
		http.Redirect(w, r, back+"&error="+url.QueryEscape(texts.ResolutionRequired), http.StatusSeeOther)
		return
	case errors.As(err, &ce):
		http.Redirect(w, r, back+"&error="+url.QueryEscape(ce.MessageZH), http.StatusSeeOther)
		return
	case !a.committed(w, r, j != nil, err):
		return
	}
	http.Redirect(w, r, back+"&ok="+url.QueryEscape(texts.Resolved(student)), http.StatusSeeOther)
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()
