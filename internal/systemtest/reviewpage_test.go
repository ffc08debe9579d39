package systemtest

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// chromium starts headless Chromium (Debian's, which make setup installs)
// with a fresh profile.
func chromium(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	require.NoError(t, err, "the review page is tested in Debian's chromium: run make setup")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 1000),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// browser starts headless Chromium logged in as user on the login page
// (every test user's password is "secret"), showing page.
func browser(t *testing.T, w *world, user, page string) context.Context {
	t.Helper()
	ctx := chromium(t)
	login(t, ctx, w, user, "secret", page)
	return ctx
}

// login fills in the login page, sent there by asking for page, and waits
// for page.
func login(t *testing.T, ctx context.Context, w *world, user, password, page string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(w.api.URL+page),
		chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SendKeys(chromedp.CSS(`#user`), user),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`header`)),
	))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		require.NoError(t, err)
		if strings.HasSuffix(loc, page) {
			return
		}
		require.False(t, time.Now().After(deadline), "logged in, the browser is at %s, not %s", loc, page)
	}
}

// shot writes a PNG of the page to $RECHECK_SCREENSHOTS (make screenshots).
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("RECHECK_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
}

// eval runs a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, expr)
	return v
}

// flashSays waits for the page after a form (a new page) to say text.
func flashSays(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	expr := `(function(){var f=document.querySelector('#flash');return f!==null&&f.textContent.includes(` + "`" + text + "`" + `)})()`
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return
		}
		if !time.Now().After(deadline) {
			continue
		}
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("the page never said %q; it shows:\n%s", text, body)
	}
}

// TestReviewPageInABrowser: a reviewer approves the first capture with the
// keyboard and rejects the next with a reason; the records office closes a
// case with a note; every action is on the record; a form without its
// token, or from another site, is refused.
func TestReviewPageInABrowser(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=S1")
	w.putAdmission("S2", "person=S2")
	first := w.pass("S1", "person=S1;score=92")
	second := w.pass("S2", "person=S2;score=84;print=1")
	w.putAdmission("S3", "person=mallory")
	disputed := w.accepted("S3", "person=S3")
	status, body := w.confirm(disputed, "wrong")
	require.Equal(t, http.StatusOK, status, body)

	ctx := browser(t, w, "li", "/admin/review?school=cjlu")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`section.card`))))
	shot(t, ctx, "review-page.png")
	require.Equal(t, 2, eval[int](t, ctx, `document.querySelectorAll('section.card').length`))
	require.Equal(t, first, eval[string](t, ctx, `document.querySelector('section.card').dataset.capture`), "oldest first")
	page := eval[string](t, ctx, `document.querySelector('main').innerText`)
	for _, want := range []string{"人像比对分数", "92.0", "人证核验", "通过", "原始照片", "标准化照片", "录取照片", "疑似翻拍"} {
		require.Contains(t, page, want)
	}
	require.Equal(t, "rephotographed", eval[string](t, ctx, `document.querySelector('#c-`+second+` .flags span').title`), "the code on hover")
	require.Equal(t, 6, eval[int](t, ctx, `Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length`), "every photo loads")

	// A approves the first card.
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent("a")))
	flashSays(t, ctx, "已通过")
	w.idle()
	c := w.capture(first)
	require.Equal(t, "approved", c["state"])
	require.Equal(t, "reviewer:li", c["decision"].(map[string]any)["reviewer"])
	require.Equal(t, 1, eval[int](t, ctx, `document.querySelectorAll('section.card').length`), "it left the list")

	// R, a reason, Enter rejects the next.
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent("r"), chromedp.SendKeys(chromedp.CSS(`input.reason`), "背景有阴影"), chromedp.KeyEvent("\r")))
	flashSays(t, ctx, "已驳回")
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#empty`))))
	w.idle()
	c = w.capture(second)
	require.Equal(t, "review_rejected", c["state"])
	require.Equal(t, "背景有阴影", c["decision"].(map[string]any)["reason"])

	// The records office closes the case with a note.
	office := browser(t, w, "wang", "/admin/escalations?school=cjlu")
	require.NoError(t, chromedp.Do(office, chromedp.WaitVisible(chromedp.CSS(`#s-S3`))))
	shot(t, office, "escalations-page.png")
	require.NoError(t, chromedp.Do(office,
		chromedp.SendKeys(chromedp.CSS(`#s-S3 input[name=note]`), "已核实本人，录取照片有误，已联系招生办更换"),
		chromedp.Click(chromedp.CSS(`#s-S3 button`))))
	flashSays(t, office, "已办结")
	s := w.summary("S3")
	require.Nil(t, s["case"], "the case is closed")

	// Forms need their token and this site.
	form := url.Values{"decision": {"approve"}, "school": {"cjlu"}}
	req, _ := http.NewRequest(http.MethodPost, w.api.URL+"/admin/review/"+second, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+w.tokens["li"])
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "no token")
	resp, _ = w.as("upstream", http.MethodGet, "/admin/review?school=cjlu", "", nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "the upstream is not a reviewer")
	resp, _ = w.as("", http.MethodGet, "/admin/review?school=cjlu", "", nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "a script without credentials is refused")
}
