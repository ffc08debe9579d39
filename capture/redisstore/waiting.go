package redisstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/internal/keyspace"
)

// Waiting returns, by school code, the schools among schools ("*" for
// every school) with captures waiting for review or open cases: what the
// staff pages offer when no school is chosen.
func (r *Repository) Waiting(ctx context.Context, schools []string) ([]capture.SchoolWork, error) {
	if slices.Contains(schools, "*") {
		found := map[string]bool{}
		for _, pattern := range []string{keyspace.SchoolStatePattern(string(capture.PendingReview)), keyspace.SchoolCasesPattern()} {
			iter := r.rdb.Scan(ctx, 0, pattern, 200).Iterator()
			for iter.Next(ctx) {
				if s := keyspace.SchoolOf(iter.Val()); s != "" {
					found[s] = true
				}
			}
			if err := iter.Err(); err != nil {
				return nil, fmt.Errorf("capture: list the schools with work: %w", err)
			}
		}
		schools = schools[:0:0]
		for s := range found {
			schools = append(schools, s)
		}
	}
	slices.Sort(schools)
	pipe := r.rdb.Pipeline()
	type counts struct{ review, cases interface{ Val() int64 } }
	cs := make([]counts, len(schools))
	for i, s := range schools {
		cs[i] = counts{pipe.ZCard(ctx, keyspace.SchoolState(s, string(capture.PendingReview))), pipe.ZCard(ctx, keyspace.SchoolCases(s))}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("capture: count the work waiting: %w", err)
	}
	var out []capture.SchoolWork
	for i, s := range schools {
		w := capture.SchoolWork{School: s, PendingReview: cs[i].review.Val(), OpenCases: cs[i].cases.Val()}
		if w.PendingReview > 0 || w.OpenCases > 0 {
			out = append(out, w)
		}
	}
	return out, nil
}
