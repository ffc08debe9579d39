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
	// TypeNotify sends the message of one event of a capture's history.
	TypeNotify = "capture:notify"
	// TypeNotifyStudent sends a message of a student's journey that belongs
	// to no capture (the cool-off).
	TypeNotifyStudent = "student:notify"
	// TypeReprocess reprocesses one capture for a batch.
	TypeReprocess = "capture:reprocess"
	// TypeCallback delivers one signed webhook to the upstream service (or
	// the records office).
	TypeCallback = "capture:callback"
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
// enqueue of the same step within it is recognised as a duplicate. The
// service sets its own (RECHECK_TASK_RETENTION) through Dispatcher, so that
// completed tasks do not pile up in Redis during a peak; the handlers do
// not rely on it, being idempotent.
const Retention = 24 * time.Hour

// CapturePayload is the payload of every capture task: the capture's ID,
// and for a notification the event it is about.
type CapturePayload struct {
	CaptureID string `json:"capture_id"`
	// Seq is the event of the capture's history a notification or a
	// callback is about.
	Seq int `json:"seq,omitempty"`
	// Target is a callback's receiver ("upstream", "records_office").
	Target string `json:"target,omitempty"`
	// Batch and Stage are a reprocessing task's batch and what it does.
	Batch string `json:"batch,omitempty"`
	Stage string `json:"stage,omitempty"`
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

func captureTask(typ string, p CapturePayload, opts ...asynq.Option) *asynq.Task {
	payload, _ := json.Marshal(p) // cannot fail
	return asynq.NewTask(typ, payload, opts...)
}

// NewStandardize builds the standardize task of a capture. Its ID,
// "standardize:<capture>", makes a repeated enqueue a no-op.
func NewStandardize(captureID string) *asynq.Task {
	return captureTask(TypeStandardize, CapturePayload{CaptureID: captureID},
		asynq.TaskID("standardize:"+captureID),
		asynq.Queue(QueueCapture),
		asynq.MaxRetry(5),
		asynq.Timeout(60*time.Second),
		asynq.Retention(Retention))
}

// NewMatch builds the match task of a capture. seq is the event that sent
// the capture to the comparison, so each legitimate run (after the
// student's confirmation, after a new admission photo) has its own ID,
// "match:<capture>:<seq>", and a repeated enqueue of one run is a no-op.
func NewMatch(captureID string, seq int) *asynq.Task {
	return captureTask(TypeMatch, CapturePayload{CaptureID: captureID},
		asynq.TaskID(fmt.Sprintf("match:%s:%d", captureID, seq)),
		asynq.Queue(QueueCapture),
		asynq.MaxRetry(5),
		asynq.Timeout(60*time.Second),
		asynq.Retention(Retention))
}

// NewNotify builds the task that sends the message of event seq of a
// capture's history: one task per transition, "notify:<capture>:<seq>".
func NewNotify(captureID string, seq int) *asynq.Task {
	return captureTask(TypeNotify, CapturePayload{CaptureID: captureID, Seq: seq},
		asynq.TaskID(fmt.Sprintf("notify:%s:%d", captureID, seq)),
		asynq.Queue(QueueNotify),
		asynq.MaxRetry(10),
		asynq.Timeout(30*time.Second),
		asynq.Retention(Retention))
}

// NewCallback builds the task that delivers the webhook of event seq of a
// capture to target: "callback:<capture>:<seq>:<target>", on the callback
// queue. Retried with backoff (10 s doubling to an hour: about 8 hours in
// all, see worker's retryDelay),
// then archived for an admin to retry.
func NewCallback(captureID string, seq int, target string) *asynq.Task {
	return captureTask(TypeCallback, CapturePayload{CaptureID: captureID, Seq: seq, Target: target},
		asynq.TaskID(fmt.Sprintf("callback:%s:%d:%s", captureID, seq, target)),
		asynq.Queue(QueueCallback),
		asynq.MaxRetry(CallbackRetries),
		asynq.Timeout(30*time.Second),
		asynq.Retention(Retention))
}

// NewReprocess builds the task that reprocesses a capture for a batch:
// "batch:<batch>:<capture>" on the batch queue, so that enqueuing the same
// batch again adds nothing while its tasks are kept.
func NewReprocess(batch, captureID, stage string) *asynq.Task {
	return captureTask(TypeReprocess, CapturePayload{CaptureID: captureID, Batch: batch, Stage: stage},
		asynq.TaskID(fmt.Sprintf("batch:%s:%s", batch, captureID)),
		asynq.Queue(QueueBatch),
		asynq.MaxRetry(3),
		asynq.Timeout(60*time.Second),
		asynq.Retention(Retention))
}

// CallbackRetries is how many times a failing callback is retried before
// it is archived.
const CallbackRetries = 16

// StudentPayload is the payload of a journey notice: the school, the
// student's ID and the notice.
type StudentPayload struct {
	School    string `json:"school"`
	StudentID string `json:"student_id"`
	Seq       int    `json:"seq"`
}

// NewNotifyStudent builds the task that sends notice seq of a student's
// journey, "notify:<school>:<student>:n<seq>".
func NewNotifyStudent(school, student string, seq int) *asynq.Task {
	payload, _ := json.Marshal(StudentPayload{School: school, StudentID: student, Seq: seq})
	return asynq.NewTask(TypeNotifyStudent, payload,
		asynq.TaskID(fmt.Sprintf("notify:%s:%s:n%d", school, student, seq)),
		asynq.Queue(QueueNotify),
		asynq.MaxRetry(10),
		asynq.Timeout(30*time.Second),
		asynq.Retention(Retention))
}

// ParseStudentPayload decodes a journey notice task's payload.
func ParseStudentPayload(t *asynq.Task) (StudentPayload, error) {
	var p StudentPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return p, fmt.Errorf("jobs: decode %s payload: %w", t.Type(), err)
	}
	if p.School == "" || p.StudentID == "" || p.Seq < 1 {
		return p, errors.New("jobs: payload needs school, student_id and seq")
	}
	return p, nil
}

// Enqueuer is the part of *asynq.Client that recheck uses.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Enqueue enqueues task (with opts overriding its own) and treats a
// task-ID conflict as success: the same step of the same capture is
// already queued, running or done.
func Enqueue(ctx context.Context, q Enqueuer, task *asynq.Task, opts ...asynq.Option) error {
	_, err := q.EnqueueContext(ctx, task, opts...)
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("jobs: enqueue %s: %w", task.Type(), err)
	}
	return nil
}
