package systemtest

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRedisRestartLosesNothing: Redis, run with its append-only file as
// production must, is restarted in the middle of many journeys; every
// capture, counter and admission photo is still there and the journeys go
// on.
func TestRedisRestartLosesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{aof: true})
	w.putAdmission("S1", "person=s1")
	approved := w.pass("S1", "person=s1")
	_, _ = w.review(approved, "approve", "")
	w.putAdmission("S2", "person=s2")
	inReview := w.pass("S2", "person=s2")
	waiting := w.accepted("S3", "person=s3")
	w.putAdmission("S4", "person=s4")
	blocked := w.pass("S4", "person=other")
	before := map[string]map[string]any{}
	for _, id := range []string{approved, inReview, waiting, blocked} {
		before[id] = w.capture(id)
	}
	summary := w.summary("S4")

	w.stopWorker()
	w.redis.Restart(t, false)
	w.startWorker()

	for id, c := range before {
		require.Equal(t, c, w.capture(id), "capture %s survived the restart", id)
	}
	require.Equal(t, summary, w.summary("S4"), "the journey's counters survived")
	_, _ = w.review(inReview, "approve", "")
	require.Equal(t, "approved", w.state(inReview))
	_, _ = w.confirm(waiting, "missing")
	require.Equal(t, "referred", w.state(waiting))
	require.Equal(t, "blocked", w.state(w.pass("S4", "person=other")), "the second attempt counts on")
	require.Equal(t, 2.0, w.summary("S4")["attempts"].(map[string]any)["failed"])
}

// TestRedisCrashLosesNothingAcknowledged: the Redis process is killed
// (SIGKILL) right after captures were acknowledged. Redis appends each
// write to its file before it replies, so a process crash loses nothing
// (only a machine crash can lose the last second, which recheck reindex
// restores from storage: TestReindexRebuildsEverythingFromStorage). After
// the restart, reindex finds everything current and every acknowledged
// capture is processed.
func TestRedisCrashLosesNothingAcknowledged(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{aof: true})
	w.stopWorker()
	var ids []string
	for _, s := range []string{"S1", "S2", "S3", "S4", "S5"} {
		status, body := w.submit(s, "person="+s)
		require.Equal(t, http.StatusAccepted, status, body)
		ids = append(ids, body["id"].(string))
	}
	w.redis.Restart(t, true)
	rep, err := w.repo().Reindex(w.ctx, "", nil)
	require.NoError(t, err)
	require.Zero(t, rep.Captures+rep.Journeys, "the append-only file kept every acknowledged write")
	require.Equal(t, 10, rep.Current)
	w.startWorker()
	w.idle()
	for _, id := range ids {
		require.Equal(t, "awaiting_confirmation", w.state(id), "capture %s was acknowledged, so it is kept and processed", id)
	}
	for _, s := range []string{"S1", "S2", "S3", "S4", "S5"} {
		require.Equal(t, 1.0, w.summary(s)["standardizations"].(map[string]any)["used_today"], "charged once")
	}
}
