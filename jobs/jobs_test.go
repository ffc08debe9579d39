package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/jobs"
)

func TestTasks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		task    *asynq.Task
		typ     string
		queue   string
		taskID  string
		retries int
		payload string
	}{
		{jobs.NewStandardize("c1"), jobs.TypeStandardize, jobs.QueueCapture, "standardize:c1", 5, `{"capture_id":"c1"}`},
		{jobs.NewMatch("c1", 3), jobs.TypeMatch, jobs.QueueCapture, "match:c1:3", 5, `{"capture_id":"c1"}`},
		{jobs.NewMatch("c1", 7), jobs.TypeMatch, jobs.QueueCapture, "match:c1:7", 5, `{"capture_id":"c1"}`},
		{jobs.NewNotify("c1", 5), jobs.TypeNotify, jobs.QueueNotify, "notify:c1:5", 10, `{"capture_id":"c1","seq":5}`},
	}
	srv := redistest.Start(t)
	client := asynq.NewClientFromRedisClient(srv.Client)
	for _, tc := range tests {
		t.Run(tc.taskID, func(t *testing.T) {
			require.Equal(t, tc.typ, tc.task.Type())
			require.JSONEq(t, tc.payload, string(tc.task.Payload()), "payloads carry IDs only")
			p, err := jobs.ParseCapturePayload(tc.task)
			require.NoError(t, err)
			require.Equal(t, "c1", p.CaptureID)

			info, err := client.Enqueue(tc.task)
			require.NoError(t, err)
			require.Equal(t, tc.queue, info.Queue)
			require.Equal(t, tc.taskID, info.ID)
			require.Equal(t, tc.retries, info.MaxRetry)
			require.Equal(t, jobs.Retention, info.Retention)
		})
	}
}

func TestEnqueueTreatsConflictAsDone(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	client := asynq.NewClientFromRedisClient(srv.Client)
	ctx := context.Background()
	require.NoError(t, jobs.Enqueue(ctx, client, jobs.NewStandardize("c1")))
	require.NoError(t, jobs.Enqueue(ctx, client, jobs.NewStandardize("c1")), "a duplicate is not an error")

	insp := asynq.NewInspectorFromRedisClient(srv.Client)
	tasks, err := insp.ListPendingTasks(jobs.QueueCapture)
	require.NoError(t, err)
	require.Len(t, tasks, 1, "the duplicate was not enqueued twice")

	srv.Client.Close() // a real failure still surfaces
	require.Error(t, jobs.Enqueue(ctx, asynq.NewClientFromRedisClient(srv.Client), jobs.NewStandardize("c2")))
}

func TestParseCapturePayloadRejectsGarbage(t *testing.T) {
	t.Parallel()
	_, err := jobs.ParseCapturePayload(asynq.NewTask(jobs.TypeMatch, []byte("not json")))
	require.Error(t, err)
	_, err = jobs.ParseCapturePayload(asynq.NewTask(jobs.TypeMatch, []byte(`{}`)))
	require.ErrorContains(t, err, "capture_id")
}

func TestNotifyStudentTask(t *testing.T) {
	t.Parallel()
	task := jobs.NewNotifyStudent("cjlu", "S1", 2)
	require.Equal(t, jobs.TypeNotifyStudent, task.Type())
	p, err := jobs.ParseStudentPayload(task)
	require.NoError(t, err)
	require.Equal(t, jobs.StudentPayload{School: "cjlu", StudentID: "S1", Seq: 2}, p)
	_, err = jobs.ParseStudentPayload(asynq.NewTask(jobs.TypeNotifyStudent, []byte(`{"school":"cjlu"}`)))
	require.Error(t, err)
}

// TestDispatcherMapsEveryFollowup: each follow-up becomes its task, and a
// second dispatch of the same follow-up enqueues nothing new.
func TestDispatcherMapsEveryFollowup(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	d := jobs.Dispatcher{Queue: asynq.NewClientFromRedisClient(srv.Client)}
	ctx := context.Background()
	for _, f := range []capture.Followup{
		{Kind: capture.FollowStandardize, CaptureID: "c1"},
		{Kind: capture.FollowMatch, CaptureID: "c1", Seq: 3},
		{Kind: capture.FollowNotify, CaptureID: "c1", Seq: 4},
		{Kind: capture.FollowNotifyStudent, School: "cjlu", StudentID: "S1", Seq: 1},
	} {
		require.NoError(t, d.Dispatch(ctx, f))
		require.NoError(t, d.Dispatch(ctx, f), "again: a no-op")
	}
	insp := asynq.NewInspectorFromRedisClient(srv.Client)
	capt, err := insp.ListPendingTasks(jobs.QueueCapture)
	require.NoError(t, err)
	require.Len(t, capt, 2)
	notes, err := insp.ListPendingTasks(jobs.QueueNotify)
	require.NoError(t, err)
	require.Len(t, notes, 2)
	require.Error(t, d.Dispatch(ctx, capture.Followup{Kind: "unknown"}))
}

func TestDispatcherRetention(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	d := jobs.Dispatcher{Queue: asynq.NewClientFromRedisClient(srv.Client), Retention: time.Minute}
	require.NoError(t, d.Dispatch(context.Background(), capture.Followup{Kind: capture.FollowStandardize, CaptureID: "c1"}))
	info, err := asynq.NewInspectorFromRedisClient(srv.Client).GetTaskInfo(jobs.QueueCapture, "standardize:c1")
	require.NoError(t, err)
	require.Equal(t, time.Minute, info.Retention, "completed tasks do not pile up for a day")
}

// TestDispatcherSchedulesWhatIsDueLater: a follow-up due later (the message
// at the end of a cool-off) waits in the scheduled set until then.
func TestDispatcherSchedulesWhatIsDueLater(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	d := jobs.Dispatcher{Queue: asynq.NewClientFromRedisClient(srv.Client)}
	at := time.Now().Add(24 * time.Hour).Truncate(time.Second)
	f := capture.Followup{Kind: capture.FollowNotifyStudent, School: "cjlu", StudentID: "S1", Seq: 1, At: at}
	require.NoError(t, d.Dispatch(context.Background(), f))
	require.NoError(t, d.Dispatch(context.Background(), f), "again: a no-op")
	info, err := asynq.NewInspectorFromRedisClient(srv.Client).GetTaskInfo(jobs.QueueNotify, "notify:cjlu:S1:n1")
	require.NoError(t, err)
	require.Equal(t, asynq.TaskStateScheduled, info.State)
	require.True(t, info.NextProcessAt.Equal(at), "due at %s, scheduled for %s", at, info.NextProcessAt)
}
