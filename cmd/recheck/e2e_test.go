package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/identity"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/intake/client"
	"github.com/recheck/recheck/internal/loadtest"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/internal/syncbuf"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
	"github.com/recheck/recheck/jobs"
)

// service is recheck started in-process with both roles, on a private Redis
// and a temporary storage directory.
type service struct {
	base  string
	redis *redistest.Server
	store string
	stop  func() error
	// up signs requests with the development upstream key.
	up *client.Client
	// logs holds what the process logged.
	logs *syncbuf.Buffer
	// ops is a worker-only process's ops listener.
	ops string
	// admin is the development admin's API token.
	admin string
}

// metricsToken is the tests' RECHECK_METRICS_TOKEN.
const metricsToken = "metrics-token-metrics-token-metrics-0005"

// scrape reads a /metrics page with the metrics token and returns the
// value of each sample, by its name and labels as printed.
func scrape(t *testing.T, url string) (map[string]float64, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(raw))
	out := map[string]float64{}
	for _, line := range strings.Split(string(raw), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		require.NoError(t, err, line)
		out[line[:i]] = v
	}
	return out, string(raw)
}

func startService(t testing.TB) *service {
	t.Helper()
	rs := redistest.Start(t)
	dir := t.TempDir()
	return startRoles(t, rs, dir, roles{intake: true, worker: true})
}

// registerCTID writes the CTID simulator's registry into dir: the
// test's student S1 (11010519491231002X, 张三) and each of students (their
// numberOf, 张三 too), with a registry photo.
func registerCTID(t *testing.T, dir, photo string, students ...string) {
	t.Helper()
	reg := filepath.Join(dir, "ctid-registry")
	require.NoError(t, os.MkdirAll(reg, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(reg, "zhang.jpg"), testphotos.Read(t, photo), 0o644))
	people := map[string]map[string]string{numberOf("S1"): {"name": "张三", "photo": "zhang.jpg"}}
	for _, s := range students {
		people[numberOf(s)] = map[string]string{"name": "张三", "photo": "zhang.jpg"}
	}
	raw, err := json.Marshal(people)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(reg, "registry.json"), raw, 0o644))
}

// numbers are the test students' resident ID numbers (numberOf).
var numbers = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

// numberOf is a test student's resident ID number: 11010519491231002X for
// S1, another valid one for each other student name (one person, one
// student of a school).
func numberOf(student string) string {
	if student == "S1" {
		return "11010519491231002X"
	}
	numbers.Lock()
	defer numbers.Unlock()
	n, ok := numbers.m[student]
	if !ok {
		first17 := fmt.Sprintf("42010220050301%03d", 100+len(numbers.m))
		n = first17 + string(identity.ResidentIDCheck(first17))
		numbers.m[student] = n
	}
	return n
}

// startRoles starts one recheck process running r against a Redis and a
// storage directory that other processes may share.
func startRoles(t testing.TB, rs *redistest.Server, dir string, r roles, extra ...map[string]string) *service {
	t.Helper()
	secret := devCredentials(t, dir)
	env := serviceEnv(rs, dir)
	env["RECHECK_MODELS_DIR"] = testmodels.Dir(t)
	for _, m := range extra {
		for k, v := range m {
			env[k] = v
		}
	}
	cfg, err := loadConfig(nil, func(k string) string { return env[k] })
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncbuf.Buffer{}
	a, err := newApp(ctx, cfg, r, zerolog.New(logs))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- a.run(ctx) }()
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			stopErr = <-done
		})
		return stopErr
	}
	t.Cleanup(func() { _ = stop() })
	t.Cleanup(func() { keepLogs(t, logs.String()) })
	base := "http://" + a.addr()
	s := &service{base: base, redis: rs, store: filepath.Join(dir, "data"), stop: stop, up: client.New(base, devKeyID, secret), logs: logs, admin: adminToken(t, dir)}
	if a.opsLn != nil {
		s.ops = "http://" + a.opsLn.Addr().String()
	}
	return s
}

// keepLogs writes a failed test's service log (any test's, with
// RECHECK_KEEP_LOGS=1) to a file that outlives the test (its directory
// does not) and says where: the log tells which task did what when a
// fault run fails or recovers slowly.
func keepLogs(t testing.TB, logs string) {
	if (!t.Failed() && os.Getenv("RECHECK_KEEP_LOGS") != "1") || logs == "" {
		return
	}
	f, err := os.CreateTemp("", "recheck-"+strings.ReplaceAll(t.Name(), "/", "_")+"-*.log")
	if err != nil {
		return
	}
	defer f.Close()
	if _, err := f.WriteString(logs); err == nil {
		t.Logf("service log kept in %s", f.Name())
	}
}

// serviceEnv is the environment of a recheck process of the tests.
func serviceEnv(rs *redistest.Server, dir string) map[string]string {
	return map[string]string{
		"RECHECK_CTID_SIM_REGISTRY": filepath.Join(dir, "ctid-registry"),
		"RECHECK_CTID_SIM_UNKNOWN":  "not_found",
		"RECHECK_CTID_URL":          "sim",
		"RECHECK_REDIS_URL":         rs.URL,
		"RECHECK_HTTP_ADDR":         "127.0.0.1:0",
		"RECHECK_OPS_ADDR":          "127.0.0.1:0",
		"RECHECK_METRICS_TOKEN":     metricsToken,
		"RECHECK_STORAGE_DIR":       filepath.Join(dir, "data"),
		"RECHECK_CONCURRENCY":       "2",
		"RECHECK_SHUTDOWN_TIMEOUT":  "10s",
		"RECHECK_POLL_INTERVAL":     "50ms",
		"RECHECK_SCHOOLS":           filepath.Join(dir, "dev", devSchools),
		"RECHECK_UPSTREAM_KEYS":     filepath.Join(dir, "dev", devKeysFile),
		"RECHECK_ADMIN_USERS":       filepath.Join(dir, "dev", devUsersFile),
		"RECHECK_DATA_KEYS":         filepath.Join(dir, "dev", devDataKeys),
	}
}

// adminToken is the development admin's API token in dir/dev.
func adminToken(t testing.TB, dir string) string {
	t.Helper()
	token, err := devToken(filepath.Join(dir, "dev"), "admin")
	require.NoError(t, err)
	return token
}

// devCredentials writes the development credentials into dir/dev, as make
// dev does, and returns the upstream key's secret.
func devCredentials(t testing.TB, dir string) string {
	t.Helper()
	require.NoError(t, devInitCmd([]string{"--dir", filepath.Join(dir, "dev")}, io.Discard))
	secret, created, err := devKey(filepath.Join(dir, "dev", devKeysFile))
	require.NoError(t, err)
	require.False(t, created)
	return secret
}

func (s *service) putAdmission(t *testing.T, student, rel string) {
	t.Helper()
	resp, err := s.up.PutAdmissionPhoto(context.Background(), "cjlu", student, testphotos.Read(t, rel))
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.Status, string(resp.Body))
}

func (s *service) postCapture(t *testing.T, student string, photo []byte) (int, map[string]any) {
	t.Helper()
	return s.postCaptureAs(t, student, "张三", "resident_id", numberOf(student), photo)
}

func (s *service) postCaptureAs(t *testing.T, student, name, docType, number string, photo []byte) (int, map[string]any) {
	t.Helper()
	resp, err := s.up.SubmitCapture(context.Background(), client.Capture{
		School: "cjlu", Cohort: "2026级本科新生", StudentID: student, OpenID: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
		DocumentType: docType, DocumentNumber: number, Name: name,
	}, photo, "")
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, resp.Decode(&out))
	return resp.Status, out
}

func (s *service) get(t *testing.T, path string) (*client.Response, []byte) {
	t.Helper()
	resp, err := s.up.Get(context.Background(), path)
	require.NoError(t, err)
	return resp, resp.Body
}

// waitSettled polls a capture until it leaves the working states (queued,
// matching): it waits for the student, a reviewer or the office, or is
// done.
func (s *service) waitSettled(t *testing.T, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		_, body := s.get(t, "/v1/captures/"+id)
		var v map[string]any
		require.NoError(t, json.Unmarshal(body, &v))
		if v["state"] != "queued" && v["state"] != "matching" {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("capture %s still %v", id, v["state"])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// post sends a JSON body, as the admin when admin is set.
func (s *service) post(t *testing.T, path string, body any, admin bool) (int, map[string]any) {
	t.Helper()
	if !admin {
		resp, err := s.up.PostJSON(context.Background(), path, body)
		require.NoError(t, err)
		var out map[string]any
		require.NoError(t, resp.Decode(&out))
		return resp.Status, out
	}
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, s.base+path, bytes.NewReader(raw))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.admin)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// confirmed submits a capture, waits for its standardization, confirms
// the admission photo and waits for the comparison.
func (s *service) confirmed(t *testing.T, status int, body map[string]any) map[string]any {
	t.Helper()
	require.Equal(t, http.StatusAccepted, status, body)
	id := body["id"].(string)
	c := s.waitSettled(t, id)
	require.Equal(t, "awaiting_confirmation", c["state"], c)
	status, c = s.post(t, "/v1/captures/"+id+"/confirm", map[string]string{"admission_photo": "mine"}, false)
	require.Equal(t, http.StatusOK, status, c)
	return s.waitSettled(t, id)
}

func TestEndToEnd(t *testing.T) {
	rs := redistest.Start(t)
	dir := t.TempDir()
	registerCTID(t, dir, "faces/deepface/img15.jpg", "S1c", "S2") // the same person, another photo
	s := startRoles(t, rs, dir, roles{intake: true, worker: true})
	// deepface G04: img13 on file, img14 shot now (both on plain walls).
	for _, st := range []string{"S1", "S1b", "S1c", "S1d"} {
		s.putAdmission(t, st, "faces/deepface/img13.jpg")
	}

	// The same person: standardized to 480 × 640, confirmed by the student,
	// scored at least 80, checked by CTID, approved by a reviewer.
	status, body := s.postCapture(t, "S1", testphotos.Read(t, "faces/deepface/img14.jpg"))
	same := s.confirmed(t, status, body)
	require.Equal(t, "pending_review", same["state"], same)
	match := same["match"].(map[string]any)
	require.GreaterOrEqual(t, match["score"].(float64), 80.0)
	require.Equal(t, "arcface", match["embedder"])
	ctid := match["ctid"].(map[string]any)
	require.Equal(t, "pass", ctid["outcome"], "the CTID simulator compared the portrait with the registry photo")
	require.NotEmpty(t, ctid["serial"])
	stages := same["stages"].(map[string]any)
	require.Contains(t, stages, "standardize")
	require.Contains(t, stages, "match")

	resp, photo := s.get(t, same["photos"].(map[string]any)["standardized"].(string))
	require.Equal(t, http.StatusOK, resp.Status)
	info, err := imaging.Probe(photo, imaging.DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, imaging.JPEG, info.Format)
	require.Equal(t, [2]int{480, 640}, [2]int{info.Width, info.Height})

	status, body = s.post(t, "/v1/captures/"+same["id"].(string)+"/review", map[string]string{"decision": "approve"}, true)
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "approved", body["state"])
	require.Equal(t, "审核通过，已完成新生入学资格复查线上采集", body["message_zh"])

	// recheck export: the approved photo for CHSI, named by the document
	// number, exactly the stored standardized photo.
	zipPath := filepath.Join(dir, "cjlu.zip")
	var out, errOut bytes.Buffer
	env := serviceEnv(rs, dir)
	code := run(context.Background(), []string{"export", "--school", "cjlu", "--out", zipPath, "--user", "e2e"}, func(k string) string { return env[k] }, &out, &errOut)
	require.Equal(t, exitOK, code, errOut.String())
	require.Contains(t, out.String(), "1 photos of 1 students")
	zr, err := zip.OpenReader(zipPath)
	require.NoError(t, err)
	require.Equal(t, []string{"11010519491231002X.jpg", "manifest.csv"}, []string{zr.File[0].Name, zr.File[1].Name})
	f, err := zr.File[0].Open()
	require.NoError(t, err)
	exported, err := io.ReadAll(f)
	require.NoError(t, err)
	require.Equal(t, photo, exported)
	require.NoError(t, zr.Close())
	code = run(context.Background(), []string{"export", "--school", "nobody", "--out", zipPath}, func(k string) string { return env[k] }, &out, &errOut)
	require.Equal(t, exitRejected, code)
	require.Contains(t, out.String(), "nothing to export")

	// A different person (deepface G06) against the same admission photo:
	// below 80.
	status, body = s.postCapture(t, "S1b", testphotos.Read(t, "faces/deepface/img18.jpg"))
	other := s.confirmed(t, status, body)
	require.Equal(t, "blocked", other["state"], other)
	require.Less(t, other["match"].(map[string]any)["score"].(float64), 80.0)

	// A wrong name for the number: CTID says the identity is invalid.
	status, body = s.postCaptureAs(t, "S1c", "张四", "resident_id", numberOf("S1c"), testphotos.Read(t, "faces/deepface/img14.jpg"))
	invalid := s.confirmed(t, status, body)
	require.Equal(t, "blocked", invalid["state"], invalid)
	require.Equal(t, "ctid_identity_invalid", invalid["block_reason"], invalid)
	require.Contains(t, invalid["message_zh"], "网证")

	// A passport: no CTID, the portrait alone decides.
	status, body = s.postCaptureAs(t, "S1d", "John Smith", "passport", "E12345678", testphotos.Read(t, "faces/deepface/img14.jpg"))
	foreign := s.confirmed(t, status, body)
	require.Equal(t, "pending_review", foreign["state"], foreign)
	require.Nil(t, foreign["match"].(map[string]any)["ctid"])

	// recheck reprocess: re-score the school's blocked and pending captures
	// with the real matcher (the same calibration: nothing moves), then the
	// same batch again (nothing queued).
	reproc := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		env := serviceEnv(rs, dir)
		code := run(context.Background(), append([]string{"reprocess", "--school", "cjlu"}, args...), func(k string) string { return env[k] }, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	rc, rout, rerr := reproc("--stage", "match", "--dry-run")
	require.Equal(t, exitOK, rc, rerr)
	require.Contains(t, rout, "would match 3 captures of cjlu; blocked 2; pending_review 1")
	rc, rout, rerr = reproc("--stage", "match")
	require.Equal(t, exitOK, rc, rerr)
	require.Contains(t, rout, "done 3 of 3; changed 0, unchanged 3, failed 0", rerr)
	rc, _, rerr = reproc("--stage", "match")
	require.Equal(t, exitOK, rc, rerr)
	require.Contains(t, rerr, "3 captures, 0 queued now, 3 done before")
	rc, _, rerr = reproc("--stage", "standardize", "--state", "blocked")
	require.Equal(t, exitBadInput, rc)
	require.Contains(t, rerr, "stage standardize takes captures in")

	// No admission photo: the capture waits on hold, then goes on when the
	// photo arrives.
	status, body = s.postCapture(t, "S2", testphotos.Read(t, "faces/deepface/img14.jpg"))
	held := s.confirmed(t, status, body)
	require.Equal(t, "on_hold", held["state"])
	require.Equal(t, "admission_photo_missing", held["hold_reason"])
	s.putAdmission(t, "S2", "faces/deepface/img13.jpg")
	held = s.waitSettled(t, body["id"].(string))
	require.Equal(t, "pending_review", held["state"], "the held capture was compared when the photo arrived")

	// An unreadable upload: a clear 4xx, and no record, file or task.
	insp := asynq.NewInspectorFromRedisClient(s.redis.Client)
	var before *asynq.QueueInfo
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		before, err = insp.GetQueueInfo(jobs.QueueCapture)
		require.NoError(t, err)
		if before.Pending+before.Active == 0 || time.Now().After(deadline) {
			break // the comparisons above have been acknowledged
		}
	}
	status, body = s.postCapture(t, "S3", []byte("definitely not a photo"))
	require.Equal(t, http.StatusUnsupportedMediaType, status)
	e := body["error"].(map[string]any)
	require.Equal(t, "unsupported_format", e["code"])
	require.NotEmpty(t, e["message_zh"])
	after, err := insp.GetQueueInfo(jobs.QueueCapture)
	require.NoError(t, err)
	require.Equal(t, before.Size, after.Size, "no task was enqueued")
	require.Equal(t, before.Processed, after.Processed)
	keys, err := filepath.Glob(filepath.Join(s.store, "schools", "cjlu", "captures", "*"))
	require.NoError(t, err)
	require.Len(t, keys, 5, "only the five good captures are stored")

	// The durable result lives beside the photos.
	raw, err := filepath.Glob(filepath.Join(s.store, "schools", "cjlu", "captures", same["id"].(string), "result.json"))
	require.NoError(t, err)
	require.Len(t, raw, 1)

	ids := []string{same["id"].(string), other["id"].(string), invalid["id"].(string), foreign["id"].(string), held["id"].(string)}
	paths := []string{"/v1/schools/cjlu/students/S1", "/v1/schools/cjlu/students/S1b", "/v1/schools/cjlu/students/S2"}
	for _, id := range ids {
		paths = append(paths, "/v1/captures/"+id)
	}
	snapshot := func(s *service) map[string]string {
		out := map[string]string{}
		for _, p := range paths {
			resp, body := s.get(t, p)
			require.Equal(t, http.StatusOK, resp.Status, p)
			out[p] = string(body)
		}
		return out
	}
	answers := snapshot(s)

	// Names, document numbers and openids are nowhere in the clear: not in
	// a full dump of Redis, not in storage, not in the logs.
	secrets := []string{"张三", "张四", "John Smith", "11010519491231002X", "E12345678", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}
	look := func(where string, data []byte) {
		for _, v := range secrets {
			require.False(t, bytes.Contains(data, []byte(v)), "%s holds %s in the clear", where, v)
		}
	}
	look("the Redis dump", rs.Dump(t))
	require.NoError(t, filepath.Walk(s.store, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		look(p, raw)
		return nil
	}))
	look("the logs", s.logs.Bytes())

	// The metrics of the run: every accepted capture counted once by its
	// route, the stages timed, CTID outcomes, the queues; no identifier in
	// any label.
	mets, scraped := scrape(t, s.base+"/metrics")
	captures := rs.Client.ZCard(context.Background(), "recheck:school:cjlu:captures").Val()
	require.Equal(t, float64(captures), mets[`recheck_http_requests_total{route="POST /v1/captures",status="202"}`], "one per accepted capture")
	require.Equal(t, 1.0, mets[`recheck_http_requests_total{route="POST /v1/captures",status="415"}`], "the unreadable upload")
	require.Equal(t, 1.0, mets[`recheck_http_errors_total{code="unsupported_format"}`])
	require.GreaterOrEqual(t, mets[`recheck_ctid_checks_total{outcome="pass"}`], 2.0)
	require.GreaterOrEqual(t, mets[`recheck_capture_outcomes_total{state="blocked"}`], 2.0)
	require.GreaterOrEqual(t, mets[`recheck_capture_outcomes_total{state="pending_review"}`], 2.0)
	require.GreaterOrEqual(t, mets[`recheck_stage_duration_seconds_count{stage="standardize"}`], float64(captures))
	require.Contains(t, mets, `recheck_stage_duration_seconds_count{stage="ctid"}`)
	require.Equal(t, float64(captures), mets[`asynq_tasks_processed_total{queue="capture"}`]-mets[`recheck_tasks_total{result="ok",type="capture:match"}`], "asynq's queue metrics: every standardize task")
	require.Contains(t, mets, `recheck_upload_inflight_bytes`)
	require.NotContains(t, scraped, same["id"].(string), "no capture ID in a label")
	require.NotContains(t, scraped, "S1b", "no student in a label")
	checkDeployKit(t, scraped)

	// Readiness: Redis, storage, models and CTID (simulated).
	rresp, err := http.Get(s.base + "/readyz")
	require.NoError(t, err)
	var ready map[string]any
	require.NoError(t, json.NewDecoder(rresp.Body).Decode(&ready))
	rresp.Body.Close()
	require.Equal(t, http.StatusOK, rresp.StatusCode, ready)
	checks := ready["checks"].(map[string]any)
	require.ElementsMatch(t, []string{"redis", "storage", "models", "ctid"}, slices.Collect(maps.Keys(checks)))
	require.Contains(t, checks["ctid"].(map[string]any)["detail"], "simulated")

	// Graceful shutdown.
	require.NoError(t, s.stop())
	_, err = http.Get(s.base + "/healthz")
	require.Error(t, err, "the API is closed after shutdown")

	// Redis is lost; `recheck reindex` rebuilds it from storage and the API
	// answers as before.
	require.NoError(t, rs.Client.FlushAll(context.Background()).Err())
	out.Reset()
	errOut.Reset()
	code = run(context.Background(), []string{"reindex", "--json"}, func(k string) string { return serviceEnv(rs, dir)[k] }, &out, &errOut)
	require.Equal(t, exitOK, code, errOut.String())
	var rep map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep), out.String())
	require.Equal(t, 5.0, rep["captures"])
	require.Equal(t, 5.0, rep["admission_photos"])
	require.Equal(t, answers, snapshot(startRoles(t, rs, dir, roles{intake: true})))
}

// TestSplitRoles runs the intake API and the workers as two processes
// sharing Redis and storage, as `recheck intake` and `recheck worker` do.
func TestSplitRoles(t *testing.T) {
	rs := redistest.Start(t)
	dir := t.TempDir()
	registerCTID(t, dir, "faces/deepface/img15.jpg")
	api := startRoles(t, rs, dir, roles{intake: true})
	w := startRoles(t, rs, dir, roles{worker: true})
	require.Empty(t, w.base[len("http://"):], "the worker serves no API")

	api.putAdmission(t, "S1", "faces/deepface/img13.jpg")
	status, body := api.postCapture(t, "S1", testphotos.Read(t, "faces/deepface/img14.jpg"))
	got := api.confirmed(t, status, body)
	require.Equal(t, "pending_review", got["state"], got)

	// The worker's own ops listener: alive, ready, metrics behind the token.
	get := func(path string) (int, string) {
		resp, err := http.Get(w.ops + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(raw)
	}
	code, _ := get("/healthz")
	require.Equal(t, http.StatusOK, code)
	code, text := get("/readyz")
	require.Equal(t, http.StatusOK, code, text)
	for _, c := range []string{`"redis":{"ok":true`, `"storage":{"ok":true`, `"models":{"ok":true`, `"ctid":{"ok":true`} {
		require.Contains(t, text, c)
	}
	code, _ = get("/metrics")
	require.Equal(t, http.StatusUnauthorized, code, "no metrics without the token")
	// The capture's state is written before the match task ends and is
	// counted: wait for the count rather than race it.
	var matched float64
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		mets, _ := scrape(t, w.ops+"/metrics")
		if matched = mets[`recheck_tasks_total{result="ok",type="capture:match"}`]; matched > 0 {
			break
		}
	}
	require.Equal(t, 1.0, matched)

	// Redis gone: not ready (503), still alive.
	rs.Kill()
	code, text = get("/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code, text)
	require.Contains(t, text, `"redis":{"ok":false`)
	code, _ = get("/healthz")
	require.Equal(t, http.StatusOK, code)
	require.NoError(t, w.stop())
	require.NoError(t, api.stop())
}

// TestWorkerRefusesToStartWithoutCTID: no gateway is ever defaulted; the
// simulator runs only when chosen by name.
func TestWorkerRefusesToStartWithoutCTID(t *testing.T) {
	rs := redistest.Start(t)
	dir := t.TempDir()
	devCredentials(t, dir)
	env := serviceEnv(rs, dir)
	env["RECHECK_MODELS_DIR"] = testmodels.Dir(t)
	delete(env, "RECHECK_CTID_URL")
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"worker"}, func(k string) string { return env[k] }, io.Discard, &stderr)
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr.String(), "RECHECK_CTID_URL is not set")
	require.Contains(t, stderr.String(), "RECHECK_CTID_URL=sim")

	env["RECHECK_CTID_URL"] = "sim"
	delete(env, "RECHECK_DATA_KEYS")
	stderr.Reset()
	code = run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, io.Discard, &stderr)
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr.String(), "neither RECHECK_DATA_KEYS nor RECHECK_DATA_KEY is set", "no service keeps personal data in the clear")
	env["RECHECK_DATA_KEYS"] = filepath.Join(dir, "dev", devDataKeys)

	env["RECHECK_CTID_URL"] = "https://ctid.example.cn"
	stderr.Reset()
	code = run(context.Background(), []string{"worker"}, func(k string) string { return env[k] }, io.Discard, &stderr)
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr.String(), "RECHECK_CTID_APP_ID is required", "a real gateway needs its credentials; there is no default key")
}

func TestServeFailsClearlyWithoutRedis(t *testing.T) {
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"worker"}, func(k string) string {
		return map[string]string{"RECHECK_REDIS_URL": "redis://127.0.0.1:1/0", "RECHECK_MODELS_DIR": t.TempDir()}[k]
	}, io.Discard, &stderr)
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr.String(), "cannot reach Redis at redis://127.0.0.1:1/0")
}

// TestCallCommand: recheck call signs requests as the upstream service
// does, for the README's walkthrough.
func TestCallCommand(t *testing.T) {
	rs := redistest.Start(t)
	dir := t.TempDir()
	s := startRoles(t, rs, dir, roles{intake: true})
	env := serviceEnv(rs, dir)
	call := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"call", "--url", s.base}, args...), func(k string) string { return env[k] }, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	photo := testphotos.Path(t, "faces/deepface/img13.jpg")
	code, out, errOut := call("PUT", "/v1/schools/cjlu/students/S1/admission-photo", "--file", photo)
	require.Equal(t, exitOK, code, errOut+out)
	require.Contains(t, errOut, "201 Created")
	require.Contains(t, out, `"sha256"`)

	code, out, errOut = call("POST", "/v1/captures", "-F", "school=cjlu", "-F", "cohort=2026级", "-F", "student_id=S1",
		"-F", "openid=o-123", "-F", "document_type=passport", "-F", "document_number=E12345678", "-F", "name=John",
		"-F", "photo=@"+testphotos.Path(t, "faces/deepface/img14.jpg"), "--idempotency-key", "walk-1")
	require.Equal(t, exitOK, code, errOut+out)
	require.Contains(t, errOut, "202 Accepted")
	require.Contains(t, errOut, "Location: /v1/captures/")

	code, out, _ = call("GET", "/v1/schools/cjlu/students/S1")
	require.Equal(t, exitOK, code)
	require.Contains(t, out, `"stage":"processing"`)

	code, out, errOut = call("POST", "/v1/captures/nope/confirm", "--json", `{"admission_photo":"mine"}`)
	require.Equal(t, exitFailure, code, "an error answer fails the command")
	require.Contains(t, errOut, "404")
	require.Contains(t, out, "not_found")

	// A staff member's request: the token, not the upstream's signature.
	tokens := filepath.Join(dir, "dev", devTokensDir)
	code, out, errOut = call("--token", filepath.Join(tokens, "reviewer"), "GET", "/v1/schools/cjlu/reviews?state=pending")
	require.Equal(t, exitOK, code, errOut+out)
	require.Contains(t, out, `"items"`)
	code, out, _ = call("--token", filepath.Join(tokens, "office"), "GET", "/v1/schools/cjlu/reviews?state=pending")
	require.Equal(t, exitFailure, code, "the records office does not review")
	require.Contains(t, out, "forbidden")
	code, _, errOut = call("--token", filepath.Join(dir, "no-such-token"), "GET", "/v1/schools/cjlu/reviews")
	require.Equal(t, exitFailure, code)
	require.Contains(t, errOut, "--token")
}

// TestRotateKeyCommand: a new key is added, made primary and every record
// resealed with it; the service reads everything with the new key alone.
func TestRotateKeyCommand(t *testing.T) {
	rs := redistest.Start(t)
	dir := t.TempDir()
	s := startRoles(t, rs, dir, roles{intake: true})
	s.putAdmission(t, "S1", "faces/deepface/img13.jpg")
	status, body := s.postCapture(t, "S1", testphotos.Read(t, "faces/deepface/img14.jpg"))
	require.Equal(t, http.StatusAccepted, status, body)
	id := body["id"].(string)
	require.NoError(t, s.stop())

	env := serviceEnv(rs, dir)
	cmd := func(args ...string) string {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append([]string{"rotate-key"}, args...), func(k string) string { return env[k] }, &out, &errOut)
		require.Equal(t, exitOK, code, errOut.String())
		return out.String()
	}
	require.Contains(t, cmd("new", "k2"), "restart every role")
	require.Contains(t, cmd("use", "k2"), "recheck rotate-key reseal")
	var rep map[string]any
	require.NoError(t, json.Unmarshal([]byte(cmd("reseal", "--json")), &rep))
	require.Equal(t, 1.0, rep["captures"])
	require.Equal(t, 1.0, rep["journeys"])

	raw, err := os.ReadFile(filepath.Join(dir, "data", "schools", "cjlu", "captures", id, "result.json"))
	require.NoError(t, err)
	require.Contains(t, string(raw), "sealed:v1:k2:")
	require.NotContains(t, string(raw), "sealed:v1:dev1:")

	s2 := startRoles(t, rs, dir, roles{intake: true})
	resp, got := s2.get(t, "/v1/captures/"+id)
	require.Equal(t, http.StatusOK, resp.Status, string(got))
	require.Contains(t, string(got), "110***********002X")
}

// TestLoadCommand: recheck load drives a running service with phone-like
// photos of the shared volunteers and accounts for every capture.
func TestLoadCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test drives two load runs through the real engines; make test runs it")
	}
	rs := redistest.Start(t)
	dir := t.TempDir()
	s := startRoles(t, rs, dir, roles{intake: true, worker: true})
	env := serviceEnv(rs, dir)
	photos := testphotos.Path(t, "faces-east-asian/imironica_liveness_NUAA_live")
	for _, mode := range [][]string{
		{"--concurrency", "3"},                 // closed loop: three students at a time
		{"--rate", "20", "--concurrency", "3"}, // open loop: as students arrive
	} {
		var out, errOut bytes.Buffer
		args := append([]string{"load", "--url", s.base, "--captures", "6", "--size", "1mp",
			"--photos", photos, "--token-file", filepath.Join(dir, "dev", devTokensDir, "admin"), "--json"}, mode...)
		code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
		require.Equal(t, exitOK, code, errOut.String()+out.String())
		var rep loadtest.Report
		require.NoError(t, json.Unmarshal(out.Bytes(), &rep), out.String())
		sum := 0
		for _, n := range rep.Outcomes {
			sum += n
		}
		require.Equal(t, 6, sum, "%v: every capture accounted for: %v", mode, rep.Outcomes)
		require.Empty(t, rep.Errors)
		require.Equal(t, 6, rep.Admissions.Count, "admission photos registered first")
		require.Greater(t, rep.Rate, 0.0)
		require.Greater(t, rep.InputBytes["mean"], 50_000, "phone-like 1 MP JPEGs")
		require.Greater(t, rep.StageMS["standardize"], 0.0)
		require.Greater(t, rep.RedisPerCap, 0.0)
		require.LessOrEqual(t, rep.LatencyP50, rep.LatencyP99)
	}
}

// devToken reads a development user's API token.
func devToken(dir, user string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, devTokensDir, user))
	if err != nil {
		return "", fmt.Errorf("the development API token of %s: %w (run make dev or recheck dev-init)", user, err)
	}
	return strings.TrimSpace(string(raw)), nil
}
