package systemtest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/storage"
)

// TestRetentionPurgesOldFinalCaptures: after the retention period, final
// captures lose their photos and personal fields (the record stays);
// captures still under way, and recent ones, keep everything.
func TestRetentionPurgesOldFinalCaptures(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=s1")
	approved := w.pass("S1", "person=s1")
	_, _ = w.review(approved, "approve", "")
	w.putAdmission("S2", "person=s2")
	blocked := w.pass("S2", "person=other")
	waiting := w.accepted("S3", "person=s3")
	w.clock.Advance(200 * 24 * time.Hour)
	recent := w.pass("S2", "person=other")

	cutoff := w.clock.Now().Add(-180 * 24 * time.Hour)
	rep, err := w.lc.Purge(w.ctx, cutoff, 100)
	require.NoError(t, err)
	require.Equal(t, 2, rep.Captures)
	require.Equal(t, 2, rep.Journeys, "S1 and S3 have not changed since; S2 has")

	for _, id := range []string{approved, blocked} {
		c := w.capture(id)
		require.NotNil(t, c["purged"], id)
		require.Empty(t, c["photos"], "no photo links")
		require.NotEmpty(t, c["state"], "the record stays")
		require.Equal(t, "", c["document"].(map[string]any)["number_masked"], "the number is erased")
		for _, key := range []string{capture.OriginalKey("cjlu", id), capture.StandardizedKey("cjlu", id)} {
			_, err := w.store.Get(w.ctx, key)
			require.ErrorIs(t, err, storage.ErrNotFound, key)
		}
		raw, err := w.store.Get(w.ctx, capture.ResultKey("cjlu", id))
		require.NoError(t, err)
		require.NotContains(t, string(raw), "sealed:v1:", "no personal field is left, not even sealed")
		resp, _ := w.do(http.MethodGet, "/v1/captures/"+id+"/photos/original", "", nil, false)
		require.Equal(t, http.StatusNotFound, resp.StatusCode)
	}
	for _, id := range []string{waiting, recent} {
		c := w.capture(id)
		require.Nil(t, c["purged"], id)
		require.Contains(t, c["photos"], "original")
	}
	j, err := w.lc.Store().Journey(w.ctx, "cjlu", "S1")
	require.NoError(t, err)
	require.Empty(t, j.OpenID)

	again, err := w.lc.Purge(w.ctx, cutoff, 100)
	require.NoError(t, err)
	require.Zero(t, again.Captures, "each capture is purged once")
	require.True(t, strings.HasPrefix(w.capture(waiting)["state"].(string), "awaiting"), "untouched")
}
