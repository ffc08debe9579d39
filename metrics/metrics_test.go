package metrics_test

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/metrics"
)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	raw, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	return string(raw)
}

// TestReadinessCountsFlaps: the last result of each check is a gauge, and
// each change of it is counted, so an alert sees readiness flapping.
func TestReadinessCountsFlaps(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	for _, ok := range []bool{true, true, false, true, false} {
		m.Readiness("redis", ok)
	}
	m.Readiness("storage", true)
	out := scrape(t, m)
	require.Contains(t, out, `recheck_ready{check="redis"} 0`)
	require.Contains(t, out, `recheck_ready{check="storage"} 1`)
	require.Contains(t, out, `recheck_ready_changes_total{check="redis"} 3`)
	require.NotContains(t, out, `recheck_ready_changes_total{check="storage"}`)
}

// TestWatchRedisReadsItsSettings: the gauges say whether Redis keeps an
// append-only file and refuses writes when full, how many replicas it has
// and how many must confirm a change.
func TestWatchRedisReadsItsSettings(t *testing.T) {
	t.Parallel()
	for _, aof := range []bool{false, true} {
		rs := redistest.StartWith(t, redistest.Options{AOF: aof})
		m := metrics.New()
		m.WatchRedis(rs.Client, 1)
		out := scrape(t, m)
		require.Contains(t, out, "recheck_redis_replicas 0", "no replica is connected")
		require.Contains(t, out, "recheck_redis_ack_replicas 1")
		want := "0"
		if aof {
			want = "1"
		}
		require.Contains(t, out, "recheck_redis_appendonly "+want)
		policy := rs.Client.ConfigGet(t.Context(), "maxmemory-policy").Val()["maxmemory-policy"]
		require.Equal(t, policy == "noeviction", strings.Contains(out, "recheck_redis_noeviction 1"), policy)
	}
}

func TestNamesListsEveryOwnMetric(t *testing.T) {
	t.Parallel()
	names := metrics.New().Names()
	require.Contains(t, names, "recheck_wechat_errors_total", "listed before any error is counted")
	require.Contains(t, names, "recheck_stage_duration_seconds")
	require.Contains(t, names, "recheck_ready_changes_total")
	require.Contains(t, names, "recheck_tasks_orphaned_total")
	require.Contains(t, names, "recheck_changes_unreplicated_total")
	require.Len(t, names, 13)
}
