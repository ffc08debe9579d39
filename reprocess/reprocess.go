// Package reprocess runs batches over a school's captures: re-score them
// after a new calibration or embedder, re-standardize them after the school
// changed its profile, or resume those that failed or waited during an
// outage. A batch is one task per matching capture on the batch queue, its
// ID in the task ID ("batch:<batch>:<capture>") and in a Redis record of
// its progress; the same parameters give the same batch ID, so a rerun
// after an interrupt continues it and never does a capture twice, while
// other parameters (or --new) make a new batch.
package reprocess

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/internal/keyspace"
	"github.com/recheck/recheck/jobs"
)

// The stages a batch runs.
const (
	// StageResume resumes failed captures where they broke, and
	// comparisons waiting for CTID (after an outage).
	StageResume = "resume"
	// StageMatch re-scores captures against their admission photos.
	StageMatch = capture.StageMatch
	// StageStandardize standardizes originals again with the school's
	// current profile.
	StageStandardize = capture.StageStandardize
)

// allowed are the states each stage may take, the first ones its default.
var allowed = map[string]struct{ all, def []capture.State }{
	StageResume:      {[]capture.State{capture.Failed, capture.OnHold}, []capture.State{capture.Failed, capture.OnHold}},
	StageMatch:       {[]capture.State{capture.Blocked, capture.PendingReview, capture.Approved, capture.ReviewRejected, capture.Escalated}, []capture.State{capture.Blocked, capture.PendingReview}},
	StageStandardize: {[]capture.State{capture.AwaitingConfirmation, capture.PendingReview, capture.Approved}, []capture.State{capture.AwaitingConfirmation, capture.PendingReview, capture.Approved}},
}

// Params choose a batch's captures and what is done to them.
type Params struct {
	School string          `json:"school"`
	Cohort string          `json:"cohort,omitempty"`
	States []capture.State `json:"states,omitempty"`
	// Stage is StageResume (the default), StageMatch or StageStandardize.
	Stage string `json:"stage,omitempty"`
	// Since keeps captures submitted at or after it.
	Since time.Time `json:"since,omitzero"`
	// New makes a new batch even when one with these parameters exists.
	New bool `json:"-"`
}

// InvalidError names a parameter that cannot work.
type InvalidError struct{ Field, Message string }

func (e *InvalidError) Error() string { return "reprocess: " + e.Field + ": " + e.Message }

// Normalize fills in the defaults and checks the parameters.
func (p *Params) Normalize() error {
	if !capture.ValidID(p.School) {
		return &InvalidError{"school", fmt.Sprintf("%q is not a school code", p.School)}
	}
	if p.Stage == "" {
		p.Stage = StageResume
	}
	a, ok := allowed[p.Stage]
	if !ok {
		return &InvalidError{"stage", fmt.Sprintf("%q: use resume (the default), match or standardize", p.Stage)}
	}
	if len(p.States) == 0 {
		p.States = slices.Clone(a.def)
	}
	for _, s := range p.States {
		if !slices.Contains(a.all, s) {
			return &InvalidError{"states", fmt.Sprintf("stage %s takes captures in %v, not %q", p.Stage, a.all, s)}
		}
	}
	slices.Sort(p.States)
	p.States = slices.Compact(p.States)
	return nil
}

// ID is the batch ID of these parameters: the same for a rerun, another
// for other parameters; with New, a fresh one.
func (p Params) ID() string {
	if p.New {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		return "b" + hex.EncodeToString(b)
	}
	data, _ := json.Marshal(p)
	sum := sha256.Sum256(data)
	return "b" + hex.EncodeToString(sum[:6])
}

// Status is a batch and its progress.
type Status struct {
	ID     string `json:"id"`
	Params Params `json:"params"`
	By     string `json:"by"`
	// Total is how many captures matched; Done how many were processed,
	// by Outcome.
	Total     int            `json:"total"`
	Done      int            `json:"done"`
	Outcomes  map[string]int `json:"outcomes"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at,omitzero"`
	// Rate is captures a second since the batch started; ETA the seconds
	// left at that rate.
	Rate     float64 `json:"rate"`
	ETA      float64 `json:"eta_seconds"`
	Finished bool    `json:"finished"`
}

// Service starts batches and reports on them.
type Service struct {
	Repo  capture.Store
	Redis redis.UniversalClient
	Queue jobs.Enqueuer
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// batchTTL keeps a batch's record for a month after its last change.
const batchTTL = 30 * 24 * time.Hour

// Select lists the captures p matches, by state then submission.
func (s *Service) Select(ctx context.Context, p Params) ([]string, map[capture.State]int, error) {
	var out []string
	byState := map[capture.State]int{}
	for _, st := range p.States {
		cursor := ""
		for {
			ids, next, err := s.Repo.ListState(ctx, p.School, st, cursor, 500)
			if err != nil {
				return nil, nil, fmt.Errorf("reprocess: list %s captures: %w", st, err)
			}
			for _, id := range ids {
				rec, err := s.Repo.Get(ctx, id)
				if errors.Is(err, capture.ErrNotFound) {
					continue
				}
				if err != nil {
					return nil, nil, fmt.Errorf("reprocess: read capture %s: %w", id, err)
				}
				if rec.State != st || (p.Cohort != "" && rec.Cohort != p.Cohort) || rec.CreatedAt.Before(p.Since) || rec.Purged != nil {
					continue
				}
				if st == capture.OnHold && rec.HoldReason != capture.HoldCTIDUnavailable {
					continue // waiting for an admission photo: nothing to resume
				}
				out = append(out, id)
				byState[st]++
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	return out, byState, nil
}

// Start creates (or, for a rerun, continues) the batch of p and enqueues
// a task for every matching capture it has not processed yet; by is who
// asked. It returns the batch's status and how many tasks it enqueued.
func (s *Service) Start(ctx context.Context, p Params, by string) (Status, int, error) {
	if err := p.Normalize(); err != nil {
		return Status{}, 0, err
	}
	id := p.ID()
	ids, _, err := s.Select(ctx, p)
	if err != nil {
		return Status{}, 0, err
	}
	done, err := s.Redis.SMembers(ctx, keyspace.BatchDone(id)).Result()
	if err != nil {
		return Status{}, 0, fmt.Errorf("reprocess: read batch: %w", err)
	}
	// A rerun keeps what the first run found and adds what matches now.
	isDone := make(map[string]bool, len(done))
	for _, d := range done {
		isDone[d] = true
	}
	total := len(done)
	for _, c := range ids {
		if !isDone[c] {
			total++
		}
	}
	params, _ := json.Marshal(p)
	exists, err := s.Redis.Exists(ctx, keyspace.Batch(id)).Result()
	if err != nil {
		return Status{}, 0, fmt.Errorf("reprocess: read batch: %w", err)
	}
	fields := []any{"params", params, "total", total}
	if exists == 0 {
		fields = append(fields, "by", by, "created", s.now().UnixMilli())
	}
	if err := s.Redis.HSet(ctx, keyspace.Batch(id), fields...).Err(); err != nil {
		return Status{}, 0, fmt.Errorf("reprocess: save batch: %w", err)
	}
	s.Redis.Expire(ctx, keyspace.Batch(id), batchTTL)
	enqueued := 0
	for _, c := range ids {
		if isDone[c] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return Status{}, enqueued, err
		}
		if err := jobs.Enqueue(ctx, s.Queue, jobs.NewReprocess(id, c, p.Stage)); err != nil {
			return Status{}, enqueued, err
		}
		enqueued++
	}
	st, err := s.Status(ctx, id)
	return st, enqueued, err
}

// ErrNoBatch is returned for an unknown batch ID.
var ErrNoBatch = errors.New("reprocess: no such batch")

// Status reads a batch's progress.
func (s *Service) Status(ctx context.Context, id string) (Status, error) {
	v, err := s.Redis.HGetAll(ctx, keyspace.Batch(id)).Result()
	if err != nil {
		return Status{}, fmt.Errorf("reprocess: read batch: %w", err)
	}
	if len(v) == 0 {
		return Status{}, ErrNoBatch
	}
	st := Status{ID: id, By: v["by"], Outcomes: map[string]int{}}
	_ = json.Unmarshal([]byte(v["params"]), &st.Params)
	st.Total, _ = strconv.Atoi(v["total"])
	st.Done, _ = strconv.Atoi(v["done"])
	for _, o := range []string{capture.OutcomeChanged, capture.OutcomeUnchanged, capture.OutcomeFailed} {
		st.Outcomes[o], _ = strconv.Atoi(v[o])
	}
	created, _ := strconv.ParseInt(v["created"], 10, 64)
	updated, _ := strconv.ParseInt(v["updated"], 10, 64)
	st.CreatedAt = time.UnixMilli(created).UTC()
	if updated > 0 {
		st.UpdatedAt = time.UnixMilli(updated).UTC()
	}
	st.Finished = st.Done >= st.Total
	end := s.now()
	if st.Finished && updated > 0 {
		end = st.UpdatedAt
	}
	if secs := end.Sub(st.CreatedAt).Seconds(); secs > 0 && st.Done > 0 {
		st.Rate = float64(st.Done) / secs
		st.ETA = float64(st.Total-st.Done) / st.Rate
	}
	return st, nil
}

// record counts a capture's outcome once, however often its task runs.
var record = redis.NewScript(`
if redis.call("sadd", KEYS[2], ARGV[1]) == 1 then
  redis.call("hincrby", KEYS[1], "done", 1)
  redis.call("hincrby", KEYS[1], ARGV[2], 1)
  redis.call("hset", KEYS[1], "updated", ARGV[3])
  redis.call("pexpire", KEYS[2], ARGV[4])
  return 1
end
return 0`)

// Record counts the outcome of a batch's capture (changed, unchanged or
// failed); a capture already counted is not counted again.
func Record(ctx context.Context, rdb redis.UniversalClient, batch, captureID, outcome string, now time.Time) error {
	err := record.Run(ctx, rdb, []string{keyspace.Batch(batch), keyspace.BatchDone(batch)}, captureID, outcome, now.UnixMilli(), batchTTL.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("reprocess: record %s: %w", captureID, err)
	}
	return nil
}

// Processed reports whether a batch counted a capture already.
func Processed(ctx context.Context, rdb redis.UniversalClient, batch, captureID string) (bool, error) {
	ok, err := rdb.SIsMember(ctx, keyspace.BatchDone(batch), captureID).Result()
	if err != nil {
		return false, fmt.Errorf("reprocess: read batch: %w", err)
	}
	return ok, nil
}
