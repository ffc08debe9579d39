package systemtest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/jobs"
	"github.com/recheck/recheck/worker/workertest"
)

// attackPage is another site's page (another port of the same host: the
// same site, so a SameSite=Strict cookie goes with its requests) that makes
// the staff member's browser replace an admission photo, pause the capture
// queue in the queue UI and approve a capture, then says it is done.
const attackPage = `<!doctype html><html><body><form id="f" method="post" target="sink" action="%[1]s/admin/review/%[3]s">
<input type="hidden" name="decision" value="approve"></form><iframe name="sink"></iframe>
<script>
const photo = Uint8Array.from(atob("%[2]s"), c => c.charCodeAt(0));
const fd = new FormData();
fd.append("reason", "录取照片有误");
fd.append("photo", new Blob([photo], {type: "image/png"}), "p.png");
document.getElementById("f").submit();
Promise.allSettled([
  fetch("%[1]s/v1/schools/cjlu/students/S1/admission-photo/replacement", {method: "POST", body: fd, mode: "no-cors", credentials: "include"}),
  fetch("%[1]s/admin/asynq/api/queues/capture:pause", {method: "POST", mode: "no-cors", credentials: "include"}),
]).then(() => setTimeout(() => { document.title = "done"; }, 500));
</script></body></html>`

// TestCrossSiteAttackIsRefusedInABrowser: an admin logged in on the login
// page opens a page on another port of the same host; the requests it makes
// the browser send, with the session cookie, are refused, and nothing
// changes. The same requests from the service's own page go through.
func TestCrossSiteAttackIsRefusedInABrowser(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=alice")
	id := w.pass("S1", "person=alice")
	require.Equal(t, "pending_review", w.state(id))
	before, err := w.lc.Store().AdmissionPhoto(w.ctx, "cjlu", "S1")
	require.NoError(t, err)

	ctx := browser(t, w, "admin", "/admin/review?school=cjlu")
	mallory := base64.StdEncoding.EncodeToString(workertest.Photo("person=mallory"))
	evil := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, attackPage, w.api.URL, mallory, id)
	}))
	t.Cleanup(evil.Close)
	require.NotEqual(t, evil.URL, w.api.URL)
	require.Equal(t, strings.Split(evil.URL, ":")[1], strings.Split(w.api.URL, ":")[1], "the same host, another port")
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(evil.URL)))
	for deadline := time.Now().Add(20 * time.Second); eval[string](t, ctx, `document.title`) != "done"; time.Sleep(20 * time.Millisecond) {
		require.False(t, time.Now().After(deadline), "the attack page never finished")
	}
	w.idle()

	after, err := w.lc.Store().AdmissionPhoto(w.ctx, "cjlu", "S1")
	require.NoError(t, err)
	require.Equal(t, before.SHA256, after.SHA256, "the admission photo was not replaced")
	q, err := w.insp.GetQueueInfo(jobs.QueueCapture)
	require.NoError(t, err)
	require.False(t, q.Paused, "the capture queue was not paused")
	require.Equal(t, "pending_review", w.state(id), "the capture was not approved")
	require.GreaterOrEqual(t, strings.Count(w.logs.String(), `"cross_site_request"`), 3, "each was refused as cross-site:\n%s", w.logs.String())

	// From the service's own page the session does the same.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(w.api.URL+"/admin/review?school=cjlu"), chromedp.WaitVisible(chromedp.CSS(`header`))))
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(async () => {
		const fd = new FormData();
		fd.append("reason", "录取照片有误，已核实");
		fd.append("photo", new Blob([Uint8Array.from(atob("`+base64.StdEncoding.EncodeToString(workertest.Photo("person=alicia"))+`"), c => c.charCodeAt(0))], {type: "image/png"}), "p.png");
		const r = await fetch("/v1/schools/cjlu/students/S1/admission-photo/replacement", {method: "POST", body: fd});
		return r.status;
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, status, "the same request from this origin")
	after, err = w.lc.Store().AdmissionPhoto(w.ctx, "cjlu", "S1")
	require.NoError(t, err)
	require.NotEqual(t, before.SHA256, after.SHA256)
}
