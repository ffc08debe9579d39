// Package jobs names recheck's asynq tasks and builds them: task types,
// queues, payloads (IDs only: never a name, a document number or a photo)
// and each task's ID, retry and timeout policy.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// Task types.
const (
	// TypeStandardize checks and standardizes a capture's photo.
	TypeStandardize = "capture:standardize"
	// TypeMatch compares a standardized photo with the admission photo.
	TypeMatch = "capture:match"
	// TypeNotify tells the student the outcome of a capture.
	TypeNotify = "capture:notify"
)

// Queues, and the weights the worker gives them: a school's batch work never
// starves students who are shooting now.
const (
	QueueCapture  = "capture"
	QueueNotify   = "notify"
	QueueCallback = "callback"
	QueueBatch    = "batch"
)

// QueueWeights is the share of worker attention each queue gets.
var QueueWeights = map[string]int{
	QueueCapture:  6,
	QueueNotify:   3,
	QueueCallback: 2,
	QueueBatch:    1,
}

// Retention keeps completed tasks (and so their IDs) for a day: a repeated
// enqueue of the same step within it is recognised as a duplicate.
const Retention = 24 * time.Hour

// CapturePayload is the payload of every capture task: the capture's ID.
type CapturePayload struct {
	CaptureID string `json:"capture_id"`
}

// ParseCapturePayload decodes a capture task's payload.
func ParseCapturePayload(t *asynq.Task) (CapturePayload, error) {
	var p CapturePayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return p, fmt.Errorf("jobs: decode %s payload: %w", t.Type(), err)
	}
	if p.CaptureID == "" {
		return p, errors.New("jobs: payload has no capture_id")
	}
	return p, nil
}

func captureTask(typ, captureID string, opts ...asynq.Option) *asynq.Task {
	payload, _ := json.Marshal(CapturePayload{CaptureID: captureID}) // cannot fail
	return asynq.NewTask(typ, payload, opts...)
}

// NewStandardize builds the standardize task of a capture. Its ID,
// "standardize:<capture>", makes a repeated enqueue a no-op.
func NewStandardize(captureID string) *asynq.Task {
	return captureTask(TypeStandardize, captureID,
		asynq.TaskID("standardize:"+captureID),
		asynq.Queue(QueueCapture),
		asynq.MaxRetry(5),
		asynq.Timeout(60*time.Second),
		asynq.Retention(Retention))
}

// NewMatch builds the match task of a capture. trigger tells runs apart that
// are legitimately distinct: "" for the run after standardization, the
// admission photo's digest for the re-run when a photo arrives later.
func NewMatch(captureID, trigger string) *asynq.Task {
	id := "match:" + captureID
	if trigger != "" {
		id += ":" + trigger
	}
	return captureTask(TypeMatch, captureID,
		asynq.TaskID(id),
		asynq.Queue(QueueCapture),
		asynq.MaxRetry(5),
		asynq.Timeout(60*time.Second),
		asynq.Retention(Retention))
}

// NewNotify builds the task that tells the student about state. One
// notification per capture and state: its ID is "notify:<capture>:<state>".
func NewNotify(captureID, state string) *asynq.Task {
	return captureTask(TypeNotify, captureID,
		asynq.TaskID("notify:"+captureID+":"+state),
		asynq.Queue(QueueNotify),
		asynq.MaxRetry(10),
		asynq.Timeout(30*time.Second),
		asynq.Retention(Retention))
}

// Enqueuer is the part of *asynq.Client that recheck uses.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Enqueue enqueues task and treats a task-ID conflict as success: the same
// step of the same capture is already queued, running or done.
func Enqueue(ctx context.Context, q Enqueuer, task *asynq.Task) error {
	_, err := q.EnqueueContext(ctx, task)
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("jobs: enqueue %s: %w", task.Type(), err)
	}
	return nil
}
