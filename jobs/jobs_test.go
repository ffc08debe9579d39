package jobs_test

import (
	"context"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/jobs"
)

func TestTasks(t *testing.T) {
	tests := []struct {
		task    *asynq.Task
		typ     string
		queue   string
		taskID  string
		retries int
	}{
		{jobs.NewStandardize("c1"), jobs.TypeStandardize, jobs.QueueCapture, "standardize:c1", 5},
		{jobs.NewMatch("c1", ""), jobs.TypeMatch, jobs.QueueCapture, "match:c1", 5},
		{jobs.NewMatch("c1", "ab12"), jobs.TypeMatch, jobs.QueueCapture, "match:c1:ab12", 5},
		{jobs.NewNotify("c1", "passed"), jobs.TypeNotify, jobs.QueueNotify, "notify:c1:passed", 10},
	}
	srv := redistest.Start(t)
	client := asynq.NewClientFromRedisClient(srv.Client)
	for _, tc := range tests {
		t.Run(tc.taskID, func(t *testing.T) {
			require.Equal(t, tc.typ, tc.task.Type())
			require.JSONEq(t, `{"capture_id":"c1"}`, string(tc.task.Payload()), "payloads carry the ID only")
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
	_, err := jobs.ParseCapturePayload(asynq.NewTask(jobs.TypeMatch, []byte("not json")))
	require.Error(t, err)
	_, err = jobs.ParseCapturePayload(asynq.NewTask(jobs.TypeMatch, []byte(`{}`)))
	require.ErrorContains(t, err, "capture_id")
}
