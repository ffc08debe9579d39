package systemtest

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/ctid"
	"github.com/recheck/recheck/jobs"
	"github.com/recheck/recheck/reprocess"
	"github.com/recheck/recheck/worker/workertest"
)

func (w *world) batches() *reprocess.Service {
	return &reprocess.Service{Repo: w.lc.Store(), Redis: w.redis.Client, Queue: asynq.NewClientFromRedisClient(w.redis.Client)}
}

// TestRescoreAfterANewCalibration: a capture blocked for its score goes
// back through the comparison when a new calibration puts it above the
// line, and waits for a reviewer (never approved by the batch); its failed
// attempt is given back. A rerun of the same batch does nothing twice; a
// new batch after a calibration the other way flags the capture in review.
func TestRescoreAfterANewCalibration(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{twice: true})
	for _, s := range []string{"S1", "S2"} {
		w.putAdmission(s, "person="+s)
	}
	blocked := w.accepted("S1", "person=S1;score=75")
	status, body := w.confirm(blocked, "mine")
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "blocked", w.state(blocked))
	require.Equal(t, 1.0, w.summary("S1")["attempts"].(map[string]any)["failed"])
	inReview := w.pass("S2", "person=S2;score=85")

	w.scorer.Shift(+10)
	svc := w.batches()
	dry, byState, err := svc.Select(w.ctx, reprocess.Params{School: "cjlu", States: []capture.State{capture.Blocked, capture.PendingReview}})
	require.NoError(t, err)
	require.Len(t, dry, 2, "a dry run lists them")
	require.Equal(t, map[capture.State]int{capture.Blocked: 1, capture.PendingReview: 1}, byState)
	st, enqueued, err := svc.Start(w.ctx, reprocess.Params{School: "cjlu", Stage: reprocess.StageMatch}, "admin")
	require.NoError(t, err)
	require.Equal(t, 2, enqueued)
	w.idle()
	st, err = svc.Status(w.ctx, st.ID)
	require.NoError(t, err)
	require.True(t, st.Finished)
	require.Equal(t, 2, st.Done)
	require.Equal(t, map[string]int{"changed": 1, "unchanged": 1, "failed": 0}, st.Outcomes)

	c := w.capture(blocked)
	require.Equal(t, "pending_review", c["state"], "compared again, now waiting for a reviewer")
	require.Equal(t, []string{"submitted", "standardized", "confirmed", "match_blocked", "rescored", "match_passed"}, causes(c))
	require.Equal(t, "batch:"+st.ID, c["history"].([]any)[4].(map[string]any)["actor"])
	require.Equal(t, 0.0, w.summary("S1")["attempts"].(map[string]any)["failed"], "the attempt is given back")
	require.Equal(t, "pending_review", w.state(inReview), "nothing approves")

	// The same batch again: nothing to do.
	_, enqueued, err = svc.Start(w.ctx, reprocess.Params{School: "cjlu", Stage: reprocess.StageMatch}, "admin")
	require.NoError(t, err)
	require.Zero(t, enqueued)

	// A new batch after a calibration the other way: flagged, not blocked.
	w.scorer.Shift(-30)
	st2, enqueued, err := svc.Start(w.ctx, reprocess.Params{School: "cjlu", Stage: reprocess.StageMatch, New: true}, "admin")
	require.NoError(t, err)
	require.NotEqual(t, st.ID, st2.ID)
	require.Equal(t, 2, enqueued)
	w.idle()
	rec, err := w.lc.Store().Get(w.ctx, inReview)
	require.NoError(t, err)
	require.Equal(t, capture.PendingReview, rec.State)
	require.Equal(t, capture.FlagRescoredBelowPass, rec.Review[len(rec.Review)-1].Code)
	require.Len(t, rec.Reprocessed, 2)
	require.Equal(t, 65.0, rec.Reprocessed[1].Score)
}

// TestResumeAfterACTIDOutage: comparisons that waited through a CTID
// outage (their tasks archived) finish when a resume batch runs after it.
func TestResumeAfterACTIDOutage(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{fastRetry: true})
	w.putAdmission("S1", "person=alice")
	w.ctid.SetOutcome(ctid.Unavailable)
	id := w.accepted("S1", "person=alice")
	status, body := w.confirm(id, "mine")
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "on_hold", w.state(id), "waits quietly; never a false 'not the same person'")

	w.ctid.SetOutcome(ctid.Pass)
	st, enqueued, err := w.batches().Start(w.ctx, reprocess.Params{School: "cjlu"}, "admin")
	require.NoError(t, err)
	require.Equal(t, 1, enqueued)
	w.idle()
	require.Equal(t, "pending_review", w.state(id))
	st, err = w.batches().Status(w.ctx, st.ID)
	require.NoError(t, err)
	require.Equal(t, 1, st.Outcomes["changed"])
}

// TestRestandardizeAfterAProfileChange: approved photos are standardized
// again and replaced; the capture's state does not move.
func TestRestandardizeAfterAProfileChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=alice")
	id := w.pass("S1", "person=alice")
	status, body := w.review(id, "approve", "")
	require.Equal(t, http.StatusOK, status, body)
	key := capture.StandardizedKey("cjlu", id)
	require.NoError(t, w.store.Put(w.ctx, key, []byte("the photo of the old profile")))

	st, enqueued, err := w.batches().Start(w.ctx, reprocess.Params{School: "cjlu", Stage: reprocess.StageStandardize, States: []capture.State{capture.Approved}}, "admin")
	require.NoError(t, err)
	require.Equal(t, 1, enqueued)
	w.idle()
	photo, err := w.store.Get(w.ctx, key)
	require.NoError(t, err)
	require.Equal(t, workertest.Photo("person=alice;score=;standardized=1"), photo)
	require.Equal(t, "approved", w.state(id))
	st, err = w.batches().Status(w.ctx, st.ID)
	require.NoError(t, err)
	require.Equal(t, 1, st.Outcomes["changed"])

	_, _, err = w.batches().Start(w.ctx, reprocess.Params{School: "cjlu", Stage: reprocess.StageStandardize, States: []capture.State{capture.Blocked}}, "admin")
	var inv *reprocess.InvalidError
	require.ErrorAs(t, err, &inv, "standardize takes awaiting_confirmation, pending_review and approved captures")
}

// TestBatchDoesNotStarveStudents: with 10,000 batch tasks queued, a
// student's capture is standardized after at most the batch tasks already
// running plus a few: the capture queue's weight (6 against the batch's 1)
// makes a free worker pick it with probability 6/7 each time.
func TestBatchDoesNotStarveStudents(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("enqueues 10,000 tasks")
	}
	var batchStarted, seenAtStandardize atomic.Int64
	seenAtStandardize.Store(-1)
	count := func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			switch t.Type() {
			case jobs.TypeReprocess:
				batchStarted.Add(1)
			case jobs.TypeStandardize:
				seenAtStandardize.CompareAndSwap(-1, batchStarted.Load())
			}
			return next.ProcessTask(ctx, t)
		})
	}
	w := newWorld(t, worldOptions{middleware: []asynq.MiddlewareFunc{count}})
	w.putAdmission("S0", "person=alice")
	idle := w.accepted("S0", "person=alice") // awaiting confirmation: a cheap batch item
	q := asynq.NewClientFromRedisClient(w.redis.Client)
	defer q.Close()
	const n = 10000
	for i := range n {
		require.NoError(t, jobs.Enqueue(w.ctx, q, jobs.NewReprocess(fmt.Sprintf("bfair%05d", i), idle, reprocess.StageMatch)))
	}
	for batchStarted.Load() < 50 {
		time.Sleep(time.Millisecond) // until the batch is flowing
	}
	seenAtStandardize.Store(-1)
	// The count starts when the student's task is queued: a watcher reads
	// the capture queue while the upload is posted.
	queued := make(chan int64, 1)
	go func() {
		for {
			if n := w.redis.Client.LLen(w.ctx, "asynq:{"+jobs.QueueCapture+"}:pending").Val(); n > 0 || seenAtStandardize.Load() >= 0 {
				queued <- batchStarted.Load()
				return
			}
		}
	}()
	status, body := w.submit("S1", "person=bob")
	require.Equal(t, http.StatusAccepted, status, body)
	before := <-queued
	for seenAtStandardize.Load() < 0 {
		time.Sleep(time.Millisecond)
	}
	waited := max(0, seenAtStandardize.Load()-before)
	t.Logf("batch tasks started between the student's task being queued and its start: %d (of %d queued)", waited, n)
	require.LessOrEqual(t, waited, int64(2+8), "at most the running batch tasks and a few more")
}

// TestReprocessOverHTTP: an admin starts a batch and follows it; a dry run
// changes nothing; others may not; bad parameters are named.
func TestReprocessOverHTTP(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=S1")
	id := w.accepted("S1", "person=S1;score=75")
	w.confirm(id, "mine")
	w.scorer.Shift(+10)

	resp, body := w.as("admin", http.MethodPost, "/v1/schools/cjlu/reprocess", "application/json", jsonBody(map[string]any{"stage": "match", "dry_run": true}))
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Equal(t, 1.0, body["matching"])
	require.Equal(t, 1.0, body["by_state"].(map[string]any)["blocked"])
	w.idle()
	require.Equal(t, "blocked", w.state(id), "a dry run changes nothing")

	resp, body = w.as("admin", http.MethodPost, "/v1/schools/cjlu/reprocess", "application/json", jsonBody(map[string]any{"stage": "match"}))
	require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	batch := body["batch"].(map[string]any)["id"].(string)
	require.Equal(t, "/v1/batches/"+batch, resp.Header.Get("Location"))
	w.idle()
	st := w.admin("/v1/batches/" + batch)
	require.Equal(t, true, st["finished"])
	require.Equal(t, 1.0, st["outcomes"].(map[string]any)["changed"])
	require.Equal(t, "pending_review", w.state(id))

	resp, body = w.as("admin", http.MethodPost, "/v1/schools/cjlu/reprocess", "application/json", jsonBody(map[string]any{"stage": "standardize", "states": []string{"blocked"}}))
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "invalid_field", errCode(t, body))
	require.Contains(t, body["error"].(map[string]any)["message"], "stage standardize takes captures in")
	resp, _ = w.as("li", http.MethodPost, "/v1/schools/cjlu/reprocess", "application/json", jsonBody(map[string]any{}))
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = w.as("upstream", http.MethodGet, "/v1/batches/"+batch, "", nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = w.as("admin", http.MethodGet, "/v1/batches/nope", "", nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// TestInterruptedBatchContinues: a batch whose tasks were partly lost (an
// interrupt while queuing, a flushed queue) is completed by running it
// again, without doing any capture twice.
func TestInterruptedBatchContinues(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	var ids []string
	for _, s := range []string{"S1", "S2", "S3"} {
		w.putAdmission(s, "person="+s)
		ids = append(ids, w.pass(s, "person="+s))
	}
	w.stopWorker()
	p := reprocess.Params{School: "cjlu", Stage: reprocess.StageMatch}
	st, enqueued, err := w.batches().Start(w.ctx, p, "admin")
	require.NoError(t, err)
	require.Equal(t, 3, enqueued)
	for _, id := range ids[1:] {
		require.NoError(t, w.insp.DeleteTask(jobs.QueueBatch, "batch:"+st.ID+":"+id))
	}
	w.startWorker()
	w.idle()
	st, err = w.batches().Status(w.ctx, st.ID)
	require.NoError(t, err)
	require.Equal(t, 1, st.Done)
	require.False(t, st.Finished)

	st, enqueued, err = w.batches().Start(w.ctx, p, "admin")
	require.NoError(t, err)
	require.Equal(t, 2, enqueued, "only what was not done")
	w.idle()
	st, err = w.batches().Status(w.ctx, st.ID)
	require.NoError(t, err)
	require.Equal(t, 3, st.Done)
	require.True(t, st.Finished)
	require.Equal(t, 3, st.Outcomes["unchanged"])
	for _, id := range ids {
		rec, err := w.lc.Store().Get(w.ctx, id)
		require.NoError(t, err)
		require.Len(t, rec.Reprocessed, 1, "each capture once")
	}
}
