// Package ops is the operators' surface every role serves: /healthz (the
// process is alive), /readyz (its dependencies answer: Redis, storage, the
// models of a worker, the CTID gateway) and /metrics (Prometheus, behind a
// bearer token or an admin). The intake API mounts these on its listener;
// a worker, which has no API, serves them on a small listener of its own
// (RECHECK_OPS_ADDR).
package ops

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config configures the operators' surface.
type Config struct {
	// Addr is the worker role's ops listener.
	Addr string `env:"RECHECK_OPS_ADDR" default:"127.0.0.1:9464" help:"listen address of a worker's /healthz, /readyz and /metrics (the intake API serves them on its own address)"`
	// MetricsToken lets a Prometheus scraper read /metrics with
	// "Authorization: Bearer <token>"; admins may read it too.
	MetricsToken string `env:"RECHECK_METRICS_TOKEN" help:"bearer token of /metrics (at least 32 characters; admins may read it with their session or API token); empty: admins only" secret:"true"`
	// ProfileDir, when set, receives a Go CPU profile of the whole run
	// (cpu.pprof) and a heap profile at shutdown (heap.pprof).
	ProfileDir string `env:"RECHECK_PROFILE_DIR" help:"directory for cpu.pprof (the whole run) and heap.pprof (at shutdown), for go tool pprof and PGO; empty: no profiling"`
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.MetricsToken != "" && len(c.MetricsToken) < 32 {
		return errors.New("ops: RECHECK_METRICS_TOKEN must have at least 32 characters")
	}
	if c.Addr == "" {
		return errors.New("ops: RECHECK_OPS_ADDR is empty")
	}
	return nil
}

// Check is one readiness check: it returns a short detail, or an error.
type Check struct {
	Name string
	Run  func(ctx context.Context) (string, error)
}

// CheckResult is one check's answer in /readyz.
type CheckResult struct {
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Timeout bounds each readiness check.
const Timeout = 3 * time.Second

// Observer is told each readiness check's result (metrics keep them, so
// an alert sees readiness flap between probes).
type Observer func(check string, ok bool)

// Ready answers /readyz: 200 when every check passes, 503 otherwise, with
// each check's result; observe (nil: none) is told every result.
func Ready(checks []Check, observe Observer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		res := make(map[string]CheckResult, len(checks))
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, c := range checks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(r.Context(), Timeout)
				defer cancel()
				detail, err := c.Run(ctx)
				cr := CheckResult{OK: err == nil, Detail: detail}
				if err != nil {
					cr.Error = err.Error()
				}
				mu.Lock()
				res[c.Name] = cr
				mu.Unlock()
				if observe != nil {
					observe(c.Name, cr.OK)
				}
			}()
		}
		wg.Wait()
		status, code := "ready", http.StatusOK
		for _, cr := range res {
			if !cr.OK {
				status, code = "not_ready", http.StatusServiceUnavailable
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": status, "checks": res})
	}
}

// Alive answers /healthz: the process serves requests.
func Alive(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// BearerOK reports whether r carries the metrics token.
func BearerOK(r *http.Request, token string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && token != "" && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

// Protect serves metrics to holders of the token only.
func Protect(token string, metrics http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !BearerOK(r, token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="recheck-metrics"`)
			http.Error(w, "metrics need Authorization: Bearer <RECHECK_METRICS_TOKEN>", http.StatusUnauthorized)
			return
		}
		metrics.ServeHTTP(w, r)
	}
}

// Mux is the worker role's ops listener.
func Mux(checks []Check, observe Observer, token string, metrics http.Handler) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", Alive)
	mux.HandleFunc("GET /readyz", Ready(checks, observe))
	mux.HandleFunc("GET /metrics", Protect(token, metrics))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, fmt.Sprintf("not found: this is a worker's ops listener (/healthz, /readyz, /metrics), not %s", r.URL.Path), http.StatusNotFound)
	})
	return mux
}
