package systemtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/intake/signing"
	"github.com/recheck/recheck/worker/workertest"
)

// signedRequest builds a request signed with the upstream key over
// signedBody, sending body (tests tamper with one or the other).
func (w *world) signedRequest(method, path string, signedBody, body []byte, at time.Time) *http.Request {
	w.t.Helper()
	req, err := http.NewRequest(method, w.api.URL+path, bytes.NewReader(body))
	require.NoError(w.t, err)
	sum := sha256.Sum256(signedBody)
	for k, v := range signing.Headers("upstream", []byte(upstreamSecret), method, req.URL.RequestURI(), hex.EncodeToString(sum[:]), at) {
		req.Header.Set(k, v)
	}
	return req
}

func send(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// TestEveryEndpointButHealthNeedsCredentials: anonymous requests are
// refused everywhere but /healthz, /readyz and the login page, and no
// browser is invited to remember a password (basic auth is off).
func TestEveryEndpointButHealthNeedsCredentials(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=alice")
	id := w.accepted("S1", "person=alice")
	for _, r := range []struct{ method, path string }{
		{http.MethodPut, "/v1/schools/cjlu/students/S1/admission-photo"},
		{http.MethodGet, "/v1/schools/cjlu/students/S1/admission-photo"},
		{http.MethodPost, "/v1/schools/cjlu/students/S1/admission-photo/replacement"},
		{http.MethodPost, "/v1/captures"},
		{http.MethodGet, "/v1/captures/" + id},
		{http.MethodGet, "/v1/captures/" + id + "/photos/original"},
		{http.MethodGet, "/v1/captures/" + id + "/photos/standardized"},
		{http.MethodPost, "/v1/captures/" + id + "/confirm"},
		{http.MethodGet, "/v1/schools/cjlu/students/S1"},
		{http.MethodGet, "/v1/schools/cjlu/reviews"},
		{http.MethodPost, "/v1/captures/" + id + "/review"},
		{http.MethodGet, "/v1/schools/cjlu/escalations"},
		{http.MethodPost, "/v1/schools/cjlu/students/S1/escalation/resolve"},
		{http.MethodPost, "/v1/schools/cjlu/students/S1/precheck"},
		{http.MethodPost, "/v1/schools/cjlu/students/S1/identity"},
		{http.MethodPost, "/v1/users/li/unlock"},
		{http.MethodGet, "/v1/audit/logins"},
		{http.MethodPost, "/admin/logout"},
		{http.MethodPost, "/admin/unlock"},
		{http.MethodPost, "/admin/review/" + id},
		{http.MethodGet, "/admin/asynq/api/queues"},
		{http.MethodPost, "/admin/asynq/api/queues/capture:pause"},
		{http.MethodGet, "/nothing-here"},
	} {
		resp, body := w.as("", r.method, r.path, "application/json", bytes.NewReader([]byte(`{"admission_photo":"mine"}`)))
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s %s", r.method, r.path)
		require.Equal(t, "unauthorized", errCode(t, body))
		require.Empty(t, resp.Header.Get("WWW-Authenticate"), "no basic-auth prompt")
	}
	require.Equal(t, "awaiting_confirmation", w.state(id), "nothing changed")
	resp, _ := w.as("", http.MethodGet, "/healthz", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestSignatures: bad, expired, replayed and tampered requests are refused
// with a clear JSON error, and change nothing.
func TestSignatures(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	photo := workertest.Photo("person=alice")
	path := "/v1/schools/cjlu/students/S1/admission-photo"
	now := w.clock.Now()

	req := w.signedRequest(http.MethodPut, path, photo, photo, now)
	req.Header.Set(signing.HeaderSignature, "00"+req.Header.Get(signing.HeaderSignature)[2:])
	status, body := send(t, req)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, body, `"signature_invalid"`)

	req = w.signedRequest(http.MethodPut, path, photo, photo, now)
	req.Header.Set(signing.HeaderKey, "nobody")
	status, body = send(t, req)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, body, "unknown key")

	for _, skew := range []time.Duration{-6 * time.Minute, 6 * time.Minute} {
		status, body = send(t, w.signedRequest(http.MethodPut, path, photo, photo, now.Add(skew)))
		require.Equal(t, http.StatusUnauthorized, status, skew)
		require.Contains(t, body, `"signature_expired"`)
	}
	status, _ = send(t, w.signedRequest(http.MethodPut, path, photo, photo, now.Add(-4*time.Minute)))
	require.Equal(t, http.StatusCreated, status, "within the window")

	req = w.signedRequest(http.MethodGet, "/v1/schools/cjlu/students/S1", nil, nil, now)
	status, _ = send(t, req)
	require.Equal(t, http.StatusOK, status)
	again, _ := http.NewRequest(http.MethodGet, req.URL.String(), nil)
	again.Header = req.Header.Clone()
	status, body = send(t, again)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, body, `"signature_replayed"`)

	req = w.signedRequest(http.MethodGet, "/v1/schools/cjlu/students/S1?x=1", nil, nil, now)
	req.URL.RawQuery = "x=2"
	status, body = send(t, req)
	require.Equal(t, http.StatusUnauthorized, status, "the query is signed")
	require.Contains(t, body, `"signature_invalid"`)

	// A body that is not the one signed: refused after reading, nothing
	// stored.
	other := workertest.Photo("person=mallory")
	status, body = send(t, w.signedRequest(http.MethodPut, "/v1/schools/cjlu/students/S2/admission-photo", photo, other, now))
	require.Equal(t, http.StatusUnauthorized, status)
	require.Contains(t, body, `"body_digest_mismatch"`)
	_, err := w.lc.Store().AdmissionPhoto(context.Background(), "cjlu", "S2")
	require.Error(t, err, "nothing on file")
}

// TestKeysAndRolesStayInTheirSchools: a key limited to one school cannot
// read or act for another; users act only in their role and schools.
func TestKeysAndRolesStayInTheirSchools(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=alice")
	id := w.pass("S1", "person=alice")
	for _, path := range []string{"/v1/schools/cjlu/students/S1", "/v1/schools/cjlu/students/S1/admission-photo"} {
		resp, body := w.as("other", http.MethodGet, path, "", nil)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, path)
		require.Equal(t, "forbidden", errCode(t, body))
	}
	// Another school's capture answers as an unknown one does: its ID
	// tells nothing, not even that it exists.
	_, unknown := w.as("other", http.MethodGet, "/v1/captures/01a2516e-0000-7000-8000-000000000000", "", nil)
	for _, path := range []string{"/v1/captures/" + id, "/v1/captures/" + id + "/photos/original"} {
		resp, body := w.as("other", http.MethodGet, path, "", nil)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		require.Equal(t, "not_found", errCode(t, body))
		require.Equal(t, errCode(t, unknown), errCode(t, body))
	}
	resp, body := w.as("other", http.MethodPost, "/v1/captures/"+id+"/confirm", "application/json", bytes.NewReader([]byte(`{"admission_photo":"wrong"}`)))
	require.Equal(t, http.StatusNotFound, resp.StatusCode, body)
	require.Equal(t, "pending_review", w.state(id), "nothing changed")

	// The reviewer reviews; the records office does not.
	resp, _ = w.as("wang", http.MethodPost, "/v1/captures/"+id+"/review", "application/json", bytes.NewReader([]byte(`{"decision":"approve"}`)))
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = w.as("li", http.MethodGet, "/v1/schools/cjlu/reviews", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = w.as("li", http.MethodGet, "/v1/schools/other/reviews", "", nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "a reviewer of cjlu only")
	resp, _ = w.as("li", http.MethodGet, "/v1/schools/cjlu/escalations", "", nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = w.as("li", http.MethodGet, "/admin/asynq/api/queues", "", nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "the queue UI is for admins")
	resp, _ = w.as("li", http.MethodGet, "/v1/captures/"+id, "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "a reviewer reads the school's captures")
	resp, _ = w.as("li", http.MethodPost, "/v1/captures/"+id+"/confirm", "application/json", bytes.NewReader([]byte(`{"admission_photo":"mine"}`)))
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "only the upstream confirms for the student")
	resp, _ = w.as("li", http.MethodPost, "/v1/captures/"+id+"/review", "application/json", bytes.NewReader([]byte(`{"decision":"approve"}`)))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "reviewer:li", w.capture(id)["decision"].(map[string]any)["reviewer"])
	resp, _ = w.as("admin", http.MethodGet, "/admin/asynq/api/queues", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	resp, _ = w.as("li", http.MethodGet, "/v1/captures/"+id, "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, body = w.as("admin", http.MethodGet, "/v1/captures/"+id, "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
}

// TestAdmissionPhotoIsLocked: the upstream sets the admission photo once;
// a different one is refused, and only the records office replaces it,
// with a reason that is recorded.
func TestAdmissionPhotoIsLocked(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=alice")
	resp, body := w.do(http.MethodPut, "/v1/schools/cjlu/students/S1/admission-photo", "image/png", bytes.NewReader(workertest.Photo("person=alice")), false)
	require.Equal(t, http.StatusOK, resp.StatusCode, "the same photo again is harmless")
	resp, body = w.do(http.MethodPut, "/v1/schools/cjlu/students/S1/admission-photo", "image/png", bytes.NewReader(workertest.Photo("person=mallory")), false)
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Equal(t, "admission_photo_locked", errCode(t, body))
	require.Contains(t, body["error"].(map[string]any)["message_zh"], "不可更换")

	resp, body = w.as("li", http.MethodPost, "/v1/schools/cjlu/students/S1/admission-photo/replacement", "multipart/form-data; boundary=x", bytes.NewReader(nil))
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "reviewers do not replace admission photos")
	w.replaceAdmission("S1", "person=alice2", "学生提供新版录取照片，学籍部门已核实")
	j, err := w.lc.Store().Journey(context.Background(), "cjlu", "S1")
	require.NoError(t, err)
	require.Len(t, j.AdmissionPhotos, 2)
	require.Equal(t, "upstream", j.AdmissionPhotos[0].Actor)
	require.Equal(t, "records_office:wang", j.AdmissionPhotos[1].Actor)
	require.Equal(t, "学生提供新版录取照片，学籍部门已核实", j.AdmissionPhotos[1].Reason)
}

// TestImpostorCannotReplaceTheAdmissionPhoto replays the attack of the
// trust issue: an impostor's capture is blocked against the student's
// admission photo; overwriting that photo with the impostor's own fails
// anonymously and signed alike, and the impostor stays blocked.
func TestImpostorCannotReplaceTheAdmissionPhoto(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=student")
	first := w.pass("S1", "person=impostor")
	require.Equal(t, "blocked", w.state(first))
	resp, _ := w.as("", http.MethodPut, "/v1/schools/cjlu/students/S1/admission-photo", "image/png", bytes.NewReader(workertest.Photo("person=impostor")))
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp, _ = w.do(http.MethodPut, "/v1/schools/cjlu/students/S1/admission-photo", "image/png", bytes.NewReader(workertest.Photo("person=impostor")), false)
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	second := w.pass("S1", "person=impostor")
	require.Equal(t, "blocked", w.state(second), "the next capture is still compared with the student's photo")
	require.Equal(t, "blocked", w.state(first))
}

// TestAdmissionPhotoNeedsOneFace: a photo without exactly one face is
// refused at upload with the reason, and nothing is put on file.
func TestAdmissionPhotoNeedsOneFace(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	for tag, code := range map[string]string{"person=a;faces=0": "admission_photo_no_face", "person=a;faces=4": "admission_photo_multiple_faces"} {
		resp, body := w.do(http.MethodPut, "/v1/schools/cjlu/students/S1/admission-photo", "image/png", bytes.NewReader(workertest.Photo(tag)), false)
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
		require.Equal(t, code, errCode(t, body))
		require.Equal(t, "photo", body["error"].(map[string]any)["field"])
	}
	_, err := w.lc.Store().AdmissionPhoto(context.Background(), "cjlu", "S1")
	require.Error(t, err)
	stored, err := filepath.Glob(filepath.Join(w.dir, "schools", "*", "students", "*", "admission", "*"))
	require.NoError(t, err)
	require.Empty(t, stored, "no photo stored")
}

// TestTrustedReverseProxy: a single-sign-on proxy passes the user with the
// configured secret; the user's role and schools come from the users file.
func TestTrustedReverseProxy(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=alice")
	id := w.pass("S1", "person=alice")
	get := func(secret, user string) int {
		req, err := http.NewRequest(http.MethodGet, w.api.URL+"/v1/schools/cjlu/reviews", nil)
		require.NoError(t, err)
		req.Header.Set("X-Recheck-Proxy-Secret", secret)
		req.Header.Set("X-Recheck-User", user)
		status, _ := send(t, req)
		return status
	}
	require.Equal(t, http.StatusOK, get(proxySecret, "li"), "a reviewer, through the proxy")
	require.Equal(t, http.StatusForbidden, get(proxySecret, "wang"), "the records office reviews nothing")
	require.Equal(t, http.StatusUnauthorized, get(proxySecret, "nobody"), "not in the users file")
	require.Equal(t, http.StatusUnauthorized, get("wrong-secret", "li"))

	// The proxy's users are browsers: a change must come from this origin.
	review := func(origin string) (int, string) {
		req, err := http.NewRequest(http.MethodPost, w.api.URL+"/v1/captures/"+id+"/review", bytes.NewReader([]byte(`{"decision":"approve"}`)))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Recheck-Proxy-Secret", proxySecret)
		req.Header.Set("X-Recheck-User", "li")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		return send(t, req)
	}
	for _, origin := range []string{"", "null", "http://evil.example", strings.Replace(w.api.URL, "127.0.0.1", "localhost", 1)} {
		status, body := review(origin)
		require.Equal(t, http.StatusForbidden, status, "Origin %q", origin)
		require.Contains(t, body, `"cross_site_request"`)
	}
	require.Equal(t, "pending_review", w.state(id), "nothing changed")
	status, body := review(w.api.URL)
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "reviewer:li", w.capture(id)["decision"].(map[string]any)["reviewer"])
}

// TestQueueHighWater: with the workers stopped and the capture queue at
// its high-water mark, a new capture is turned away with 429, Retry-After
// and a Chinese message before its body is read; nothing is stored; the
// captures already accepted are all still there and finish once the
// workers are back.
func TestQueueHighWater(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{highWater: 3})
	w.putAdmission("S1", "person=alice")
	w.stopWorker()
	var accepted []string
	for _, s := range []string{"S1", "S2", "S3"} {
		status, body := w.submit(s, "person=alice;quality=too_dark")
		require.Equal(t, http.StatusAccepted, status, body)
		accepted = append(accepted, body["id"].(string))
	}
	status, body := w.submit("S4", "person=alice")
	require.Equal(t, http.StatusTooManyRequests, status, body)
	require.Equal(t, "overloaded", errCode(t, body))
	require.Equal(t, "30", w.last.Header.Get("Retry-After"))
	require.Empty(t, w.summary("S4")["latest_capture"], "nothing stored")

	w.startWorker()
	w.idle()
	for _, id := range accepted {
		require.Equal(t, "rejected", w.state(id), "every accepted capture finished")
	}
	status, body = w.submit("S4", "person=alice")
	require.Equal(t, http.StatusAccepted, status, body, "taken again once the queue drained")
}

// TestOneDocumentOneStudent: a document number another student of the
// school registered is refused at a student's first capture, or, where the
// school's rules say "case", accepted and held for the records office,
// which settles it; a number registered at another school flags the
// capture for the reviewer.
func TestOneDocumentOneStudent(t *testing.T) {
	t.Parallel()
	t.Run("refuse", func(t *testing.T) {
		w := newWorld(t, worldOptions{})
		w.putAdmission("S1", "person=alice")
		w.pass("S1", "person=alice")
		files := countFiles(t, w.dir)
		status, body := w.submitAs("S2", "person=bob", residentID)
		require.Equal(t, http.StatusConflict, status, body)
		require.Equal(t, "document_in_use", errCode(t, body))
		require.Contains(t, body["error"].(map[string]any)["message_zh"], "本校其他学生")
		require.Equal(t, files, countFiles(t, w.dir), "nothing stored")
		status, body = w.submitAs("S1", "person=alice", residentID)
		require.NotEqual(t, "document_in_use", body["error"], "the student's own number is theirs: %d %v", status, body)

		// The office cannot give the number to a second student either.
		w.putAdmission("S2", "person=bob")
		w.pass("S2", "person=bob")
		resp, body := w.as("wang", http.MethodPost, "/v1/schools/cjlu/students/S2/identity", "application/json",
			jsonBody(map[string]string{"document_type": "resident_id", "document_number": residentID.number, "reason": "学生反映证件号码登记错误"}))
		require.Equal(t, http.StatusConflict, resp.StatusCode, body)
		require.Equal(t, "document_in_use", errCode(t, body))
	})
	t.Run("case", func(t *testing.T) {
		settings, _, office := sinks(t)
		bothDeliveries(t, worldOptions{rules: `{"cjlu": {"duplicate_document": "case"}}`, callbacks: settings, fastRetry: true}, func(t *testing.T, w *world) {
			w.putAdmission("S1", "person=alice")
			w.pass("S1", "person=alice")
			w.putAdmission("S2", "person=bob")
			status, body := w.submitAs("S2", "person=bob", residentID)
			require.Equal(t, http.StatusAccepted, status, body)
			w.idle()
			id := body["id"].(string)
			_, _ = w.confirm(id, "mine")
			c := w.capture(id)
			require.Equal(t, "on_hold", c["state"])
			require.Equal(t, "document_in_use", c["hold_reason"])
			require.Contains(t, c["message_zh"], "学籍部门")
			require.Equal(t, "document_in_use", w.summary("S2")["case"].(map[string]any)["reason"])
			w.idle()
			require.Contains(t, states(office.Received()), "on_hold", "the records office is called")
			status, body = w.resolve("S2", "已核实：两名学生为同一人重复注册，已注销另一学号")
			require.Equal(t, http.StatusOK, status, body)
			require.Equal(t, "pending_review", w.state(id), "compared once the office settled it")
		})
	})
	t.Run("another school", func(t *testing.T) {
		w := newWorld(t, worldOptions{})
		w.putAdmission("S1", "person=alice")
		id := w.pass("S1", "person=alice")
		flags := func() []string {
			items := w.admin("/v1/schools/cjlu/reviews?state=pending")["items"].([]any)
			require.Len(t, items, 1)
			var out []string
			for _, f := range items[0].(map[string]any)["review_flags"].([]any) {
				out = append(out, f.(map[string]any)["code"].(string))
			}
			return out
		}
		require.NotContains(t, flags(), "document_seen_elsewhere")
		// The same number at another school.
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for k, v := range map[string]string{"school": "other", "cohort": "2026", "student_id": "X9", "openid": "o-x9",
			"document_type": "resident_id", "document_number": residentID.number, "name": residentID.name} {
			require.NoError(t, mw.WriteField(k, v))
		}
		fw, err := mw.CreateFormFile("photo", "p.png")
		require.NoError(t, err)
		_, err = fw.Write(workertest.Photo("person=alice"))
		require.NoError(t, err)
		require.NoError(t, mw.Close())
		resp, body := w.as("other", http.MethodPost, "/v1/captures", mw.FormDataContentType(), &b)
		require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
		require.Contains(t, flags(), "document_seen_elsewhere", "the reviewer sees the number was used at another school")
		require.Equal(t, "pending_review", w.state(id))
	})
}

// TestIdempotencyKeysAreScoped: the same Idempotency-Key sent by two
// upstream keys (for their own schools) makes two captures: neither learns
// that the other used it, nor takes it first.
func TestIdempotencyKeysAreScoped(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	post := func(who, school, student string) (int, map[string]any) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for k, v := range map[string]string{"school": school, "cohort": "2026", "student_id": student, "openid": "o-" + student,
			"document_type": "passport", "document_number": "E" + student + "0000", "name": "Kim"} {
			require.NoError(t, mw.WriteField(k, v))
		}
		fw, err := mw.CreateFormFile("photo", "p.png")
		require.NoError(t, err)
		_, err = fw.Write(workertest.Photo("person=" + student))
		require.NoError(t, err)
		require.NoError(t, mw.Close())
		req, err := http.NewRequest(http.MethodPost, w.api.URL+"/v1/captures", &b)
		require.NoError(t, err)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Idempotency-Key", "order-0001")
		raw, err := io.ReadAll(req.Body)
		require.NoError(t, err)
		req.Body = io.NopCloser(bytes.NewReader(raw))
		sum := sha256.Sum256(raw)
		secret := map[string]string{"upstream": upstreamSecret, "other": otherSecret}[who]
		for k, v := range signing.Headers(who, []byte(secret), http.MethodPost, "/v1/captures", hex.EncodeToString(sum[:]), w.clock.Now()) {
			req.Header.Set(k, v)
		}
		status, out := send(t, req)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &m), out)
		return status, m
	}
	status, mine := post("upstream", "cjlu", "A1")
	require.Equal(t, http.StatusAccepted, status, mine)
	status, theirs := post("other", "other", "B1")
	require.Equal(t, http.StatusAccepted, status, theirs, "not idempotency_key_reused: another key's space")
	require.NotEqual(t, mine["id"], theirs["id"])
	status, again := post("upstream", "cjlu", "A1")
	require.Equal(t, http.StatusAccepted, status)
	require.Equal(t, mine["id"], again["id"], "within its own scope the key replays")
}

// TestStrictJSONBodies: a JSON body with a key given twice (which would
// otherwise be settled silently, the last one winning) or an unknown field
// is refused with a 400 that names it.
func TestStrictJSONBodies(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=alice")
	id := w.pass("S1", "person=alice")
	for _, tc := range []struct{ body, want string }{
		{`{"decision":"approve","decision":"reject","reason":"x"}`, `"decision" is given twice`},
		{`{"decision":"approve","verdict":"reject"}`, `unknown field "verdict"`},
	} {
		resp, body := w.as("li", http.MethodPost, "/v1/captures/"+id+"/review", "application/json", strings.NewReader(tc.body))
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, tc.body)
		require.Equal(t, "invalid_request", errCode(t, body))
		require.Contains(t, body["error"].(map[string]any)["message"], tc.want)
	}
	require.Equal(t, "pending_review", w.state(id), "nothing changed")
}
