package systemtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/recheck/recheck/callback"
	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/capture/redisstore"
	"github.com/recheck/recheck/identity"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/intake"
	"github.com/recheck/recheck/intake/signing"
	"github.com/recheck/recheck/internal/apicheck"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/internal/syncbuf"
	"github.com/recheck/recheck/internal/testclock"
	"github.com/recheck/recheck/jobs"
	"github.com/recheck/recheck/notify"
	"github.com/recheck/recheck/seal"
	"github.com/recheck/recheck/storage"
	"github.com/recheck/recheck/worker"
	"github.com/recheck/recheck/worker/workertest"
)

// world is the service as the upstream sees it: the real intake API over
// HTTP, real Redis, the real asynq server and workers, with the engines
// faked (workertest) so that a whole journey takes milliseconds.
type world struct {
	t      *testing.T
	ctx    context.Context
	api    *httptest.Server
	redis  *redistest.Server
	lc     *capture.Lifecycle
	store  storage.Store
	std    *workertest.Standardizer
	scorer *workertest.Scorer
	ctid   *workertest.Identity
	notes  *workertest.Notifier
	clock  *testclock.Clock
	insp   *asynq.Inspector
	srv    *worker.Server
	dir    string
	rules  capture.RuleSet
	keys   *seal.Keyring
	logs   *syncbuf.Buffer
	twice  bool
	opts   worldOptions
	// tokens are the users' API tokens, by name.
	tokens map[string]string
	// numbers are the students' resident ID numbers (docOf).
	numbers map[string]string
	// mu guards checked and last: requests may run at once.
	mu sync.Mutex
	// checked counts the answers validated against the API description.
	checked int
	stopped bool
	// last is the response of the last request.
	last *http.Response
}

type worldOptions struct {
	// twice delivers every task twice.
	twice bool
	// rules is a RECHECK_SCHOOL_RULES document.
	rules string
	// aof runs Redis with its append-only file, as production does.
	aof bool
	// notifier, when set, replaces the fake notifier (given the world's
	// Redis).
	notifier func(*redistest.Server) notify.Notifier
	// fastRetry retries failed tasks after 10 ms instead of backing off.
	fastRetry bool
	// callbacks, when set, are the callback settings.
	callbacks *callback.Settings
	// middleware wraps every handler.
	middleware []asynq.MiddlewareFunc
	// highWater is the intake's RECHECK_QUEUE_HIGH_WATER (0: none).
	highWater int
	// afterSend runs between a message's sending and its bookkeeping (an
	// error stands for the worker dying there).
	afterSend func() error
}

func newWorld(t *testing.T, o worldOptions) *world {
	t.Helper()
	rs := redistest.StartWith(t, redistest.Options{AOF: o.aof})
	dir := t.TempDir()
	store, err := storage.NewFS(dir)
	require.NoError(t, err)
	w := &world{
		t: t, ctx: context.Background(), redis: rs, store: store, dir: dir, twice: o.twice, opts: o,
		std: &workertest.Standardizer{}, scorer: &workertest.Scorer{}, ctid: &workertest.Identity{}, notes: &workertest.Notifier{},
		clock: testclock.New(time.Date(2026, 9, 1, 8, 0, 0, 0, shanghai)),
		insp:  asynq.NewInspectorFromRedisClient(rs.Client),
	}
	w.rules = capture.RuleSet{}
	w.keys, err = seal.New("k1", map[string][]byte{"k1": bytes.Repeat([]byte{7}, 32)}, bytes.Repeat([]byte{9}, 32))
	require.NoError(t, err)
	w.logs = &syncbuf.Buffer{}
	if o.rules != "" {
		w.rules, err = capture.ParseRuleSet([]byte(o.rules))
		require.NoError(t, err)
	}
	w.lc = w.lifecycle()
	keys, users, tokens := writeCredentials(t)
	w.tokens = tokens
	api, err := intake.New(intake.Config{Addr: "127.0.0.1:0", IdempotencyTTL: time.Hour, UpstreamKeys: keys, AdminUsers: users, ProxySecret: proxySecret, QueueHighWater: o.highWater}, intake.Deps{
		Redis: rs.Client, Lifecycle: w.lc, Store: store, Limits: imaging.DefaultLimits(), Faces: workertest.FaceCounter{}, Quality: w.std,
		Log: zerolog.New(w.logs), Now: w.clock.Now, AsynqRedis: asynq.RedisClientOpt{Network: "unix", Addr: rs.Socket},
	})
	require.NoError(t, err)
	w.api = httptest.NewServer(api)
	t.Cleanup(w.api.Close)
	w.startWorker()
	return w
}

// The credentials of the tests: the upstream key for every school, one
// limited to another school, and an admin.
const (
	upstreamSecret = "upstream-secret-upstream-secret-0001"
	otherSecret    = "other-school-secret-other-school-0002"
	proxySecret    = "reverse-proxy-secret-reverse-proxy-0003"
)

// writeCredentials writes the keys and users files; every user's password
// is "secret", and each has an API token (tokens, by name).
func writeCredentials(t *testing.T) (keys, users string, tokens map[string]string) {
	t.Helper()
	dir := t.TempDir()
	keys = filepath.Join(dir, "keys.json")
	require.NoError(t, os.WriteFile(keys, []byte(`{"keys": [
		{"id": "upstream", "secret": "`+upstreamSecret+`", "schools": ["*"]},
		{"id": "other", "secret": "`+otherSecret+`", "schools": ["other"]}]}`), 0o600))
	hash, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	require.NoError(t, err)
	tokens = map[string]string{}
	sums := map[string]string{}
	for _, u := range []string{"admin", "li", "wang"} {
		tokens[u], sums[u] = intake.NewAPIToken()
	}
	users = filepath.Join(dir, "users.json")
	require.NoError(t, os.WriteFile(users, []byte(`{"users": [
		{"name": "admin", "password_bcrypt": "`+string(hash)+`", "role": "admin", "api_tokens_sha256": ["`+sums["admin"]+`"]},
		{"name": "li", "password_bcrypt": "`+string(hash)+`", "role": "reviewer", "schools": ["cjlu"], "api_tokens_sha256": ["`+sums["li"]+`"]},
		{"name": "wang", "password_bcrypt": "`+string(hash)+`", "role": "records_office", "schools": ["cjlu"], "api_tokens_sha256": ["`+sums["wang"]+`"]}]}`), 0o600))
	return keys, users, tokens
}

func (w *world) lifecycle() *capture.Lifecycle {
	return capture.NewLifecycle(w.repo(), w.rules)
}

// repo is the world's store of captures, for what only the Redis store
// does (reindex, the outbox).
func (w *world) repo() *redisstore.Repository {
	return redisstore.New(redisstore.Params{
		Redis: w.redis.Client, Store: w.store, Now: w.clock.Now, Sealer: w.keys,
		Dispatcher: jobs.Dispatcher{Queue: asynq.NewClientFromRedisClient(w.redis.Client)},
		Callbacks:  w.callbackTargets(),
	})
}

func (w *world) startWorker() {
	var mw []asynq.MiddlewareFunc
	if w.twice {
		mw = append(mw, deliverTwice)
	}
	mw = append(mw, w.opts.middleware...)
	deps := worker.Deps{Lifecycle: w.lc, Store: w.store, Standardizer: w.std, Scorer: w.scorer, Identity: w.ctid, Notifier: w.notes, Log: zerolog.New(w.logs), Middleware: mw, AfterSend: w.opts.afterSend}
	if w.opts.notifier != nil {
		deps.Notifier = w.opts.notifier(w.redis)
	}
	if w.opts.callbacks != nil {
		deps.Callbacks = callback.NewSender(w.opts.callbacks)
	}
	if w.opts.fastRetry {
		deps.RetryDelay = func(int, error, *asynq.Task) time.Duration { return 10 * time.Millisecond }
	}
	w.srv = worker.New(w.redis.Client, worker.Config{Concurrency: 2, ShutdownTimeout: 5 * time.Second, PollInterval: 5 * time.Millisecond, SweepInterval: time.Hour}, deps)
	require.NoError(w.t, w.srv.Start())
	w.stopped = false
	w.t.Cleanup(w.stopWorker)
}

func (w *world) stopWorker() {
	if !w.stopped {
		w.stopped = true
		w.srv.Shutdown()
	}
}

// deliverTwice runs every task a second time after it succeeded, as asynq
// does when a worker dies between finishing a task and acknowledging it.
func deliverTwice(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		if err := next.ProcessTask(ctx, t); err != nil {
			return err
		}
		return next.ProcessTask(ctx, t)
	})
}

// idle waits until no task is pending, running or waiting to run soon in
// any queue: everything the last request set off is done, but for what is
// scheduled for later (the message at the end of a cool-off, a day away).
// It reads asynq's lists directly: after a Redis wipe a client that
// registered a queue before does not register it again, and the inspector
// would not see it.
func (w *world) idle() {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		// One MULTI: a task moving between the lists (retried every 10 ms
		// with fastRetry) is seen in exactly one of them.
		var counts []*redis.IntCmd
		_, err := w.redis.Client.TxPipelined(w.ctx, func(p redis.Pipeliner) error {
			for q := range jobs.QueueWeights {
				base := "asynq:{" + q + "}:"
				for _, k := range []string{"pending", "active"} {
					counts = append(counts, p.LLen(w.ctx, base+k))
				}
				soon := strconv.FormatInt(time.Now().Add(5*time.Second).Unix(), 10)
				for _, k := range []string{"scheduled", "retry"} {
					counts = append(counts, p.ZCount(w.ctx, base+k, "-inf", soon))
				}
			}
			return nil
		})
		require.NoError(w.t, err)
		busy := int64(0)
		for _, c := range counts {
			busy += c.Val()
		}
		if busy == 0 {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("queues still busy: %d tasks", busy)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// runNotice runs journey notice seq of a student now, as asynq does when
// its time comes (the world's clock is not asynq's), and waits for it.
func (w *world) runNotice(student string, seq int) {
	w.t.Helper()
	id := fmt.Sprintf("notify:cjlu:%s:n%d", student, seq)
	info, err := w.insp.GetTaskInfo(jobs.QueueNotify, id)
	require.NoError(w.t, err, "notice %d of %s was dispatched", seq, student)
	if info.State == asynq.TaskStateScheduled || info.State == asynq.TaskStateRetry {
		require.NoError(w.t, w.insp.RunTask(jobs.QueueNotify, id))
	}
	w.idle()
}

type doc struct{ typ, number, name string }

var residentID = doc{"resident_id", "11010519491231002X", "张三"}

// submit posts a capture of a photo tagged tag, as the upstream does,
// with the student's own resident ID (docOf).
func (w *world) submit(student, tag string) (int, map[string]any) {
	return w.submitAs(student, tag, w.docOf(student))
}

// docOf is a student's resident ID card: residentID for S1, another valid
// number for each other student (one person, one student).
func (w *world) docOf(student string) doc {
	if student == "S1" {
		return residentID
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.numbers == nil {
		w.numbers = map[string]string{}
	}
	n, ok := w.numbers[student]
	if !ok {
		first17 := fmt.Sprintf("42010220050301%03d", 100+len(w.numbers))
		n = first17 + string(identity.ResidentIDCheck(first17))
		w.numbers[student] = n
	}
	return doc{"resident_id", n, residentID.name}
}

func (w *world) submitAs(student, tag string, d doc) (int, map[string]any) {
	w.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range map[string]string{
		"school": "cjlu", "cohort": "2026级本科新生", "student_id": student, "openid": "oUpF8uMuAJO_" + student,
		"document_type": d.typ, "document_number": d.number, "name": d.name,
	} {
		require.NoError(w.t, mw.WriteField(k, v))
	}
	fw, err := mw.CreateFormFile("photo", "p.png")
	require.NoError(w.t, err)
	_, err = fw.Write(workertest.Photo(tag))
	require.NoError(w.t, err)
	require.NoError(w.t, mw.Close())
	resp, body := w.do(http.MethodPost, "/v1/captures", mw.FormDataContentType(), &b, false)
	return resp.StatusCode, body
}

// accepted submits and fails unless the capture was accepted; it returns
// the capture's ID after its standardization ran.
func (w *world) accepted(student, tag string) string {
	w.t.Helper()
	status, body := w.submit(student, tag)
	require.Equal(w.t, http.StatusAccepted, status, body)
	w.idle()
	return body["id"].(string)
}

func (w *world) putAdmission(student, tag string) map[string]any {
	w.t.Helper()
	resp, body := w.do(http.MethodPut, "/v1/schools/cjlu/students/"+student+"/admission-photo", "image/png", bytes.NewReader(workertest.Photo(tag)), false)
	require.Contains(w.t, []int{http.StatusOK, http.StatusCreated}, resp.StatusCode, body)
	w.idle()
	return body
}

// replaceAdmission has the records office (user wang) replace a student's
// admission photo.
func (w *world) replaceAdmission(student, tag, reason string) map[string]any {
	w.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	require.NoError(w.t, mw.WriteField("reason", reason))
	fw, err := mw.CreateFormFile("photo", "p.png")
	require.NoError(w.t, err)
	_, err = fw.Write(workertest.Photo(tag))
	require.NoError(w.t, err)
	require.NoError(w.t, mw.Close())
	resp, body := w.as("wang", http.MethodPost, "/v1/schools/cjlu/students/"+student+"/admission-photo/replacement", mw.FormDataContentType(), &b)
	require.Contains(w.t, []int{http.StatusOK, http.StatusCreated}, resp.StatusCode, body)
	w.idle()
	return body
}

func (w *world) capture(id string) map[string]any {
	w.t.Helper()
	resp, body := w.do(http.MethodGet, "/v1/captures/"+id, "", nil, false)
	require.Equal(w.t, http.StatusOK, resp.StatusCode, body)
	return body
}

func (w *world) state(id string) string { return w.capture(id)["state"].(string) }

func (w *world) confirm(id, answer string) (int, map[string]any) {
	w.t.Helper()
	resp, body := w.do(http.MethodPost, "/v1/captures/"+id+"/confirm", "application/json", jsonBody(map[string]string{"admission_photo": answer}), false)
	w.idle()
	return resp.StatusCode, body
}

func (w *world) review(id, decision, reason string) (int, map[string]any) {
	w.t.Helper()
	resp, body := w.do(http.MethodPost, "/v1/captures/"+id+"/review", "application/json", jsonBody(map[string]string{"decision": decision, "reason": reason}), true)
	w.idle()
	return resp.StatusCode, body
}

func (w *world) resolve(student, note string) (int, map[string]any) {
	w.t.Helper()
	resp, body := w.do(http.MethodPost, "/v1/schools/cjlu/students/"+student+"/escalation/resolve", "application/json", jsonBody(map[string]string{"note": note}), true)
	w.idle()
	return resp.StatusCode, body
}

func (w *world) summary(student string) map[string]any {
	w.t.Helper()
	resp, body := w.do(http.MethodGet, "/v1/schools/cjlu/students/"+student, "", nil, false)
	require.Equal(w.t, http.StatusOK, resp.StatusCode, body)
	return body
}

func (w *world) admin(path string) map[string]any {
	w.t.Helper()
	resp, body := w.do(http.MethodGet, path, "", nil, true)
	require.Equal(w.t, http.StatusOK, resp.StatusCode, body)
	return body
}

// pass takes a capture of the student through confirmation to review.
func (w *world) pass(student, tag string) string {
	w.t.Helper()
	id := w.accepted(student, tag)
	require.Equal(w.t, "awaiting_confirmation", w.state(id))
	status, body := w.confirm(id, "mine")
	require.Equal(w.t, http.StatusOK, status, body)
	return id
}

func jsonBody(v any) io.Reader {
	raw, _ := json.Marshal(v)
	return bytes.NewReader(raw)
}

// do sends a request: signed with the upstream key, or as the admin.
func (w *world) do(method, path, contentType string, body io.Reader, admin bool) (*http.Response, map[string]any) {
	w.t.Helper()
	if admin {
		return w.as("admin", method, path, contentType, body)
	}
	return w.as("upstream", method, path, contentType, body)
}

// as sends a request signed with key "upstream" or "other", as user
// "admin", "li" (reviewer) or "wang" (records office) with the user's API
// token, or anonymously ("").
func (w *world) as(who, method, path, contentType string, body io.Reader) (*http.Response, map[string]any) {
	w.t.Helper()
	resp, out := w.asRaw(who, method, path, contentType, body)
	var m map[string]any
	if len(out) > 0 && out[0] == '{' {
		require.NoError(w.t, json.Unmarshal(out, &m), string(out))
	}
	return resp, m
}

// asRaw is as, returning the body's bytes.
func (w *world) asRaw(who, method, path, contentType string, body io.Reader) (*http.Response, []byte) {
	w.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		raw, err = io.ReadAll(body)
		require.NoError(w.t, err)
	}
	req, err := http.NewRequest(method, w.api.URL+path, bytes.NewReader(raw))
	require.NoError(w.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	switch who {
	case "upstream", "other":
		secret := map[string]string{"upstream": upstreamSecret, "other": otherSecret}[who]
		sum := sha256.Sum256(raw)
		for k, v := range signing.Headers(who, []byte(secret), method, req.URL.RequestURI(), hex.EncodeToString(sum[:]), w.clock.Now()) {
			req.Header.Set(k, v)
		}
	case "":
	default:
		req.Header.Set("Authorization", "Bearer "+w.tokens[who])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(w.t, err)
	defer resp.Body.Close()
	w.mu.Lock()
	w.last = resp
	w.mu.Unlock()
	out, err := io.ReadAll(resp.Body)
	require.NoError(w.t, err)
	// Every JSON answer must match the API description.
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && !strings.HasPrefix(path, "/admin/asynq") {
		require.NoError(w.t, apicheck.Check(method, path, resp.StatusCode, out), "%s %s", method, path)
		w.mu.Lock()
		w.checked++
		w.mu.Unlock()
	}
	return resp, out
}

// causes lists the causes of a capture's history.
func causes(c map[string]any) []string {
	var out []string
	for _, e := range c["history"].([]any) {
		out = append(out, e.(map[string]any)["cause"].(string))
	}
	return out
}

// errCode returns the error code of an error body.
func errCode(t *testing.T, body map[string]any) string {
	t.Helper()
	e, ok := body["error"].(map[string]any)
	require.True(t, ok, "an error body: %v", body)
	require.NotEmpty(t, e["message_zh"], "every error has a Chinese message")
	return e["code"].(string)
}

// effects is what a journey did outside Redis: the engines' work and the
// messages sent.
type effects struct {
	Standardizations, Comparisons, IdentityChecks int
	Messages                                      []string
}

func (w *world) effects() effects {
	var keys []string
	for _, m := range w.notes.Sent() {
		keys = append(keys, m.Key)
	}
	sort.Strings(keys)
	return effects{w.std.Calls(), w.scorer.Calls(), w.ctid.Calls(), keys}
}

// bothDeliveries runs a journey once with every task delivered once and
// once with every task delivered twice, and requires both runs to have
// done the same work and sent the same messages.
func bothDeliveries(t *testing.T, o worldOptions, journey func(t *testing.T, w *world)) {
	var runs []effects
	for _, twice := range []bool{false, true} {
		t.Run(fmt.Sprintf("twice=%v", twice), func(t *testing.T) {
			o.twice = twice
			w := newWorld(t, o)
			journey(t, w)
			w.idle()
			runs = append(runs, w.effects())
		})
	}
	if len(runs) == 2 {
		require.Equal(t, runs[0], runs[1], "a task delivered twice does its work and sends its message once")
	}
}

func (w *world) callbackTargets() capture.CallbackTargets {
	if w.opts.callbacks == nil {
		return nil
	}
	return w.opts.callbacks.Targets
}
