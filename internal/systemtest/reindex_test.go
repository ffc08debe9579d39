package systemtest

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestReindexRebuildsEverythingFromStorage runs journeys into every kind
// of state, wipes Redis, rebuilds it from storage, and checks that the API
// answers exactly as before, and that the journeys go on from there.
func TestReindexRebuildsEverythingFromStorage(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	students := []string{"S1", "S2", "S3", "S4", "S5", "S6"}
	var ids []string
	keep := func(id string) string { ids = append(ids, id); return id }

	// S1: approved.
	w.putAdmission("S1", "person=s1")
	keep(w.pass("S1", "person=s1"))
	_, _ = w.review(ids[0], "approve", "")
	// S2: three failed attempts, escalated.
	w.putAdmission("S2", "person=s2")
	for range 3 {
		keep(w.pass("S2", "person=other"))
	}
	// S3: disputed admission photo, with the records office.
	w.putAdmission("S3", "person=s3")
	s3 := keep(w.accepted("S3", "person=s3"))
	_, _ = w.confirm(s3, "wrong")
	// S4: a quality refusal, then the day's quota used and refused once.
	keep(w.accepted("S4", "person=s4;quality=too_dark"))
	for range 3 {
		keep(w.accepted("S4", "person=s4"))
	}
	status, _ := w.submit("S4", "person=s4")
	require.Equal(t, http.StatusTooManyRequests, status)
	// S5: rejected in review, a free resubmission waiting.
	w.putAdmission("S5", "person=s5")
	s5 := keep(w.pass("S5", "person=s5"))
	_, _ = w.review(s5, "reject", "表情不自然")
	// S6: on hold without an admission photo; another waiting for review.
	s6 := keep(w.pass("S6", "person=s6"))
	w.replaceAdmission("S1", "person=s1-new", "更换") // a new version on file
	w.idle()
	pending, err := w.repo().Pending(w.ctx)
	require.NoError(t, err)
	require.Zero(t, pending, "every change is in storage")

	snapshot := func() map[string]any {
		snap := map[string]any{}
		for _, id := range ids {
			snap["capture "+id] = w.capture(id)
		}
		for _, s := range students {
			snap["student "+s] = w.summary(s)
			resp, _ := w.do(http.MethodGet, "/v1/schools/cjlu/students/"+s+"/admission-photo", "", nil, false)
			snap["admission "+s] = resp.StatusCode
		}
		for _, st := range []string{"pending", "approved", "rejected"} {
			snap["reviews "+st] = w.admin("/v1/schools/cjlu/reviews?state=" + st)
		}
		snap["escalations"] = w.admin("/v1/schools/cjlu/escalations")
		return snap
	}
	before := snapshot()
	sent := len(w.notes.Sent())

	w.stopWorker()
	require.NoError(t, w.redis.Client.FlushAll(w.ctx).Err())
	resp, _ := w.do(http.MethodGet, "/v1/captures/"+ids[0], "", nil, false)
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "Redis is empty")

	rep, err := w.repo().Reindex(w.ctx, "", nil)
	require.NoError(t, err)
	require.Equal(t, len(ids), rep.Captures)
	require.Equal(t, len(students), rep.Journeys)
	require.Equal(t, 4, rep.AdmissionPhotos)
	require.Empty(t, rep.Unreadable)
	w.startWorker()
	w.idle()
	require.Equal(t, before, snapshot(), "the API answers exactly as before")
	require.Len(t, w.notes.Sent(), sent, "nothing delivered was sent again")

	// Reindexing again finds everything current.
	rep, err = w.repo().Reindex(w.ctx, "cjlu", nil)
	require.NoError(t, err)
	require.Zero(t, rep.Captures)
	require.Equal(t, len(ids)+len(students)+4, rep.Current)

	// The journeys go on from the rebuilt state.
	status, body := w.submit("S2", "person=s2")
	require.Equal(t, http.StatusConflict, status, "still escalated")
	require.Equal(t, "escalated", errCode(t, body))
	id := w.accepted("S5", "person=s5")
	require.Equal(t, true, w.capture(id)["free_resubmission"], "the free resubmission survived")
	w.putAdmission("S6", "person=s6")
	require.Equal(t, "pending_review", w.state(s6), "the held capture resumed")
	w.replaceAdmission("S3", "person=s3-fixed", "录取照片错误，已更换")
	require.Equal(t, "awaiting_confirmation", w.state(s3))
	status, _ = w.submit("S4", "person=s4")
	require.Equal(t, http.StatusTooManyRequests, status, "the quota survived")
	w.clock.Advance(25 * time.Hour)
	status, _ = w.submit("S4", "person=s4")
	require.Equal(t, http.StatusAccepted, status)
}

// TestReindexRecoversLostWork: a capture waiting for standardization when
// Redis (and with it the queues) was lost is standardized after reindex.
func TestReindexRecoversLostWork(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.stopWorker()
	status, body := w.submit("S1", "person=alice")
	require.Equal(t, http.StatusAccepted, status)
	id := body["id"].(string)
	require.NoError(t, w.redis.Client.FlushAll(w.ctx).Err())
	rep, err := w.repo().Reindex(w.ctx, "cjlu", nil)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Dispatched)
	w.startWorker()
	w.idle()
	require.Equal(t, "awaiting_confirmation", w.state(id))
}
