package capture

import (
	"context"
	"fmt"
	"slices"

	"github.com/recheck/recheck/internal/keyspace"
)

// SchoolWork is what waits for staff at one school.
type SchoolWork struct {
	School string `json:"school"`
	// PendingReview counts the captures waiting for a reviewer.
	PendingReview int64 `json:"pending_review"`
	// OpenCases counts the students with an open records-office case.
	OpenCases int64 `json:"open_cases"`
}

// Waiting returns, by school code, the schools among schools ("*" for
// every school) with captures waiting for review or open cases: what the
// staff pages offer when no school is chosen.
func (r *Repository) Waiting(ctx context.Context, schools []string) ([]SchoolWork, error) {
	if slices.Contains(schools, "*") {
		found := map[string]bool{}
		for _, pattern := range []string{keyspace.SchoolStatePattern(string(PendingReview)), keyspace.SchoolCasesPattern()} {
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
		cs[i] = counts{pipe.ZCard(ctx, keyspace.SchoolState(s, string(PendingReview))), pipe.ZCard(ctx, keyspace.SchoolCases(s))}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("capture: count the work waiting: %w", err)
	}
	var out []SchoolWork
	for i, s := range schools {
		w := SchoolWork{School: s, PendingReview: cs[i].review.Val(), OpenCases: cs[i].cases.Val()}
		if w.PendingReview > 0 || w.OpenCases > 0 {
			out = append(out, w)
		}
	}
	return out, nil
}
