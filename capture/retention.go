package capture

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/recheck/recheck/internal/keyspace"
	"github.com/recheck/recheck/storage"
)

// Purged records that a capture's photos were deleted and its personal
// fields erased under the retention rule; the record itself (states,
// history, scores) stays for the school's statistics and audits.
type Purged struct {
	At time.Time `json:"at"`
}

// PurgeReport counts what Purge did.
type PurgeReport struct {
	Captures int `json:"captures"`
	Journeys int `json:"journeys"`
}

// finalStates are the states whose captures retention purges.
var finalStates = []State{Rejected, Blocked, Approved, ReviewRejected, Escalated}

// Purge applies the retention rule to captures final before cutoff: their
// original and standardized photos are deleted from storage and their
// names, document numbers and openids erased (the keyed hash of the number
// stays); journeys not changed since cutoff lose their openid. At most
// limit captures are purged per call (the workers call it periodically).
// Deleting the files first makes a purge interrupted midway finish on the
// next call.
func (l *Lifecycle) Purge(ctx context.Context, cutoff time.Time, limit int) (PurgeReport, error) {
	var rep PurgeReport
	r := l.repo
	for _, s := range finalStates {
		iter := r.rdb.Scan(ctx, 0, keyspace.SchoolStatePattern(string(s)), 100).Iterator()
		for iter.Next(ctx) && rep.Captures < limit {
			n, err := l.purgeIndex(ctx, iter.Val(), cutoff, limit-rep.Captures)
			rep.Captures += n
			if err != nil {
				return rep, err
			}
		}
		if err := iter.Err(); err != nil {
			return rep, fmt.Errorf("capture: purge: scan: %w", err)
		}
	}
	n, err := l.purgeJourneys(ctx, cutoff, limit)
	rep.Journeys = n
	return rep, err
}

// purgeIndex purges the captures of one state index that entered it
// before cutoff, from where the last pass stopped (its cursor, "score:id",
// is kept in Redis), so that each capture is looked at once.
func (l *Lifecycle) purgeIndex(ctx context.Context, key string, cutoff time.Time, limit int) (int, error) {
	r := l.repo
	cursorKey := keyspace.PurgeCursor(key)
	cursor, err := r.rdb.Get(ctx, cursorKey).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("capture: purge: %w", err)
	}
	min, after := "-inf", ""
	var afterScore float64
	if score, id, ok := strings.Cut(cursor, ":"); ok {
		if afterScore, err = strconv.ParseFloat(score, 64); err == nil {
			min, after = score, id
		}
	}
	zs, err := r.rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{
		Key: key, ByScore: true, Start: min, Stop: strconv.FormatInt(cutoff.UnixMilli(), 10), Count: int64(limit + 64),
	}).Result()
	if err != nil {
		return 0, fmt.Errorf("capture: purge: %w", err)
	}
	n := 0
	for _, z := range zs {
		id := z.Member.(string)
		if after != "" && z.Score == afterScore && id <= after {
			continue
		}
		if n == limit {
			break
		}
		done, err := l.purgeCapture(ctx, id)
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
		if err := r.rdb.Set(ctx, cursorKey, fmt.Sprintf("%.0f:%s", z.Score, id), 0).Err(); err != nil {
			return n, fmt.Errorf("capture: purge: %w", err)
		}
	}
	return n, nil
}

// purgeCapture deletes a final capture's photos and erases its personal
// fields; a capture already purged is left alone.
func (l *Lifecycle) purgeCapture(ctx context.Context, id string) (bool, error) {
	rec, err := l.repo.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if rec.Purged != nil || !rec.State.Final() {
		return false, nil
	}
	for _, key := range []string{OriginalKey(rec.School, rec.ID), StandardizedKey(rec.School, rec.ID)} {
		if err := l.repo.store.Delete(ctx, key); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return false, fmt.Errorf("capture: purge %s: %w", id, err)
		}
	}
	_, err = l.change(ctx, id, func(t *Tx, rec *Record) error {
		if rec.Purged != nil {
			return errUnchanged
		}
		rec.Document.Name, rec.Document.Number, rec.OpenID = "", "", ""
		rec.Purged = &Purged{At: t.Now()}
		return nil
	})
	if err != nil && !errors.Is(err, ErrNotSynced) {
		return false, err
	}
	return true, nil
}

// purgeJourneys erases the openid of journeys not changed since cutoff.
func (l *Lifecycle) purgeJourneys(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	n := 0
	iter := l.repo.rdb.Scan(ctx, 0, keyspace.JourneyPattern, 200).Iterator()
	for iter.Next(ctx) && n < limit {
		parts := strings.SplitN(strings.TrimPrefix(iter.Val(), keyspace.JourneyPrefix), ":", 2)
		if len(parts) != 2 {
			continue
		}
		_, err := l.repo.Do(ctx, parts[0], parts[1], func(t *Tx) error {
			j := t.Journey()
			if j.OpenID == "" || !j.UpdatedAt.Before(cutoff) {
				return errUnchanged
			}
			j.OpenID = ""
			return nil
		})
		switch {
		case errors.Is(err, errUnchanged):
		case err != nil && !errors.Is(err, ErrNotSynced):
			return n, err
		default:
			n++
		}
	}
	return n, iter.Err()
}
