package worker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/capture/redisstore"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/jobs"
	"github.com/recheck/recheck/notify"
	"github.com/recheck/recheck/storage"
	"github.com/recheck/recheck/worker"
	"github.com/recheck/recheck/worker/workertest"
)

// unit is the handlers on real Redis and storage with fake engines, run
// directly (no asynq server), for what the journey tests cannot reach:
// failures, retries and panics.
type unit struct {
	ctx     context.Context
	srv     *worker.Server
	handler asynq.Handler
	lc      *capture.Lifecycle
	store   storage.Store
	notes   *workertest.Notifier
	std     *failingStandardizer
}

// failingStandardizer fails while err is set, then behaves like the fake.
type failingStandardizer struct {
	workertest.Standardizer
	err error
}

func (f *failingStandardizer) Standardize(ctx context.Context, school string, photo []byte) (capture.StandardizeResult, error) {
	if f.err != nil {
		return capture.StandardizeResult{}, f.err
	}
	return f.Standardizer.Standardize(ctx, school, photo)
}

func setupUnit(t *testing.T) *unit {
	t.Helper()
	rs := redistest.Start(t)
	store, err := storage.NewFS(t.TempDir())
	require.NoError(t, err)
	repo := redisstore.New(redisstore.Params{Redis: rs.Client, Store: store,
		Dispatcher: jobs.Dispatcher{Queue: asynq.NewClientFromRedisClient(rs.Client)}})
	u := &unit{ctx: context.Background(), lc: capture.NewLifecycle(repo, capture.RuleSet{}), store: store,
		notes: &workertest.Notifier{}, std: &failingStandardizer{}}
	deps := worker.Deps{Lifecycle: u.lc, Store: store, Standardizer: u.std, Scorer: &workertest.Scorer{}, Identity: &workertest.Identity{},
		Notifier: u.notes, Log: zerolog.Nop()}
	u.srv = worker.New(rs.Client, worker.Config{Concurrency: 1, ShutdownTimeout: time.Second, PollInterval: time.Second, SweepInterval: time.Hour}, deps)
	u.handler = u.srv.Handler()
	return u
}

func (u *unit) submit(t *testing.T, id, tag string) {
	t.Helper()
	require.NoError(t, u.store.Put(u.ctx, capture.OriginalKey("cjlu", id), workertest.Photo(tag)))
	_, err := u.lc.Submit(u.ctx, &capture.Record{ID: id, School: "cjlu", StudentID: "S1", OpenID: "o-1",
		Document: capture.Document{Type: "resident_id", Number: "11010519491231002X", Name: "张三"}})
	require.NoError(t, err)
}

func (u *unit) get(t *testing.T, id string) *capture.Record {
	t.Helper()
	rec, err := u.lc.Store().Get(u.ctx, id)
	require.NoError(t, err)
	return rec
}

func TestPermanentFailures(t *testing.T) {
	u := setupUnit(t)
	err := u.handler.ProcessTask(u.ctx, jobs.NewStandardize("missing"))
	require.ErrorIs(t, err, asynq.SkipRetry, "a deleted capture is not retried")
	err = u.handler.ProcessTask(u.ctx, asynq.NewTask(jobs.TypeMatch, []byte("garbage")))
	require.ErrorIs(t, err, asynq.SkipRetry)
	err = u.handler.ProcessTask(u.ctx, asynq.NewTask(jobs.TypeNotifyStudent, []byte(`{"school":"cjlu"}`)))
	require.ErrorIs(t, err, asynq.SkipRetry)

	u.submit(t, "c1", "person=alice")
	require.NoError(t, u.store.Delete(u.ctx, capture.OriginalKey("cjlu", "c1")))
	err = u.handler.ProcessTask(u.ctx, jobs.NewStandardize("c1"))
	require.ErrorIs(t, err, asynq.SkipRetry, "a lost original will not come back")
	err = u.handler.ProcessTask(u.ctx, jobs.NewNotify("c1", 99))
	require.ErrorIs(t, err, asynq.SkipRetry, "no such event")
}

func TestPanicsBecomePermanentErrors(t *testing.T) {
	h := worker.RecoverPanics(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { panic("boom") }))
	err := worker.PermanentToSkipRetry(h).ProcessTask(context.Background(), asynq.NewTask("x", nil))
	require.ErrorContains(t, err, "boom")
	require.ErrorIs(t, err, asynq.SkipRetry)
}

// TestFinalErrorMarksTheCaptureFailed: when a stage's task gives up, the
// capture says so; an admin's retry of the task picks it up where it broke.
func TestFinalErrorMarksTheCaptureFailed(t *testing.T) {
	u := setupUnit(t)
	u.submit(t, "c1", "person=alice")
	u.std.err = errors.New("libvips: out of memory")
	err := u.handler.ProcessTask(u.ctx, jobs.NewStandardize("c1"))
	require.Error(t, err)
	require.NotErrorIs(t, err, asynq.SkipRetry, "a machine failure is retried")
	require.Equal(t, capture.Queued, u.get(t, "c1").State, "not failed while retries remain")

	// asynq calls the error handler with the retry count in the context; a
	// SkipRetry error is final whatever the count.
	u.srv.OnError(u.ctx, jobs.NewStandardize("c1"), errors.Join(err, asynq.SkipRetry))
	rec := u.get(t, "c1")
	require.Equal(t, capture.Failed, rec.State)
	require.Equal(t, capture.StageStandardize, rec.Failure.Stage)
	require.Equal(t, capture.FailureText, capture.StatusText(rec, capture.DefaultRules()))

	u.std.err = nil
	require.NoError(t, u.handler.ProcessTask(u.ctx, jobs.NewStandardize("c1")))
	rec = u.get(t, "c1")
	require.Equal(t, capture.AwaitingConfirmation, rec.State)
	require.Nil(t, rec.Failure)
	var cs []capture.Cause
	for _, e := range rec.History {
		cs = append(cs, e.Cause)
	}
	require.Equal(t, []capture.Cause{capture.CauseSubmitted, capture.CauseProcessingFailed, capture.CauseRetried, capture.CauseStandardized}, cs)

	// A failed notification never fails the capture.
	u.srv.OnError(u.ctx, jobs.NewNotify("c1", 1), errors.Join(errors.New("x"), asynq.SkipRetry))
	require.Equal(t, capture.AwaitingConfirmation, u.get(t, "c1").State)
}

// TestNotifyFailures: a transient failure is retried and sends once when
// it works; a permanent one is recorded and not retried.
func TestNotifyFailures(t *testing.T) {
	u := setupUnit(t)
	u.submit(t, "c1", "person=alice;quality=too_dark")
	require.NoError(t, u.handler.ProcessTask(u.ctx, jobs.NewStandardize("c1")))
	rec := u.get(t, "c1")
	require.Equal(t, capture.Rejected, rec.State)
	seq := rec.Last().Seq

	u.notes.Fail(errors.New("wechat: -1 system busy"))
	err := u.handler.ProcessTask(u.ctx, jobs.NewNotify("c1", seq))
	require.Error(t, err)
	require.NotErrorIs(t, err, asynq.SkipRetry)
	require.Nil(t, u.get(t, "c1").Last().Notified)

	u.notes.Fail(nil)
	require.NoError(t, u.handler.ProcessTask(u.ctx, jobs.NewNotify("c1", seq)))
	require.NoError(t, u.handler.ProcessTask(u.ctx, jobs.NewNotify("c1", seq)), "a redelivery")
	require.Len(t, u.notes.Sent(), 1)
	require.NotNil(t, u.get(t, "c1").Last().Notified)

	u.submit(t, "c2", "person=alice;quality=blurry")
	require.NoError(t, u.handler.ProcessTask(u.ctx, jobs.NewStandardize("c2")))
	u.notes.Fail(errors.Join(errors.New("wechat: 43101 refused"), notify.ErrPermanent))
	err = u.handler.ProcessTask(u.ctx, jobs.NewNotify("c2", u.get(t, "c2").Last().Seq))
	require.ErrorIs(t, err, asynq.SkipRetry, "a permanent failure is not retried")
	d := u.get(t, "c2").Last().Notified
	require.NotNil(t, d, "and it is recorded")
	require.Contains(t, d.Error, "43101")
}
