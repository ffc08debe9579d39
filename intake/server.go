// Package intake is recheck's thin HTTP API. For the upstream intake
// service it stores admission photos, accepts captures (checking the
// metadata, the photo and the student's journey before anything is
// stored), takes the student's confirmation and reports captures and
// students; for reviewers and the records office it lists the captures
// waiting for review and the open cases, and takes their decisions. Every
// change goes through capture.Lifecycle. Standardization and scoring run
// in the workers; a request does image work in two places only: an
// admission photo upload finds its face (so a photo without one is refused
// at once), and the free quality check (precheck) runs the quality
// measures in a fixed number of slots, answering 503 when they are full.
// Staff endpoints take a session or an API token; the queue UI (asynqmon)
// is for admins.
package intake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/metrics"
	"github.com/recheck/recheck/ops"
	"github.com/recheck/recheck/storage"
)

// Config configures the HTTP API.
type Config struct {
	// Addr is the listen address.
	Addr string `env:"RECHECK_HTTP_ADDR" default:"127.0.0.1:8080" help:"listen address of the intake API"`
	// UpstreamKeys names the file of the upstream service's signing keys
	// (see UpstreamKey); required.
	UpstreamKeys string `env:"RECHECK_UPSTREAM_KEYS" help:"JSON file of the upstream service's signing keys ({\"keys\":[{\"id\",\"secret\"}]}; the schools each may act for are in the upstream_keys section of RECHECK_SCHOOLS, or, deprecated, a key's \"schools\"); required by the intake API (make dev writes a development one)"`
	// KeySchools are the schools each upstream key may act for, from the
	// schools document (set by the command that read it).
	KeySchools map[string][]string
	// AdminUsers names the file of users (admins, reviewers, records
	// offices) with their bcrypt password hashes and roles; empty: no user
	// may log in.
	AdminUsers string `env:"RECHECK_ADMIN_USERS" help:"JSON file of users ({\"users\":[{\"name\",\"password_bcrypt\",\"role\",\"schools\",\"api_tokens_sha256\"}]}; roles admin, reviewer, records_office); empty: nobody logs in"`
	// ProxySecret lets a trusted reverse proxy that authenticates people
	// itself pass the user's name (X-Recheck-User) with this secret
	// (X-Recheck-Proxy-Secret); empty: no proxy is trusted.
	ProxySecret string `env:"RECHECK_ADMIN_PROXY_SECRET" help:"secret a trusted reverse proxy sends in X-Recheck-Proxy-Secret with the user's name in X-Recheck-User; empty: no proxy is trusted" secret:"true"`
	// AdminBasicAuth lets scripts log in with HTTP basic auth (throttled
	// as the login page is); off, users log in on the login page (a
	// session) or send an API token.
	AdminBasicAuth bool `env:"RECHECK_ADMIN_BASIC_AUTH" default:"false" help:"accept HTTP basic auth from users' scripts (throttled like the login page); off: browsers log in on /admin/login, scripts send an API token (Authorization: Bearer)"`
	// SessionIdle and SessionMaxAge end a staff session unused that long,
	// and any session that old.
	SessionIdle   time.Duration `env:"RECHECK_SESSION_IDLE" default:"30m" help:"a staff session unused this long ends (log in again)"`
	SessionMaxAge time.Duration `env:"RECHECK_SESSION_MAX_AGE" default:"12h" help:"a staff session this old ends, however used"`
	// AdminOrigins are the origins, besides the service's own, that staff
	// browsers reach it at (behind a proxy that changes the Host).
	AdminOrigins string `env:"RECHECK_ADMIN_ORIGINS" help:"comma-separated origins (https://host[:port]) staff browsers reach the service at when a reverse proxy changes the Host; state-changing requests from any other origin are refused"`
	// LoginLockAfter is how many wrong passwords in a row lock a user name.
	LoginLockAfter int `env:"RECHECK_LOGIN_LOCK_AFTER" default:"10" help:"wrong passwords in a row that lock a user until an admin or the records office unlocks it (before that, each attempt waits twice as long as the last: 1 s, 2 s, 4 s, …)"`
	// MaxUploadBytes bounds the bytes of uploads handled at once; over it,
	// uploads are refused with 503 before their bodies are read.
	// QueueHighWater is how many capture tasks may wait before new
	// captures are turned away with 429.
	QueueHighWater int   `env:"RECHECK_QUEUE_HIGH_WATER" default:"20000" help:"capture tasks waiting in the queue above which new captures get 429 with Retry-After, before their bodies are read (0: no limit)"`
	MaxUploadBytes int64 `env:"RECHECK_MAX_UPLOAD_BYTES" default:"67108864" help:"bytes of uploads handled at once (photos in memory); over it uploads get 503 with Retry-After before their bodies are read"`
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout bound
	// how long a client may take, so slow clients cannot hold connections.
	ReadHeaderTimeout time.Duration `env:"RECHECK_HTTP_READ_HEADER_TIMEOUT" default:"10s" help:"time a client has to send the request headers"`
	ReadTimeout       time.Duration `env:"RECHECK_HTTP_READ_TIMEOUT" default:"60s" help:"time a client has to send a whole request, body included"`
	WriteTimeout      time.Duration `env:"RECHECK_HTTP_WRITE_TIMEOUT" default:"60s" help:"time to write a response"`
	IdleTimeout       time.Duration `env:"RECHECK_HTTP_IDLE_TIMEOUT" default:"60s" help:"time a kept-alive connection may stay idle"`
	// PrecheckSlots is how many prechecks run at once; over it a precheck
	// is answered 503 at once. Zero means two per CPU.
	PrecheckSlots int `env:"RECHECK_PRECHECK_SLOTS" default:"0" help:"prechecks (free quality checks) run at once; more get 503 with Retry-After at once (0: two per CPU)"`
	// IdempotencyTTL is how long an Idempotency-Key is remembered.
	IdempotencyTTL time.Duration `env:"RECHECK_IDEMPOTENCY_TTL" default:"24h" help:"how long an Idempotency-Key maps to its capture"`
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.Addr == "" {
		return errors.New("intake: RECHECK_HTTP_ADDR is empty")
	}
	if c.IdempotencyTTL < time.Minute {
		return errors.New("intake: RECHECK_IDEMPOTENCY_TTL must be at least 1m")
	}
	if c.PrecheckSlots < 0 {
		return errors.New("intake: RECHECK_PRECHECK_SLOTS must be 0 (two per CPU) or more")
	}
	if c.QueueHighWater < 0 {
		return errors.New("intake: RECHECK_QUEUE_HIGH_WATER must be 0 (no limit) or more")
	}
	if c.MaxUploadBytes < 1<<20 {
		return errors.New("intake: RECHECK_MAX_UPLOAD_BYTES must be at least 1 MB")
	}
	for name, d := range map[string]time.Duration{
		"RECHECK_HTTP_READ_HEADER_TIMEOUT": c.ReadHeaderTimeout, "RECHECK_HTTP_READ_TIMEOUT": c.ReadTimeout,
		"RECHECK_HTTP_WRITE_TIMEOUT": c.WriteTimeout, "RECHECK_HTTP_IDLE_TIMEOUT": c.IdleTimeout,
	} {
		if d <= 0 {
			return fmt.Errorf("intake: %s must be positive", name)
		}
	}
	if c.SessionIdle < time.Minute || c.SessionMaxAge < c.SessionIdle {
		return errors.New("intake: RECHECK_SESSION_IDLE must be at least 1m and RECHECK_SESSION_MAX_AGE at least as long")
	}
	if c.LoginLockAfter < 3 {
		return errors.New("intake: RECHECK_LOGIN_LOCK_AFTER must be at least 3")
	}
	if err := checkOrigins(c.origins()); err != nil {
		return err
	}
	if c.ProxySecret != "" && len(c.ProxySecret) < 32 {
		return errors.New("intake: RECHECK_ADMIN_PROXY_SECRET must have at least 32 characters")
	}
	if c.UpstreamKeys != "" {
		if _, err := LoadUpstreamKeysWith(c.UpstreamKeys, c.KeySchools); err != nil {
			return err
		}
	}
	if c.AdminUsers != "" {
		if _, err := LoadUsers(c.AdminUsers); err != nil {
			return err
		}
	}
	return nil
}

// origins lists AdminOrigins.
func (c Config) origins() []string {
	var out []string
	for _, o := range strings.Split(c.AdminOrigins, ",") {
		if o = strings.TrimSuffix(strings.TrimSpace(o), "/"); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// Require reports what an intake API cannot start without: the upstream
// keys (every request but health is signed or logged in).
func (c Config) Require() error {
	if c.UpstreamKeys == "" {
		return errors.New("intake: RECHECK_UPSTREAM_KEYS is not set: the upstream service's requests are signed with its keys (make dev writes development keys)")
	}
	return nil
}

// Deps are what the API works with.
type Deps struct {
	Redis redis.UniversalClient
	// Lifecycle makes every change and answers every read about captures
	// and journeys.
	Lifecycle *capture.Lifecycle
	// Store holds the photos.
	Store  storage.Store
	Limits imaging.Limits
	// Faces counts the faces of admission photos at upload.
	Faces FaceCounter
	// Quality runs the quality checks of a precheck; nil answers prechecks
	// with 503.
	Quality QualityChecker
	Log     zerolog.Logger
	// AsynqRedis lets the admin UI reach the queues; nil leaves it out.
	AsynqRedis asynq.RedisConnOpt
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Metrics counts requests and errors; nil counts nothing.
	Metrics *metrics.Metrics
	// Ready are the process's readiness checks (Redis, storage, models,
	// CTID), for /readyz.
	Ready []ops.Check
	// MetricsToken lets a scraper read /metrics without a user.
	MetricsToken string
}

// API is the HTTP handler of the intake API.
type API struct {
	cfg     Config
	deps    Deps
	mux     *http.ServeMux
	auth    *authenticator
	uploads *uploadGate
	// queue enqueues batch tasks.
	queue *asynq.Client
	// prechecks holds a token per precheck running (PrecheckSlots).
	prechecks chan struct{}
	// origins are the other origins staff browsers may come from.
	origins []string
	// csrf caches the forms' key once read from Redis.
	csrf atomic.Pointer[[]byte]
	// routes are the patterns handle registered, for the API description's
	// test.
	routes []string
}

// handle registers a route.
func (a *API) handle(pattern string, h http.HandlerFunc) {
	a.routes = append(a.routes, pattern)
	a.mux.HandleFunc(pattern, h)
}

// Routes lists the method and path patterns the API serves (the queue UI
// under /admin/asynq/ aside).
func (a *API) Routes() []string { return slices.Clone(a.routes) }

// New returns the API's handler; it fails when the keys or users files do
// not load.
func New(cfg Config, deps Deps) (*API, error) {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if err := cfg.Require(); err != nil {
		return nil, err
	}
	if deps.Faces == nil {
		return nil, errors.New("intake: no face counter for admission photos")
	}
	keys, err := LoadUpstreamKeysWith(cfg.UpstreamKeys, cfg.KeySchools)
	if err != nil {
		return nil, err
	}
	users := map[string]User{}
	if cfg.AdminUsers != "" {
		if users, err = LoadUsers(cfg.AdminUsers); err != nil {
			return nil, err
		}
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = 64 << 20
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 30 * time.Minute
	}
	if cfg.SessionMaxAge < cfg.SessionIdle {
		cfg.SessionMaxAge = max(12*time.Hour, cfg.SessionIdle)
	}
	if cfg.LoginLockAfter <= 0 {
		cfg.LoginLockAfter = defaultLockAfter
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte(newID()), bcryptCost(users))
	if err != nil {
		return nil, fmt.Errorf("intake: dummy password hash: %w", err)
	}
	a := &API{cfg: cfg, deps: deps, mux: http.NewServeMux(), uploads: &uploadGate{limit: cfg.MaxUploadBytes},
		prechecks: make(chan struct{}, PrecheckSlots(cfg.PrecheckSlots)), origins: cfg.origins(), auth: &authenticator{
			keys: keys, users: users, tokens: apiTokens(users), proxySecret: cfg.ProxySecret, basic: cfg.AdminBasicAuth,
			redis: deps.Redis, now: deps.Now, verified: map[[32]byte]time.Time{}, metrics: deps.Metrics, dummy: dummy,
			sessions: &sessions{redis: deps.Redis, now: deps.Now, idle: cfg.SessionIdle, maxAge: cfg.SessionMaxAge},
			throttle: &loginThrottle{redis: deps.Redis, now: deps.Now, lockAfter: cfg.LoginLockAfter, addrFree: defaultAddrFree, maxDelay: defaultMaxDelay},
		}}
	if deps.Redis != nil {
		a.queue = asynq.NewClientFromRedisClient(deps.Redis)
	}
	a.handle("PUT /v1/schools/{school}/students/{student}/admission-photo", a.bounded(a.putAdmissionPhoto))
	a.handle("GET /v1/schools/{school}/students/{student}/admission-photo", a.getAdmissionPhoto)
	a.handle("POST /v1/captures", a.belowHighWater(a.bounded(a.postCapture)))
	a.handle("GET /v1/captures/{id}", a.getCapture)
	a.handle("GET /v1/captures/{id}/photos/{name}", a.getCapturePhoto)
	a.handle("POST /v1/captures/{id}/confirm", a.postConfirm)
	a.handle("GET /v1/schools/{school}/students/{student}", a.getStudent)
	a.handle("POST /v1/schools/{school}/students/{student}/precheck", a.bounded(a.postPrecheck))
	a.handle("POST /v1/schools/{school}/students/{student}/identity", a.postIdentity)
	a.handle("POST /v1/schools/{school}/students/{student}/admission-photo/replacement", a.bounded(a.postAdmissionReplacement))
	a.handle("GET /v1/schools/{school}/reviews", a.getReviews)
	a.handle("POST /v1/captures/{id}/review", a.postReview)
	a.handle("GET /v1/schools/{school}/escalations", a.getEscalations)
	a.handle("POST /v1/schools/{school}/students/{student}/escalation/resolve", a.postResolve)
	a.handle("GET /v1/schools/{school}/export", a.getExport)
	a.handle("POST /v1/schools/{school}/reprocess", a.postReprocess)
	a.handle("GET /v1/batches/{id}", a.getBatch)
	a.handle("GET /admin/login", a.getLogin)
	a.handle("POST /admin/login", a.postLogin)
	a.handle("POST /admin/logout", a.postLogout)
	a.handle("POST /v1/users/{user}/unlock", a.postUnlock)
	a.handle("POST /admin/unlock", a.postUnlockPage)
	a.handle("GET /v1/audit/logins", a.getLoginAudit)
	a.handle("GET /admin/review", a.getReviewPage)
	a.handle("POST /admin/review/{id}", a.postReviewPage)
	a.handle("GET /admin/escalations", a.getEscalationsPage)
	a.handle("POST /admin/escalations/{school}/{student}/resolve", a.postResolvePage)
	a.handle("GET /healthz", ops.Alive)
	a.handle("GET /readyz", ops.Ready(deps.Ready, deps.Metrics.Readiness))
	a.handle("GET /metrics", a.metrics)
	a.handle("GET /openapi.json", serveOpenAPI)
	deps.Metrics.Gauge("recheck_upload_inflight_bytes", "Bytes of uploads being received now.", a.uploads.current)
	deps.Metrics.Gauge("recheck_upload_limit_bytes", "RECHECK_MAX_UPLOAD_BYTES: uploads over it wait (503 busy).", func() float64 { return float64(cfg.MaxUploadBytes) })
	if deps.AsynqRedis != nil {
		mon := asynqmon.New(asynqmon.Options{RootPath: "/admin/asynq", RedisConnOpt: deps.AsynqRedis, ReadOnly: false})
		a.mux.Handle("/admin/asynq/", adminOnly(mon))
	}
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, newError(http.StatusNotFound, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path))
	})
	return a, nil
}

// public lists the routes that answer without credentials.
var public = map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true, "GET /admin/login": true, "POST /admin/login": true}

// Server returns an HTTP server for the API with the configured timeouts.
func (a *API) Server() *http.Server {
	return &http.Server{
		Handler: a, ReadHeaderTimeout: a.cfg.ReadHeaderTimeout, ReadTimeout: a.cfg.ReadTimeout,
		WriteTimeout: a.cfg.WriteTimeout, IdleTimeout: a.cfg.IdleTimeout, MaxHeaderBytes: 64 << 10,
	}
}

// ServeHTTP implements http.Handler, logging every request.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rid := r.Header.Get("X-Request-ID")
	if rid == "" || len(rid) > 64 {
		rid = newID()
	}
	w.Header().Set("X-Request-ID", rid)
	l := a.deps.Log.With().Str("request_id", rid).Logger()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	info := &requestInfo{}
	ctx := context.WithValue(l.WithContext(r.Context()), requestInfoKey{}, info)
	a.authenticated(rec, r.WithContext(ctx), a.mux)
	ev := l.Info()
	if rec.status >= 500 {
		ev = l.Error()
	}
	route := routeOf(r, a.mux)
	a.deps.Metrics.Request(route, rec.status)
	if info.errCode != "" {
		a.deps.Metrics.APIError(info.errCode)
	}
	ev = ev.Str("method", r.Method).Str("route", route).Int("status", rec.status).
		Float64("duration_ms", float64(time.Since(start).Microseconds())/1000)
	if info.captureID != "" {
		ev = ev.Str("capture_id", info.captureID)
	}
	if info.errCode != "" {
		ev = ev.Str("error_code", info.errCode)
	}
	if info.principal != "" {
		ev = ev.Str("principal", info.principal)
	}
	ev.Msg("request")
}

// routeOf names the matched route pattern rather than the path, which may
// carry identifiers.
func routeOf(r *http.Request, mux *http.ServeMux) string {
	_, pattern := mux.Handler(r)
	if pattern == "" {
		return "unmatched"
	}
	return pattern
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

// SetWriteDeadline lets http.ResponseController reach the connection (an
// export extends its write deadline). The recorder does not offer Unwrap:
// net/http would then see through it when a body is too large and change
// how an oversized upload ends.
func (s *statusRecorder) SetWriteDeadline(t time.Time) error {
	return http.NewResponseController(s.ResponseWriter).SetWriteDeadline(t)
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Flush lets the admin UI stream.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

type requestInfoKey struct{}

// requestInfo collects what the request log line reports.
type requestInfo struct {
	captureID string
	errCode   string
	principal string
}

func noteCapture(ctx context.Context, id string) {
	if ri, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		ri.captureID = id
	}
}

// fail writes err and notes its code for the request log.
func fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae, _ = fromDomain(err)
	}
	if ae != nil {
		if ri, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
			ri.errCode = ae.Code
		}
	} else {
		zerolog.Ctx(r.Context()).Error().Err(err).Msg("request failed")
	}
	writeError(w, err)
}

// adminOnly lets only admins through (the queue UI).
func adminOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := principalOf(r); p.Upstream || p.Role != RoleAdmin {
			fail(w, r, forbidden("the queue UI is for admins"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authenticated runs h for requests that prove who they are (routes in
// public excepted), with the principal in the context; others get 401, or,
// for a browser asking for a page, the login page. A request that may
// change something and was authenticated by what a browser sends on its
// own (a session, basic auth, the reverse proxy's login) must come from
// this origin (sameOrigin).
func (a *API) authenticated(w http.ResponseWriter, r *http.Request, h http.Handler) {
	if _, pattern := a.mux.Handler(r); public[pattern] {
		h.ServeHTTP(w, r)
		return
	}
	p, r, err := a.auth.authenticate(r)
	if err != nil {
		if wantsPage(r) && (err == errNoCredentials || err.Code == "session_expired") {
			http.Redirect(w, r, "/admin/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if a.cfg.AdminBasicAuth && r.Header.Get("X-Recheck-Key") == "" && r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="recheck", charset="UTF-8"`)
		}
		fail(w, r, err)
		return
	}
	if ri, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
		ri.principal = p.Name
	}
	switch p.Via {
	case viaSession, viaProxy, viaBasic:
		if e := sameOrigin(r, a.origins, p.Via != viaBasic); e != nil {
			fail(w, r, e)
			return
		}
	}
	r = r.WithContext(withPrincipal(r.Context(), p))
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if err := verifyBody(r); err != nil {
			fail(w, r, err)
			return
		}
	}
	h.ServeHTTP(w, r)
}

// wantsPage reports whether r is a browser asking for one of the admin
// pages (the review page, the queue UI): it is sent to log in rather than
// answered 401.
func wantsPage(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/admin/") &&
		!strings.HasPrefix(r.URL.Path, "/admin/asynq/api/") && strings.Contains(r.Header.Get("Accept"), "text/html")
}

// metrics serves /metrics to a scraper with the metrics token or to an
// admin.
func (a *API) metrics(w http.ResponseWriter, r *http.Request) {
	if a.deps.Metrics == nil {
		fail(w, r, newError(http.StatusNotFound, "not_found", "metrics are off in this process"))
		return
	}
	if !ops.BearerOK(r, a.deps.MetricsToken) {
		p, r2, err := a.auth.authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Basic realm="recheck", charset="UTF-8"`)
			fail(w, r2, err)
			return
		}
		if !p.Is(RoleAdmin) {
			fail(w, r2, forbidden(p.Name+" may not read metrics (needs role admin, or the metrics token)"))
			return
		}
	}
	a.deps.Metrics.Handler().ServeHTTP(w, r)
}

// photoPath is the API path of a capture's stored photo.
func photoPath(id, name string) string { return "/v1/captures/" + id + "/photos/" + name }

// capturePath is the API path of a capture.
func capturePath(id string) string { return "/v1/captures/" + id }

func trimmed(s string) string { return strings.TrimSpace(s) }
