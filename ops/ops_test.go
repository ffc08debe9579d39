package ops_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/ops"
)

func TestReadyAndMetricsAuth(t *testing.T) {
	t.Parallel()
	up := ops.Check{Name: "redis", Run: func(context.Context) (string, error) { return "answers", nil }}
	down := ops.Check{Name: "storage", Run: func(context.Context) (string, error) { return "", errors.New("disk full") }}
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("recheck_up 1\n")) })
	token := strings.Repeat("t", 32)
	tests := []struct {
		name   string
		checks []ops.Check
		path   string
		auth   string
		status int
		body   string
	}{
		{"alive", nil, "/healthz", "", http.StatusOK, `"ok"`},
		{"ready", []ops.Check{up}, "/readyz", "", http.StatusOK, `"status":"ready"`},
		{"not ready names the check", []ops.Check{up, down}, "/readyz", "", http.StatusServiceUnavailable, `"storage":{"ok":false,"error":"disk full"}`},
		{"metrics need the token", nil, "/metrics", "", http.StatusUnauthorized, "Bearer"},
		{"a wrong token", nil, "/metrics", "Bearer " + strings.Repeat("x", 32), http.StatusUnauthorized, "Bearer"},
		{"the token", nil, "/metrics", "Bearer " + token, http.StatusOK, "recheck_up 1"},
		{"nothing else", nil, "/v1/captures", "", http.StatusNotFound, "ops listener"},
	}
	for _, tc := range tests {
		srv := httptest.NewServer(ops.Mux(tc.checks, nil, token, metrics))
		req, _ := http.NewRequest(http.MethodGet, srv.URL+tc.path, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		resp.Body.Close()
		srv.Close()
		require.Equal(t, tc.status, resp.StatusCode, tc.name)
		require.Contains(t, b.String(), tc.body, tc.name)
		if tc.path == "/readyz" {
			require.True(t, json.Valid([]byte(b.String())))
		}
	}
	require.Error(t, ops.Config{Addr: ":1", MetricsToken: "short"}.Validate())
}

// TestReadyTellsTheObserver: every check's result reaches the observer,
// for the readiness metrics.
func TestReadyTellsTheObserver(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]bool{}
	checks := []ops.Check{
		{Name: "redis", Run: func(context.Context) (string, error) { return "pong", nil }},
		{Name: "storage", Run: func(context.Context) (string, error) { return "", errors.New("bucket gone") }},
	}
	h := ops.Ready(checks, func(check string, ok bool) {
		mu.Lock()
		defer mu.Unlock()
		seen[check] = ok
	})
	rec := httptest.NewRecorder()
	h(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Equal(t, map[string]bool{"redis": true, "storage": false}, seen)
}
