// Package intake is recheck's thin HTTP API. For the upstream intake
// service it stores admission photos, accepts captures (checking the
// metadata, the photo and the student's journey before anything is
// stored), takes the student's confirmation and reports captures and
// students; for reviewers and the records office it lists the captures
// waiting for review and the open cases, and takes their decisions. Every
// change goes through capture.Lifecycle; the API does no heavy work in a
// request. The admin endpoints and the queue UI (asynqmon) are behind a
// password.
package intake

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/storage"
)

// Config configures the HTTP API.
type Config struct {
	// Addr is the listen address.
	Addr string `env:"RECHECK_HTTP_ADDR" default:"127.0.0.1:8080" help:"listen address of the intake API"`
	// AdminPassword protects /admin (user "admin"); empty leaves the admin
	// UI unmounted.
	AdminPassword string `env:"RECHECK_ADMIN_PASSWORD" help:"password of user admin for the review and records-office endpoints and /admin/asynq; empty disables them" secret:"true"`
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
	Log    zerolog.Logger
	// AsynqRedis lets the admin UI reach the queues; nil leaves it out.
	AsynqRedis asynq.RedisConnOpt
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// API is the HTTP handler of the intake API.
type API struct {
	cfg  Config
	deps Deps
	mux  *http.ServeMux
}

// New returns the API's handler.
func New(cfg Config, deps Deps) *API {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	a := &API{cfg: cfg, deps: deps, mux: http.NewServeMux()}
	a.mux.HandleFunc("PUT /v1/schools/{school}/students/{student}/admission-photo", a.putAdmissionPhoto)
	a.mux.HandleFunc("GET /v1/schools/{school}/students/{student}/admission-photo", a.getAdmissionPhoto)
	a.mux.HandleFunc("POST /v1/captures", a.postCapture)
	a.mux.HandleFunc("GET /v1/captures/{id}", a.getCapture)
	a.mux.HandleFunc("GET /v1/captures/{id}/photos/{name}", a.getCapturePhoto)
	a.mux.HandleFunc("POST /v1/captures/{id}/confirm", a.postConfirm)
	a.mux.HandleFunc("GET /v1/schools/{school}/students/{student}", a.getStudent)
	a.mux.Handle("GET /v1/schools/{school}/reviews", a.adminOnly(http.HandlerFunc(a.getReviews)))
	a.mux.Handle("POST /v1/captures/{id}/review", a.adminOnly(http.HandlerFunc(a.postReview)))
	a.mux.Handle("GET /v1/schools/{school}/escalations", a.adminOnly(http.HandlerFunc(a.getEscalations)))
	a.mux.Handle("POST /v1/schools/{school}/students/{student}/escalation/resolve", a.adminOnly(http.HandlerFunc(a.postResolve)))
	a.mux.HandleFunc("GET /healthz", a.health)
	if cfg.AdminPassword != "" && deps.AsynqRedis != nil {
		mon := asynqmon.New(asynqmon.Options{RootPath: "/admin/asynq", RedisConnOpt: deps.AsynqRedis, ReadOnly: false})
		a.mux.Handle("/admin/asynq/", a.adminOnly(mon))
	}
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, newError(http.StatusNotFound, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path))
	})
	return a
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
	a.mux.ServeHTTP(rec, r.WithContext(ctx))
	ev := l.Info()
	if rec.status >= 500 {
		ev = l.Error()
	}
	ev = ev.Str("method", r.Method).Str("route", routeOf(r, a.mux)).Int("status", rec.status).
		Float64("duration_ms", float64(time.Since(start).Microseconds())/1000)
	if info.captureID != "" {
		ev = ev.Str("capture_id", info.captureID)
	}
	if info.errCode != "" {
		ev = ev.Str("error_code", info.errCode)
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

// adminUser is the user every admin action is recorded under until
// per-user credentials exist.
const adminUser = "admin"

type adminKey struct{}

// adminOnly asks for user "admin" and the configured password; without a
// configured password the admin endpoints answer 401 with a message saying
// so. The handler finds the user name with adminName.
func (a *API) adminOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.cfg.AdminPassword == "" {
			fail(w, r, newError(http.StatusUnauthorized, "unauthorized", "the admin endpoints are disabled: set RECHECK_ADMIN_PASSWORD"))
			return
		}
		user, pass, ok := r.BasicAuth()
		if !ok || user != adminUser || subtle.ConstantTimeCompare([]byte(pass), []byte(a.cfg.AdminPassword)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="recheck admin", charset="UTF-8"`)
			fail(w, r, newError(http.StatusUnauthorized, "unauthorized", "admin credentials required"))
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), adminKey{}, user)))
	})
}

// adminName is the authenticated admin user of a request.
func adminName(r *http.Request) string {
	name, _ := r.Context().Value(adminKey{}).(string)
	return name
}

func (a *API) health(w http.ResponseWriter, r *http.Request) {
	if err := a.deps.Redis.Ping(r.Context()).Err(); err != nil {
		fail(w, r, fmt.Errorf("intake: redis ping: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// photoPath is the API path of a capture's stored photo.
func photoPath(id, name string) string { return "/v1/captures/" + id + "/photos/" + name }

// capturePath is the API path of a capture.
func capturePath(id string) string { return "/v1/captures/" + id }

func trimmed(s string) string { return strings.TrimSpace(s) }
