package intake_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/capture/redisstore"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/intake"
	"github.com/recheck/recheck/intake/signing"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/internal/syncbuf"
	"github.com/recheck/recheck/internal/testphotos"
	"github.com/recheck/recheck/jobs"
	"github.com/recheck/recheck/storage"
	"github.com/recheck/recheck/worker/workertest"
)

type bundle struct {
	api   *intake.API
	srv   *httptest.Server
	lc    *capture.Lifecycle
	repo  *redisstore.Repository
	disp  *switchDispatcher
	store *storage.FS
	insp  *asynq.Inspector
	redis *redistest.Server
	log   *syncbuf.Buffer
}

// switchDispatcher enqueues follow-ups, or fails while down.
type switchDispatcher struct {
	jobs.Dispatcher
	mu   sync.Mutex
	down bool
}

func (d *switchDispatcher) Dispatch(ctx context.Context, f capture.Followup) error {
	d.mu.Lock()
	down := d.down
	d.mu.Unlock()
	if down {
		return errors.New("redis: connection refused")
	}
	return d.Dispatcher.Dispatch(ctx, f)
}

func setup(t *testing.T, mutate ...func(*intake.Config, *intake.Deps)) *bundle {
	t.Helper()
	return setupWith(t, redistest.Options{}, mutate...)
}

// setupWith is setup on a Redis started with o.
func setupWith(t *testing.T, o redistest.Options, mutate ...func(*intake.Config, *intake.Deps)) *bundle {
	t.Helper()
	rs := redistest.StartWith(t, o)
	store, err := storage.NewFS(t.TempDir())
	require.NoError(t, err)
	disp := &switchDispatcher{Dispatcher: jobs.Dispatcher{Queue: asynq.NewClientFromRedisClient(rs.Client)}}
	repo := redisstore.New(redisstore.Params{Redis: rs.Client, Store: store, Dispatcher: disp})
	lc := capture.NewLifecycle(repo, capture.RuleSet{})
	logBuf := &syncbuf.Buffer{}
	keys, users := credentials(t)
	cfg := intake.Config{Addr: "127.0.0.1:0", IdempotencyTTL: 24 * 60 * 60 * 1e9, UpstreamKeys: keys, AdminUsers: users}
	deps := intake.Deps{
		Redis: rs.Client, Lifecycle: lc, Store: store, Faces: workertest.FaceCounter{},
		Limits: imaging.DefaultLimits(), Log: zerolog.New(logBuf),
		AsynqRedis: asynq.RedisClientOpt{Network: "unix", Addr: rs.Socket},
	}
	for _, m := range mutate {
		m(&cfg, &deps)
	}
	api, err := intake.New(cfg, deps)
	require.NoError(t, err)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return &bundle{api: api, srv: srv, lc: lc, repo: repo, disp: disp, store: store, insp: asynq.NewInspectorFromRedisClient(rs.Client), redis: rs, log: logBuf}
}

// credentials writes the test's upstream key and admin user.
func credentials(t *testing.T) (keys, users string) {
	t.Helper()
	dir := t.TempDir()
	keys = filepath.Join(dir, "keys.json")
	require.NoError(t, os.WriteFile(keys, []byte(`{"keys":[{"id":"upstream","secret":"`+testSecret+`","schools":["*"]}]}`), 0o600))
	hash, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	require.NoError(t, err)
	users = filepath.Join(dir, "users.json")
	require.NoError(t, os.WriteFile(users, []byte(`{"users":[{"name":"admin","password_bcrypt":"`+string(hash)+`","role":"admin"}]}`), 0o600))
	return keys, users
}

const testSecret = "intake-test-secret-intake-test-secret"

// signingClient signs every request that carries no basic auth with the
// test's upstream key, as the upstream service does.
var signingClient = &http.Client{Transport: signer{}}

type signer struct{}

func (signer) RoundTrip(req *http.Request) (*http.Response, error) {
	if _, _, basic := req.BasicAuth(); !basic {
		var body []byte
		if req.Body != nil {
			var err error
			if body, err = io.ReadAll(req.Body); err != nil {
				return nil, err
			}
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		sum := sha256.Sum256(body)
		for k, v := range signing.Headers("upstream", []byte(testSecret), req.Method, req.URL.RequestURI(), hex.EncodeToString(sum[:]), time.Now()) {
			req.Header.Set(k, v)
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

// validFields are the metadata of a valid capture.
func validFields() map[string]string {
	return map[string]string{
		"school": "cjlu", "cohort": "成人教育2023级新生", "student_id": "S2026001", "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
		"document_type": "resident_id", "document_number": "11010519491231002X", "name": "张三",
	}
}

func multipartBody(t *testing.T, fields map[string]string, photo []byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	if photo != nil {
		fw, err := mw.CreateFormFile("photo", "photo.bin")
		require.NoError(t, err)
		_, err = fw.Write(photo)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return &b, mw.FormDataContentType()
}

func (b *bundle) post(t *testing.T, fields map[string]string, photo []byte, header map[string]string) (*http.Response, map[string]any) {
	t.Helper()
	body, ct := multipartBody(t, fields, photo)
	req, err := http.NewRequest(http.MethodPost, b.srv.URL+"/v1/captures", body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", ct)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return b.do(t, req)
}

func (b *bundle) do(t *testing.T, req *http.Request) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := signingClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || bytes.HasPrefix(raw, []byte("{")) {
		require.NoError(t, json.Unmarshal(raw, &out), string(raw))
	}
	return resp, out
}

func (b *bundle) pendingCapture(t *testing.T) []*asynq.TaskInfo {
	t.Helper()
	tasks, err := b.insp.ListPendingTasks(jobs.QueueCapture)
	if errors.Is(err, asynq.ErrQueueNotFound) {
		return nil
	}
	require.NoError(t, err)
	return tasks
}

func errorOf(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	e, ok := body["error"].(map[string]any)
	require.True(t, ok, "body has an error object: %v", body)
	require.NotEmpty(t, e["code"])
	require.NotEmpty(t, e["message"])
	require.NotEmpty(t, e["message_zh"], "every error has a Chinese message")
	return e
}

func TestPostCapture(t *testing.T) {
	t.Parallel()
	b := setup(t)
	photo := testphotos.Read(t, "faces/hivision-demo/test0.jpg")
	resp, body := b.post(t, validFields(), photo, nil)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	id := body["id"].(string)
	require.Equal(t, "/v1/captures/"+id, resp.Header.Get("Location"))
	require.Equal(t, "queued", body["state"])
	doc := body["document"].(map[string]any)
	require.Equal(t, "110***********002X", doc["number_masked"])
	raw, _ := json.Marshal(body)
	require.NotContains(t, string(raw), "张三", "the name is never shown")
	require.NotContains(t, string(raw), "11010519491231002X", "the number is only shown masked")

	rec, err := b.repo.Get(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, "张三", rec.Document.Name)
	stored, err := b.store.Get(context.Background(), capture.OriginalKey("cjlu", id))
	require.NoError(t, err)
	info, err := imaging.Probe(photo, imaging.DefaultLimits())
	require.NoError(t, err)
	stripped, err := imaging.StripMetadata(photo, info)
	require.NoError(t, err)
	require.True(t, bytes.Equal(stripped, stored), "the original is stored without its metadata")
	require.False(t, bytes.Contains(stored, []byte("Photoshop 3.0")), "the photo's IPTC block is gone")
	require.True(t, bytes.Contains(photo, []byte("Photoshop 3.0")))

	tasks := b.pendingCapture(t)
	require.Len(t, tasks, 1)
	require.Equal(t, "standardize:"+id, tasks[0].ID)
	require.JSONEq(t, fmt.Sprintf(`{"capture_id":%q}`, id), string(tasks[0].Payload))

	resp, got := b.do(t, mustReq(t, http.MethodGet, b.srv.URL+"/v1/captures/"+id, nil))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, id, got["id"])
	require.Equal(t, "/v1/captures/"+id+"/photos/original", got["photos"].(map[string]any)["original"])

	resp, _ = b.do(t, mustReq(t, http.MethodGet, b.srv.URL+"/v1/captures/"+id+"/photos/original", nil))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "image/jpeg", resp.Header.Get("Content-Type"))

	logs := b.log.String()
	require.Contains(t, logs, id, "the request log names the capture")
	require.NotContains(t, logs, "张三")
	require.NotContains(t, logs, "11010519491231002X")
}

func mustReq(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	require.NoError(t, err)
	return req
}

// TestPostCaptureRejectsBadInput: every bad request gets a 4xx JSON error
// naming the problem, and leaves no record, no stored file and no task.
func TestPostCaptureRejectsBadInput(t *testing.T) {
	t.Parallel()
	photo := testphotos.Read(t, "faces/hivision-demo/test0.jpg")
	with := func(k, v string) map[string]string {
		f := validFields()
		if v == "" {
			delete(f, k)
		} else {
			f[k] = v
		}
		return f
	}
	tests := []struct {
		name   string
		fields map[string]string
		photo  []byte
		status int
		code   string
		field  string
	}{
		{"text instead of a photo", validFields(), []byte("this is not a photo"), 415, "unsupported_format", "photo"},
		{"zero bytes", validFields(), []byte{}, 422, "photo_empty", "photo"},
		{"svg", validFields(), []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), 415, "unsupported_format", "photo"},
		{"gif", validFields(), []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), 415, "unsupported_format", "photo"},
		{"truncated header", validFields(), photo[:20], 422, "photo_unreadable", "photo"},
		{"no photo", validFields(), nil, 400, "missing_field", "photo"},
		{"no school", with("school", ""), photo, 400, "missing_field", "school"},
		{"bad school", with("school", "../etc"), photo, 400, "invalid_field", "school"},
		{"bad student", with("student_id", "a b"), photo, 400, "invalid_field", "student_id"},
		{"bad openid", with("openid", "x y"), photo, 400, "invalid_field", "openid"},
		{"control chars in name", with("name", "张\x00三"), photo, 400, "invalid_field", "name"},
		{"right-to-left override in name", with("name", "张\u202e三"), photo, 400, "invalid_field", "name"},
		{"zero-width space in name", with("name", "张\u200b三"), photo, 400, "invalid_field", "name"},
		{"zero-width joiner in cohort", with("cohort", "2026\u200d"), photo, 400, "invalid_field", "cohort"},
		{"unknown document type", with("document_type", "身份证"), photo, 422, "document_type_unknown", "document_type"},
		{"bad checksum", with("document_number", "420120200212010101"), photo, 422, "document_number_checksum", "document_number"},
		{"bad birth date", with("document_number", "110105194902310027"), photo, 422, "document_birth_date_invalid", "document_number"},
		{"unknown field", with("favourite_colour", "blue"), photo, 400, "unknown_field", "favourite_colour"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t)
			resp, body := b.post(t, tc.fields, tc.photo, nil)
			require.Equal(t, tc.status, resp.StatusCode, body)
			e := errorOf(t, body)
			require.Equal(t, tc.code, e["code"])
			require.Equal(t, tc.field, e["field"])
			b.requireNothingCreated(t)
		})
	}
}

func (b *bundle) requireNothingCreated(t *testing.T) {
	t.Helper()
	ids, err := b.repo.SchoolCaptures(context.Background(), "cjlu", 0, 100)
	require.NoError(t, err)
	require.Empty(t, ids, "no record")
	keys, err := b.store.List(context.Background(), "")
	require.NoError(t, err)
	require.Empty(t, keys, "no stored file")
	left, err := os.ReadDir(b.store.Root())
	require.NoError(t, err)
	require.Empty(t, left, "no directory left behind")
	require.Empty(t, b.pendingCapture(t), "no task")
}

func TestPostCaptureLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, func(_ *intake.Config, d *intake.Deps) { d.Limits.MaxBytes = 10 << 10 })
	resp, body := b.post(t, validFields(), testphotos.Read(t, "faces/hivision-demo/test0.jpg"), nil)
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	require.Equal(t, "photo_too_large", errorOf(t, body)["code"])
	b.requireNothingCreated(t)

	resp, body = b.do(t, func() *http.Request {
		r := mustReq(t, http.MethodPost, b.srv.URL+"/v1/captures", strings.NewReader(`{"school":"x"}`))
		r.Header.Set("Content-Type", "application/json")
		return r
	}())
	require.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
	require.Equal(t, "multipart_required", errorOf(t, body)["code"])
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	photo := testphotos.Read(t, "faces/hivision-demo/test0.jpg")
	h := map[string]string{"Idempotency-Key": "upload-42"}
	resp1, body1 := b.post(t, validFields(), photo, h)
	require.Equal(t, http.StatusAccepted, resp1.StatusCode)
	resp2, body2 := b.post(t, validFields(), photo, h)
	require.Equal(t, http.StatusAccepted, resp2.StatusCode)
	require.Equal(t, body1["id"], body2["id"], "the same key returns the same capture")
	require.Equal(t, "true", resp2.Header.Get("Idempotent-Replayed"))
	require.Len(t, b.pendingCapture(t), 1)

	other := validFields()
	other["student_id"] = "S2026002"
	resp3, body3 := b.post(t, other, photo, h)
	require.Equal(t, http.StatusConflict, resp3.StatusCode)
	require.Equal(t, "idempotency_key_reused", errorOf(t, body3)["code"])

	resp4, body4 := b.post(t, validFields(), photo, map[string]string{"Idempotency-Key": "bad key with spaces"})
	require.Equal(t, http.StatusBadRequest, resp4.StatusCode)
	require.Equal(t, "idempotency_key_invalid", errorOf(t, body4)["code"])
}

func TestIdempotencyKeyUnderConcurrency(t *testing.T) {
	t.Parallel()
	b := setup(t)
	photo := testphotos.Read(t, "faces/hivision-demo/test0.jpg")
	var wg sync.WaitGroup
	ids := make(chan string, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, body := b.post(t, validFields(), photo, map[string]string{"Idempotency-Key": "same"})
			if resp.StatusCode == http.StatusAccepted {
				ids <- body["id"].(string)
			} else {
				require.Equal(t, http.StatusConflict, resp.StatusCode, body)
				require.Equal(t, "request_in_progress", errorOf(t, body)["code"])
			}
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	require.Len(t, seen, 1, "one capture for one key")
	all, err := b.repo.SchoolCaptures(context.Background(), "cjlu", 0, 100)
	require.NoError(t, err)
	require.Len(t, all, 1)
}

// TestEnqueueFailureIsCompletedByTheOutbox: the capture is saved but its
// task cannot be enqueued; the request still succeeds, and the outbox
// enqueues the task once the queue is back.
func TestEnqueueFailureIsCompletedByTheOutbox(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.disp.down = true
	resp, body := b.post(t, validFields(), testphotos.Read(t, "faces/hivision-demo/test0.jpg"), nil)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	require.Empty(t, b.pendingCapture(t))
	n, err := b.repo.Pending(context.Background())
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "the capture waits in the outbox (its journey was written)")

	b.disp.mu.Lock()
	b.disp.down = false
	b.disp.mu.Unlock()
	done, err := b.repo.SyncPending(context.Background(), 0)
	require.NoError(t, err)
	require.Equal(t, 1, done)
	tasks := b.pendingCapture(t)
	require.Len(t, tasks, 1)
	require.Equal(t, "standardize:"+body["id"].(string), tasks[0].ID)
}

// TestStorageFailureLeavesNothing: when the original cannot be stored, the
// request gets a 503 and leaves no record, no file and no task.
func TestStorageFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, func(_ *intake.Config, d *intake.Deps) { d.Store = failingStore{d.Store} })
	resp, body := b.post(t, validFields(), testphotos.Read(t, "faces/hivision-demo/test0.jpg"), map[string]string{"Idempotency-Key": "k1"})
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Equal(t, "unavailable", errorOf(t, body)["code"])
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	b.requireNothingCreated(t)
	j, err := b.repo.Journey(context.Background(), "cjlu", "S2026001")
	require.NoError(t, err)
	require.Empty(t, j.Slots, "nothing charged")
}

type failingStore struct{ storage.Store }

// TestRedisLostAfterStoringLeavesNothing: Redis goes away between storing
// the original and creating the record (found by TestRedisRestart): the
// request gets a 503, and once Redis answers again (the record must be
// looked up first: see TestLostCommitAnswerKeepsTheCapture) the original
// is deleted with its directory, so nothing is left that looks like a
// capture.
func TestRedisLostAfterStoringLeavesNothing(t *testing.T) {
	t.Parallel()
	var afterPut func()
	b := setup(t, func(_ *intake.Config, d *intake.Deps) {
		d.Store = hookStore{Store: d.Store, afterPut: func() { afterPut() }}
	})
	afterPut = b.redis.Stop
	resp, body := b.post(t, validFields(), testphotos.Read(t, "faces/hivision-demo/test0.jpg"), nil)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, body)
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	afterPut = func() {}
	b.redis.Relaunch(t)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		keys, err := b.store.List(context.Background(), "")
		require.NoError(t, err)
		if len(keys) == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "the original is still there 30 s after Redis came back")
	}
	b.requireNothingCreated(t)
}

// TestLostCommitAnswerKeepsTheCapture: the record is created but the
// answer to the commit is lost (Redis stopping as it replies). The request
// gets a 503; the capture stands with its original, and the upstream's
// retry with the same Idempotency-Key replays it instead of creating a
// second capture (which would charge the student twice).
func TestLostCommitAnswerKeepsTheCapture(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.redis.Client.AddHook(&loseCommitAnswer{})
	photo := testphotos.Read(t, "faces/hivision-demo/test0.jpg")
	key := map[string]string{"Idempotency-Key": "k-lost-answer"}
	resp, body := b.post(t, validFields(), photo, key)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, body)

	ctx := context.Background()
	ids, err := b.repo.SchoolCaptures(ctx, "cjlu", 0, 10)
	require.NoError(t, err)
	require.Len(t, ids, 1, "the commit happened")
	_, err = b.store.Get(ctx, capture.OriginalKey("cjlu", ids[0]))
	require.NoError(t, err, "its original is kept")

	again, body := b.post(t, validFields(), photo, key)
	require.Equal(t, http.StatusAccepted, again.StatusCode, body)
	require.Equal(t, ids[0], body["id"])
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
	ids, err = b.repo.SchoolCaptures(ctx, "cjlu", 0, 10)
	require.NoError(t, err)
	require.Len(t, ids, 1, "no second capture")
	j, err := b.repo.Journey(ctx, "cjlu", "S2026001")
	require.NoError(t, err)
	require.Equal(t, ids[0], j.Latest, "one capture in flight")
	require.Empty(t, j.Slots, "nothing charged before a standardization is made")
}

// loseCommitAnswer lets the first transaction that creates a capture
// commit, then reports its answer lost, as a Redis stopping mid-reply does.
type loseCommitAnswer struct{ done atomic.Bool }

func (*loseCommitAnswer) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (*loseCommitAnswer) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h *loseCommitAnswer) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		if err != nil || h.done.Load() {
			return err
		}
		for _, c := range cmds {
			if k, ok := c.Args()[min(1, len(c.Args())-1)].(string); ok && c.Name() == "set" && strings.HasPrefix(k, "recheck:capture:") {
				h.done.Store(true)
				return io.ErrUnexpectedEOF
			}
		}
		return nil
	}
}

// TestIdempotencyKeyFreedAfterRedisReturns: a request with an
// Idempotency-Key fails because Redis went away after its claim; the claim
// could not be released then, so once Redis is back (its data kept) the
// release is retried, and the upstream's retry with the same key is
// processed within seconds instead of answered request_in_progress until
// the claim's two minutes run out.
func TestIdempotencyKeyFreedAfterRedisReturns(t *testing.T) {
	t.Parallel()
	var afterPut func()
	b := setupWith(t, redistest.Options{AOF: true}, func(_ *intake.Config, d *intake.Deps) {
		d.Store = hookStore{Store: d.Store, afterPut: func() { afterPut() }}
	})
	afterPut = b.redis.Stop
	photo := testphotos.Read(t, "faces/hivision-demo/test0.jpg")
	key := map[string]string{"Idempotency-Key": "k-outage"}
	resp, body := b.post(t, validFields(), photo, key)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, body)
	afterPut = func() {}
	b.redis.Relaunch(t)

	// Well inside the claim's two minutes: the key is free again.
	var got map[string]any
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, got = b.post(t, validFields(), photo, key)
		if resp.StatusCode != http.StatusConflict {
			break
		}
		require.Equal(t, "request_in_progress", errorOf(t, got)["code"])
		require.True(t, time.Now().Before(deadline), "the key is still held a minute after Redis came back")
	}
	require.Equal(t, http.StatusAccepted, resp.StatusCode, got)
	again, body := b.post(t, validFields(), photo, key)
	require.Equal(t, http.StatusAccepted, again.StatusCode)
	require.Equal(t, got["id"], body["id"], "the key now replays its capture")
	require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
}

// hookStore calls afterPut once a Put has stored its object.
type hookStore struct {
	storage.Store
	afterPut func()
}

func (s hookStore) Put(ctx context.Context, key string, data []byte) error {
	err := s.Store.Put(ctx, key, data)
	s.afterPut()
	return err
}

func (failingStore) Put(context.Context, string, []byte) error {
	return errors.New("storage: disk full")
}

func TestAdmissionPhotoResumesHeldCaptures(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	// A confirmed capture of the student waits on hold for the admission
	// photo.
	_, err := b.lc.Submit(ctx, &capture.Record{ID: "c-held", School: "cjlu", StudentID: "S2026001", OpenID: "o1"})
	require.NoError(t, err)
	_, err = b.lc.Standardized(ctx, "c-held", capture.StandardizeResult{OK: true})
	require.NoError(t, err)
	_, err = b.lc.Confirm(ctx, "c-held", capture.AnswerMine, capture.ActorUpstream)
	require.NoError(t, err)
	rec, err := b.lc.Hold(ctx, "c-held", capture.HoldAdmissionPhotoMissing)
	require.NoError(t, err)
	require.Equal(t, capture.OnHold, rec.State)

	photo := testphotos.Read(t, "faces/face_recognition-tests/obama.jpg")
	url := b.srv.URL + "/v1/schools/cjlu/students/S2026001/admission-photo"
	resp, body := b.do(t, mustReq(t, http.MethodPut, url, bytes.NewReader(photo)))
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	require.Equal(t, 1.0, body["resumed"])
	rec, err = b.repo.Get(ctx, "c-held")
	require.NoError(t, err)
	require.Equal(t, capture.Matching, rec.State)
	require.Equal(t, capture.CauseAdmissionReplaced, rec.Last().Cause)
	require.Contains(t, taskIDs(b.pendingCapture(t)), fmt.Sprintf("match:c-held:%d", rec.Last().Seq))

	resp, body = b.do(t, mustReq(t, http.MethodPut, url, bytes.NewReader(photo)))
	require.Equal(t, http.StatusOK, resp.StatusCode, "the same photo again is not a new version")
	require.Equal(t, 0.0, body["resumed"], "and resumes nothing")
	_, err = b.store.Get(ctx, capture.AdmissionRefKey("cjlu", "S2026001"))
	require.NoError(t, err, "the reference has a durable copy")

	resp, _ = b.do(t, mustReq(t, http.MethodGet, url, nil))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "image/jpeg", resp.Header.Get("Content-Type"))

	resp, body = b.do(t, mustReq(t, http.MethodPut, url, strings.NewReader("%PDF-1.4")))
	require.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
	require.Equal(t, "unsupported_format", errorOf(t, body)["code"])
}

func taskIDs(tasks []*asynq.TaskInfo) []string {
	var ids []string
	for _, t := range tasks {
		ids = append(ids, t.ID)
	}
	return ids
}

func TestNotFoundAndHealth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, path := range []string{"/v1/captures/nope", "/v1/captures/../x", "/v1/captures/nope/photos/original", "/nothing-here", "/v1/schools/cjlu/students/S1/admission-photo"} {
		resp, body := b.do(t, mustReq(t, http.MethodGet, b.srv.URL+path, nil))
		require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		require.Equal(t, "not_found", errorOf(t, body)["code"], path)
	}
	resp, body := b.do(t, mustReq(t, http.MethodGet, b.srv.URL+"/healthz", nil))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "ok", body["status"])
}

func TestAdminUIRequiresAnAdmin(t *testing.T) {
	t.Parallel()
	off := setup(t)
	req := mustReq(t, http.MethodGet, off.srv.URL+"/admin/asynq/api/queues", nil)
	req.SetBasicAuth("admin", "secret")
	resp, body := off.do(t, req)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "basic auth is off unless asked for")
	require.Equal(t, "basic_auth_off", errorOf(t, body)["code"])
	require.Empty(t, resp.Header.Get("WWW-Authenticate"), "no browser is invited to remember a password")

	b := setup(t, func(c *intake.Config, _ *intake.Deps) { c.AdminBasicAuth = true })
	resp, _ = b.do(t, mustReq(t, http.MethodGet, b.srv.URL+"/admin/asynq/api/queues", nil))
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "the upstream service is no admin")
	req = mustReq(t, http.MethodGet, b.srv.URL+"/admin/asynq/api/queues", nil)
	req.SetBasicAuth("admin", "secret")
	resp, body = b.do(t, req)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, "queues")
	req = mustReq(t, http.MethodGet, b.srv.URL+"/admin/asynq/api/queues", nil)
	req.SetBasicAuth("admin", "wrong")
	resp, _ = b.do(t, req)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	req = mustReq(t, http.MethodGet, b.srv.URL+"/admin/asynq/api/queues", nil)
	req.SetBasicAuth("admin", "secret")
	resp, _ = b.do(t, req)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "basic auth is throttled as the login page is")
	require.Equal(t, "1", resp.Header.Get("Retry-After"))
}

func TestViewShowsReasonsReviewAndCTID(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	_, err := b.lc.SetAdmissionPhoto(ctx, "cjlu", "S1", capture.AdmissionPhoto{Key: "k", SHA256: "abc"}, capture.ActorUpstream)
	require.NoError(t, err)
	_, err = b.lc.Submit(ctx, &capture.Record{ID: "c1", School: "cjlu", StudentID: "S1", OpenID: "o1",
		Document: capture.Document{Type: "resident_id", Number: "11010519491231002X", Name: "张三"}})
	require.NoError(t, err)
	_, err = b.lc.Standardized(ctx, "c1", capture.StandardizeResult{OK: true,
		Review: []capture.Finding{{Code: "rephotographed", MessageZH: "疑似翻拍", Value: 0.01, Limit: 0.2}}})
	require.NoError(t, err)
	_, err = b.lc.Confirm(ctx, "c1", capture.AnswerMine, capture.ActorUpstream)
	require.NoError(t, err)
	_, err = b.lc.Matched(ctx, "c1", capture.MatchResult{Score: 91, Embedder: "arcface",
		CTID: &capture.CTIDCheck{Outcome: "not_same_person", Similarity: 31}})
	require.NoError(t, err)
	resp, body := b.do(t, mustReq(t, http.MethodGet, b.srv.URL+"/v1/captures/c1", nil))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "blocked", body["state"])
	require.Equal(t, "ctid_not_same_person", body["block_reason"])
	require.Contains(t, body["message_zh"], "非同一人")
	require.Contains(t, body["message_zh"], "更换新身份证", "the instructions' advice when the population database's photo is the problem")
	require.Equal(t, "居民身份证", body["document"].(map[string]any)["label_zh"])
	require.Equal(t, true, body["needs_review"])
	require.Equal(t, "rephotographed", body["review"].([]any)[0].(map[string]any)["code"])
	m := body["match"].(map[string]any)
	require.Equal(t, "not_same_person", m["ctid"].(map[string]any)["outcome"])
	require.Equal(t, 80.0, m["pass_score"])
	require.Equal(t, true, m["passed"], "the portrait passed; CTID blocked")
	h := body["history"].([]any)
	require.Len(t, h, 4)
	require.Equal(t, "match_blocked", h[3].(map[string]any)["cause"])
	raw, _ := json.Marshal(body)
	require.NotContains(t, string(raw), "张三")
	require.NotContains(t, string(raw), "11010519491231002X")
}

func TestCredentialFilesAreChecked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, doc string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(doc), 0o600))
		return p
	}
	for doc, want := range map[string]string{
		`{"keys":[]}`: "holds no key",
		`{"keys":[{"id":"k","secret":"short","schools":["*"]}]}`:                                                                       "at least 32",
		`{"keys":[{"id":"k","secret":"` + testSecret + `","schools":[]}]}`:                                                             "schools is empty",
		`{"keys":[{"id":"k","secret":"` + testSecret + `","schools":["../x"]}]}`:                                                       "not a school code",
		`{"keys":[{"id":"k","secret":"` + testSecret + `","schools":["*"],"extra":1}]}`:                                                "unknown field",
		`{"keys":[{"id":"k","secret":"` + testSecret + `","schools":["*"]},{"id":"k","secret":"` + testSecret + `","schools":["*"]}]}`: "twice",
	} {
		_, err := intake.LoadUpstreamKeys(write("keys.json", doc))
		require.ErrorContains(t, err, want, doc)
		require.ErrorContains(t, err, "RECHECK_UPSTREAM_KEYS")
	}
	for doc, want := range map[string]string{
		`{"users":[{"name":"a","role":"boss"}]}`:                                "role must be",
		`{"users":[{"name":"a","role":"reviewer"}]}`:                            "needs schools",
		`{"users":[{"name":"a","role":"admin","password_bcrypt":"plaintext"}]}`: "not a bcrypt hash",
	} {
		_, err := intake.LoadUsers(write("users.json", doc))
		require.ErrorContains(t, err, want, doc)
	}
	_, err := intake.New(intake.Config{Addr: "x", IdempotencyTTL: time.Hour}, intake.Deps{Faces: workertest.FaceCounter{}})
	require.ErrorContains(t, err, "RECHECK_UPSTREAM_KEYS is not set")
}

// TestUploadGate: while the uploads in flight fill the gate, another upload
// is refused with 503 and Retry-After before its body is read; when they
// are done, uploads are taken again.
func TestUploadGate(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *intake.Config, _ *intake.Deps) { c.MaxUploadBytes = 1 << 20 })
	photo := testphotos.Read(t, "faces/hivision-demo/test0.jpg")
	body, ct := multipartBody(t, validFields(), photo)
	raw := body.Bytes()

	// A slow upload: its headers and first bytes arrive, the rest waits.
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.CloseWithError(errors.New("test over")) })
	slow := mustReq(t, http.MethodPost, b.srv.URL+"/v1/captures", pr)
	slow.Header.Set("Content-Type", ct)
	slow.ContentLength = 2 << 20
	sum := sha256.Sum256(raw)
	for k, v := range signing.Headers("upstream", []byte(testSecret), http.MethodPost, "/v1/captures", hex.EncodeToString(sum[:]), time.Now()) {
		slow.Header.Set(k, v)
	}
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(slow)
		if err == nil {
			resp.Body.Close()
		}
		done <- resp
	}()
	_, err := pw.Write(raw[:100])
	require.NoError(t, err)
	for deadline := time.Now().Add(30 * time.Second); b.api.UploadsInFlight() == 0; time.Sleep(5 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "the slow upload never reached the gate")
	}

	// The gate is full: the next upload is refused at once.
	var resp *http.Response
	var got map[string]any
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		resp, got = b.post(t, validFields(), photo, nil)
		if resp.StatusCode == http.StatusServiceUnavailable {
			break
		}
	}
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, got)
	require.Equal(t, "busy", errorOf(t, got)["code"])
	require.Equal(t, "2", resp.Header.Get("Retry-After"))

	pw.CloseWithError(errors.New("client gone"))
	<-done
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		resp, got = b.post(t, validFields(), photo, nil)
		if resp.StatusCode != http.StatusServiceUnavailable {
			break
		}
	}
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "the gate opens again: %v", got)
}

// TestSlowClientsAreCut: a client that does not finish its headers within
// the header timeout loses the connection instead of holding it.
func TestSlowClientsAreCut(t *testing.T) {
	t.Parallel()
	rs := redistest.Start(t)
	store, err := storage.NewFS(t.TempDir())
	require.NoError(t, err)
	keys, users := credentials(t)
	api, err := intake.New(intake.Config{Addr: "x", IdempotencyTTL: time.Hour, UpstreamKeys: keys, AdminUsers: users,
		MaxUploadBytes: 64 << 20, ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: time.Second, WriteTimeout: time.Second, IdleTimeout: time.Second},
		intake.Deps{Redis: rs.Client, Lifecycle: capture.NewLifecycle(redisstore.New(redisstore.Params{Redis: rs.Client, Store: store}), capture.RuleSet{}),
			Store: store, Limits: imaging.DefaultLimits(), Faces: workertest.FaceCounter{}, Log: zerolog.Nop()})
	require.NoError(t, err)
	srv := api.Server()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })

	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.Write([]byte("POST /v1/captures HTTP/1.1\r\nHost: recheck\r\n"))
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, err = io.ReadAll(conn)
	require.NoError(t, err, "the server closed the connection (EOF), it did not wait for the client")
}
