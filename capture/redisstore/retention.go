package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/internal/keyspace"
	"github.com/recheck/recheck/storage"
)

// EnteredBefore calls visit with up to limit IDs of captures that entered
// one of states before cutoff (at every school), reading each state index
// from where the last call stopped (its cursor, "score:id", is kept in
// Redis), so that each capture is looked at once. It counts the captures
// visit acted on.
func (r *Repository) EnteredBefore(ctx context.Context, states []capture.State, cutoff time.Time, limit int, visit func(id string) (bool, error)) (int, error) {
	n := 0
	for _, s := range states {
		iter := r.rdb.Scan(ctx, 0, keyspace.SchoolStatePattern(string(s)), 100).Iterator()
		for iter.Next(ctx) && n < limit {
			done, err := r.enteredBefore(ctx, iter.Val(), cutoff, limit-n, visit)
			n += done
			if err != nil {
				return n, err
			}
		}
		if err := iter.Err(); err != nil {
			return n, fmt.Errorf("scan: %w", err)
		}
	}
	return n, nil
}

func (r *Repository) enteredBefore(ctx context.Context, key string, cutoff time.Time, limit int, visit func(id string) (bool, error)) (int, error) {
	cursorKey := keyspace.PurgeCursor(key)
	cursor, err := r.rdb.Get(ctx, cursorKey).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, err
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
		return 0, err
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
		done, err := visit(id)
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
		if err := r.rdb.Set(ctx, cursorKey, fmt.Sprintf("%.0f:%s", z.Score, id), 0).Err(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// EachJourney calls visit with the school and student of stored journeys
// until it has acted on limit of them.
func (r *Repository) EachJourney(ctx context.Context, limit int, visit func(school, student string) (bool, error)) (int, error) {
	n := 0
	iter := r.rdb.Scan(ctx, 0, keyspace.JourneyPattern, 200).Iterator()
	for iter.Next(ctx) && n < limit {
		school, student, ok := strings.Cut(strings.TrimPrefix(iter.Val(), keyspace.JourneyPrefix), ":")
		if !ok {
			continue
		}
		done, err := visit(school, student)
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
	}
	return n, iter.Err()
}

// DeleteFile deletes a stored file; a missing one is not an error.
func (r *Repository) DeleteFile(ctx context.Context, key string) error {
	if err := r.store.Delete(ctx, key); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return nil
}
