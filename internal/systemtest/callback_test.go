package systemtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/callback"
	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/jobs"
)

const callbackSecret = "callback-secret-callback-secret-0004"

// sinks starts an upstream and a records office receiver.
func sinks(t *testing.T) (settings *callback.Settings, upstream, office *callback.Sink) {
	t.Helper()
	keys := map[string]string{"cb1": callbackSecret}
	upstream, office = callback.NewSink(keys), callback.NewSink(keys)
	us, os := httptest.NewServer(upstream), httptest.NewServer(office)
	t.Cleanup(us.Close)
	t.Cleanup(os.Close)
	return &callback.Settings{
		KeyID: "cb1", Secret: callbackSecret, PublicURL: "https://recheck.example.edu",
		Default: callback.Endpoints{URL: us.URL + "/hooks/recheck?from=recheck", RecordsOfficeURL: os.URL + "/office"},
	}, upstream, office
}

func states(ps []callback.Payload) []string {
	var out []string
	for _, p := range ps {
		out = append(out, string(p.State))
	}
	return out
}

// TestCallbacksFollowTheJourney: each transition the upstream cares about
// reaches it once, signed (the sink verifies), retried after 500s, with
// every task delivered twice; a referral also reaches the records office.
func TestCallbacksFollowTheJourney(t *testing.T) {
	t.Parallel()
	settings, upstream, office := sinks(t)
	w := newWorld(t, worldOptions{twice: true, fastRetry: true, callbacks: settings})
	upstream.Fail(http.StatusInternalServerError, http.StatusInternalServerError, http.StatusServiceUnavailable)
	w.putAdmission("S1", "person=alice")
	id := w.accepted("S1", "person=alice")
	status, body := w.confirm(id, "mine")
	require.Equal(t, http.StatusOK, status, body)
	w.idle()
	status, body = w.review(id, "approve", "")
	require.Equal(t, http.StatusOK, status, body)
	w.idle()

	got := upstream.Received()
	require.Equal(t, []string{"awaiting_confirmation", "pending_review", "approved"}, states(got))
	require.Zero(t, upstream.Refused(), "every signature verified")
	require.Zero(t, upstream.Repeats(), "a task delivered twice posts once")
	last := got[2]
	require.Equal(t, id+":5:upstream", last.DeliveryID)
	require.Equal(t, "capture.approved", last.Event)
	require.Equal(t, "S1", last.StudentID)
	require.Equal(t, 95.0, *last.Score)
	require.Equal(t, 80.0, *last.PassScore)
	require.Equal(t, "pass", last.CTID)
	require.Equal(t, "https://recheck.example.edu/v1/captures/"+id+"/photos/standardized", last.Links["standardized"])
	require.Contains(t, last.MessageZH, "审核通过")
	rec, err := w.lc.Store().Get(w.ctx, id)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, rec.History[4].Callbacks[0].Delivered.Status, "the delivery is on the history")
	require.Empty(t, office.Received(), "nothing for the records office")

	// A referral goes to both.
	w.putAdmission("S2", "person=mallory")
	id2 := w.accepted("S2", "person=alice")
	status, body = w.confirm(id2, "wrong")
	require.Equal(t, http.StatusOK, status, body)
	w.idle()
	require.Equal(t, []string{"referred"}, states(office.Received()))
	require.Equal(t, "referred", string(upstream.Received()[4].State))

	// A receiver drops a repeated delivery by its ID.
	sender := callback.NewSender(settings)
	code, err := sender.Send(context.Background(), capture.TargetUpstream, last)
	require.NoError(t, err)
	require.Equal(t, http.StatusNoContent, code)
	require.Equal(t, 1, upstream.Repeats())
	require.Len(t, upstream.Received(), 5)
}

// TestCallbackArchivedAfterLastRetry: a receiver that keeps failing gets
// every retry, then the task is archived; an admin's retry from the
// archive delivers it once the receiver is back.
func TestCallbackArchivedAfterLastRetry(t *testing.T) {
	t.Parallel()
	settings, upstream, _ := sinks(t)
	w := newWorld(t, worldOptions{fastRetry: true, callbacks: settings})
	fails := make([]int, jobs.CallbackRetries+1)
	for i := range fails {
		fails[i] = http.StatusBadGateway
	}
	upstream.Fail(fails...)
	id := w.accepted("S1", "person=alice;quality=too_dark")
	archived, err := w.insp.ListArchivedTasks(jobs.QueueCallback)
	require.NoError(t, err)
	require.Len(t, archived, 1)
	require.Equal(t, "callback:"+id+":2:upstream", archived[0].ID)
	require.Contains(t, archived[0].LastErr, "HTTP 502")
	require.Empty(t, upstream.Received())
	require.Equal(t, "rejected", w.state(id), "a failing callback does not fail the capture")
	require.Contains(t, w.logs.String(), "callback archived after its last retry")

	require.NoError(t, w.insp.RunTask(jobs.QueueCallback, archived[0].ID))
	w.idle()
	require.Equal(t, []string{"rejected"}, states(upstream.Received()))
	require.Equal(t, "too_dark", upstream.Received()[0].Reason)
}
