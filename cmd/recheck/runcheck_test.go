package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/capture/redisstore"
	"github.com/recheck/recheck/storage"
)

// checkCaptures checks what every fault run promises of school "load"'s
// captures, whatever the fault: each capture final, no transition twice
// in its history, at most one standardization charged per student, no
// stored object without its capture. It returns the records, for the
// run's own checks (messages, recovery), and the number of transitions
// seen twice (each also reported as an error).
func checkCaptures(t *testing.T, ctx context.Context, repo *redisstore.Repository, store storage.Store) (recs []*capture.Record, duplicated int) {
	t.Helper()
	ids, err := repo.SchoolCaptures(ctx, "load", 0, 1<<30)
	require.NoError(t, err)
	for _, id := range ids {
		rec, err := repo.Get(ctx, id)
		require.NoError(t, err)
		require.Contains(t, []capture.State{capture.Approved, capture.Rejected, capture.Blocked}, rec.State, "%s ends", id)
		seen := map[capture.Cause]bool{}
		for _, e := range rec.History {
			if seen[e.Cause] {
				duplicated++
				t.Errorf("%s: %s twice", id, e.Cause)
			}
			seen[e.Cause] = true
		}
		j, err := repo.Journey(ctx, "load", rec.StudentID)
		require.NoError(t, err)
		require.LessOrEqual(t, len(j.Slots), 1, "%s: one standardization charged", rec.StudentID)
		recs = append(recs, rec)
	}
	keys, err := store.List(ctx, "schools/load/captures/")
	require.NoError(t, err)
	for _, k := range keys {
		id := strings.Split(strings.TrimPrefix(k, "schools/load/captures/"), "/")[0]
		_, err := repo.Get(ctx, id)
		require.NoError(t, err, "orphaned object %s", k)
	}
	return recs, duplicated
}
