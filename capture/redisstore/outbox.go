package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/internal/keyspace"
)

type noDispatch struct{}

func (noDispatch) Dispatch(context.Context, capture.Followup) error { return nil }

func outboxRecord(id string) string { return "c:" + id }
func outboxJourney(school, student string) string {
	return "j:" + school + "/" + student
}
func outboxAdmission(school, student string) string {
	return "a:" + school + "/" + student
}
func outboxMark(version int, at time.Time) string {
	return strconv.Itoa(version) + ":" + strconv.FormatInt(at.UnixMilli(), 10)
}

// clearMark deletes an outbox mark only when it still has the value the
// syncer read, so that a newer change's mark survives.
var clearMark = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0`)

func (r *Repository) syncChanges(ctx context.Context, ch *capture.Changes) error {
	var errs []error
	for _, rec := range ch.Records {
		errs = append(errs, r.Sync(ctx, rec.ID))
	}
	if ch.Journey != nil {
		errs = append(errs, r.SyncJourney(ctx, ch.Journey.School, ch.Journey.StudentID))
	}
	if ch.Admission != nil {
		errs = append(errs, r.syncAdmission(ctx, ch.School, ch.StudentID))
	}
	return errors.Join(errs...)
}

// Sync makes a capture's durable copy (result.json) match Redis and
// dispatches its follow-ups, then clears its outbox mark. It is idempotent:
// handlers that find their work done call it to complete an interrupted
// change. A copy written from an older version is written again, so a
// slow writer never leaves storage behind.
func (r *Repository) Sync(ctx context.Context, id string) error {
	return r.syncLoop(ctx, outboxRecord(id), func() (int, error) {
		rec, err := r.Get(ctx, id)
		if errors.Is(err, capture.ErrNotFound) {
			return -1, nil
		}
		if err != nil {
			return 0, err
		}
		data, err := r.encodeRecord(rec, true)
		if err != nil {
			return 0, fmt.Errorf("capture: encode result of %s: %w", id, err)
		}
		if err := r.store.Put(ctx, capture.ResultKey(rec.School, rec.ID), data); err != nil {
			return 0, fmt.Errorf("capture: store result.json of %s: %w", id, err)
		}
		for _, f := range rec.Followups(false) {
			if err := r.dispatch.Dispatch(ctx, f); err != nil {
				return 0, fmt.Errorf("capture: dispatch %s of %s: %w", f.Kind, id, err)
			}
		}
		return rec.Version, nil
	}, func() (int, error) {
		rec, err := r.Get(ctx, id)
		if err != nil {
			return -1, err
		}
		return rec.Version, nil
	})
}

// SyncJourney makes a journey's durable copy (journey.json) match Redis and
// dispatches its undelivered notices.
func (r *Repository) SyncJourney(ctx context.Context, school, student string) error {
	return r.syncLoop(ctx, outboxJourney(school, student), func() (int, error) {
		j, err := r.Journey(ctx, school, student)
		if err != nil {
			return 0, err
		}
		data, err := r.encodeJourney(j, true)
		if err != nil {
			return 0, fmt.Errorf("capture: encode journey: %w", err)
		}
		if err := r.store.Put(ctx, capture.JourneyKey(school, student), data); err != nil {
			return 0, fmt.Errorf("capture: store journey.json: %w", err)
		}
		for _, f := range j.Followups() {
			if err := r.dispatch.Dispatch(ctx, f); err != nil {
				return 0, fmt.Errorf("capture: dispatch journey notice: %w", err)
			}
		}
		return j.Version, nil
	}, func() (int, error) {
		j, err := r.Journey(ctx, school, student)
		if err != nil {
			return -1, err
		}
		return j.Version, nil
	})
}

// syncAdmission writes the admission photo reference's durable copy.
func (r *Repository) syncAdmission(ctx context.Context, school, student string) error {
	return r.syncLoop(ctx, outboxAdmission(school, student), func() (int, error) {
		ref, err := r.AdmissionPhoto(ctx, school, student)
		if errors.Is(err, capture.ErrNotFound) {
			return -1, nil
		}
		if err != nil {
			return 0, err
		}
		data, err := json.MarshalIndent(ref, "", "  ")
		if err != nil {
			return 0, fmt.Errorf("capture: encode admission photo: %w", err)
		}
		if err := r.store.Put(ctx, capture.AdmissionRefKey(school, student), data); err != nil {
			return 0, fmt.Errorf("capture: store admission.json: %w", err)
		}
		return 0, nil
	}, func() (int, error) { return 0, nil })
}

// syncLoop writes a document's durable copy and dispatches its follow-ups
// (write, returning the version written, -1 for a document that is gone),
// checks that no newer version was committed meanwhile (current), and
// clears the outbox mark it read; on a newer version it writes again.
func (r *Repository) syncLoop(ctx context.Context, field string, write, current func() (int, error)) error {
	for attempt := 0; attempt < 5; attempt++ {
		mark, err := r.rdb.HGet(ctx, keyspace.Outbox, field).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("%w: read outbox: %w", capture.ErrNotSynced, err)
		}
		written, err := write()
		if err != nil {
			return fmt.Errorf("%w: %w", capture.ErrNotSynced, err)
		}
		if written >= 0 {
			cur, err := current()
			if err != nil {
				return fmt.Errorf("%w: %w", capture.ErrNotSynced, err)
			}
			if cur != written {
				continue // a newer version was committed while this one was written
			}
		}
		if mark != "" {
			if err := clearMark.Run(ctx, r.rdb, []string{keyspace.Outbox}, field, mark).Err(); err != nil {
				return fmt.Errorf("%w: clear outbox mark: %w", capture.ErrNotSynced, err)
			}
		}
		return nil
	}
	return fmt.Errorf("%w: %s keeps changing", capture.ErrNotSynced, field)
}

// SyncPending completes every change whose outbox mark is older than age:
// changes whose writer died, or could not reach storage or the queue, after
// committing. It returns how many it completed; the workers run it
// periodically.
func (r *Repository) SyncPending(ctx context.Context, age time.Duration) (int, error) {
	cutoff := r.now().Add(-age).UnixMilli()
	var cursor uint64
	done := 0
	var errs []error
	for {
		kv, next, err := r.rdb.HScan(ctx, keyspace.Outbox, cursor, "", 200).Result()
		if err != nil {
			return done, fmt.Errorf("capture: scan outbox: %w", err)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			field, mark := kv[i], kv[i+1]
			_, msText, _ := strings.Cut(mark, ":")
			if ms, err := strconv.ParseInt(msText, 10, 64); err == nil && ms > cutoff {
				continue
			}
			kind, rest, _ := strings.Cut(field, ":")
			var err error
			switch kind {
			case "c":
				err = r.Sync(ctx, rest)
			case "j":
				school, student, _ := strings.Cut(rest, "/")
				err = r.SyncJourney(ctx, school, student)
			case "a":
				school, student, _ := strings.Cut(rest, "/")
				err = r.syncAdmission(ctx, school, student)
			default:
				err = r.rdb.HDel(ctx, keyspace.Outbox, field).Err()
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			done++
		}
		cursor = next
		if cursor == 0 {
			break
		}
	}
	return done, errors.Join(errs...)
}

// Pending returns how many changes wait in the outbox.
func (r *Repository) Pending(ctx context.Context) (int64, error) {
	n, err := r.rdb.HLen(ctx, keyspace.Outbox).Result()
	if err != nil {
		return 0, fmt.Errorf("capture: outbox length: %w", err)
	}
	return n, nil
}
