package capture_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/internal/redistest"
)

func setup(t *testing.T) (*capture.Repository, context.Context) {
	t.Helper()
	srv := redistest.Start(t)
	return capture.NewRepository(srv.Client), context.Background()
}

func newRecord(id string) *capture.Record {
	return &capture.Record{
		ID: id, School: "cjlu", Cohort: "2026", StudentID: "S001", OpenID: "o-abc",
		Document: capture.Document{Type: "resident_id", Number: "11010519491231002X", Name: "张三"},
		State:    capture.Queued, Findings: []capture.Finding{},
	}
}

func TestCreateGet(t *testing.T) {
	repo, ctx := setup(t)
	rec := newRecord("c1")
	require.NoError(t, repo.Create(ctx, rec))
	got, err := repo.Get(ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, capture.Queued, got.State)
	require.Equal(t, "张三", got.Document.Name)
	require.Equal(t, 1, got.Version)
	require.False(t, got.CreatedAt.IsZero())

	require.ErrorIs(t, repo.Create(ctx, newRecord("c1")), capture.ErrExists)
	_, err = repo.Get(ctx, "missing")
	require.ErrorIs(t, err, capture.ErrNotFound)
}

func TestIndexes(t *testing.T) {
	repo, ctx := setup(t)
	for i, id := range []string{"c1", "c2", "c3"} {
		rec := newRecord(id)
		rec.CreatedAt = time.Date(2026, 9, 1, 8, i, 0, 0, time.UTC)
		if id == "c3" {
			rec.StudentID = "S002"
		}
		require.NoError(t, repo.Create(ctx, rec))
	}
	ids, err := repo.SchoolCaptures(ctx, "cjlu", 0, 10)
	require.NoError(t, err)
	require.Equal(t, []string{"c1", "c2", "c3"}, ids)
	ids, err = repo.SchoolCaptures(ctx, "cjlu", 1, 1)
	require.NoError(t, err)
	require.Equal(t, []string{"c2"}, ids)
	ids, err = repo.StudentCaptures(ctx, "cjlu", "S001")
	require.NoError(t, err)
	require.Equal(t, []string{"c1", "c2"}, ids)

	rec, err := repo.Get(ctx, "c2")
	require.NoError(t, err)
	require.NoError(t, repo.Delete(ctx, rec))
	ids, err = repo.StudentCaptures(ctx, "cjlu", "S001")
	require.NoError(t, err)
	require.Equal(t, []string{"c1"}, ids)
}

func TestUpdateIsAtomicUnderContention(t *testing.T) {
	repo, ctx := setup(t)
	require.NoError(t, repo.Create(ctx, newRecord("c1")))
	const writers = 8
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := repo.Update(ctx, "c1", func(r *capture.Record) error {
				r.Findings = append(r.Findings, capture.Finding{Code: "w", Value: float64(i)})
				return nil
			})
			require.NoError(t, err)
		}()
	}
	wg.Wait()
	got, err := repo.Get(ctx, "c1")
	require.NoError(t, err)
	require.Len(t, got.Findings, writers, "no writer's change may be lost")
	require.Equal(t, 1+writers, got.Version)
}

func TestUpdateAbortsOnError(t *testing.T) {
	repo, ctx := setup(t)
	require.NoError(t, repo.Create(ctx, newRecord("c1")))
	boom := errors.New("boom")
	_, err := repo.Update(ctx, "c1", func(r *capture.Record) error {
		r.State = capture.Passed
		return boom
	})
	require.ErrorIs(t, err, boom)
	got, err := repo.Get(ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, capture.Queued, got.State, "an aborted update saves nothing")

	_, err = repo.Update(ctx, "missing", func(*capture.Record) error { return nil })
	require.ErrorIs(t, err, capture.ErrNotFound)
}

func TestAdmissionPhotoAndEmbedding(t *testing.T) {
	repo, ctx := setup(t)
	_, err := repo.AdmissionPhoto(ctx, "cjlu", "S001")
	require.ErrorIs(t, err, capture.ErrNotFound)
	ref := capture.AdmissionPhoto{Key: "k", SHA256: "abc", Format: "jpeg", Bytes: 10, UpdatedAt: time.Now().UTC().Truncate(time.Second)}
	require.NoError(t, repo.SetAdmissionPhoto(ctx, "cjlu", "S001", ref))
	got, err := repo.AdmissionPhoto(ctx, "cjlu", "S001")
	require.NoError(t, err)
	require.Equal(t, ref, *got)

	_, ok, err := repo.Embedding(ctx, "dlib", "abc")
	require.NoError(t, err)
	require.False(t, ok)
	require.NoError(t, repo.SetEmbedding(ctx, "dlib", "abc", []float32{0.5, -1}, time.Hour))
	vec, ok, err := repo.Embedding(ctx, "dlib", "abc")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, []float32{0.5, -1}, vec)
}

func TestTransitions(t *testing.T) {
	tests := []struct {
		from, to capture.State
		ok       bool
	}{
		{capture.Queued, capture.Standardized, true},
		{capture.Queued, capture.Rejected, true},
		{capture.Queued, capture.Passed, false},
		{capture.Standardized, capture.OnHold, true},
		{capture.Standardized, capture.Passed, true},
		{capture.OnHold, capture.Blocked, true},
		{capture.OnHold, capture.Queued, false},
		{capture.Passed, capture.Blocked, false},
		{capture.Rejected, capture.Standardized, false},
		{capture.Failed, capture.Standardized, true},
		{capture.Standardized, capture.Failed, true},
	}
	for _, tc := range tests {
		rec := &capture.Record{State: tc.from, HoldReason: capture.HoldAdmissionPhotoMissing}
		err := rec.MoveTo(tc.to)
		if tc.ok {
			require.NoError(t, err, "%s -> %s", tc.from, tc.to)
			require.Equal(t, tc.to, rec.State)
			if tc.to != capture.OnHold {
				require.Empty(t, rec.HoldReason, "leaving on_hold clears the reason")
			}
		} else {
			var te *capture.TransitionError
			require.ErrorAs(t, err, &te, "%s -> %s", tc.from, tc.to)
			require.Equal(t, tc.from, rec.State)
		}
	}
}

func TestValidID(t *testing.T) {
	for s, want := range map[string]bool{
		"cjlu": true, "S2026-001": true, "0193a.b_c": true,
		"": false, "-x": false, "a/b": false, "a b": false, "张三": false, "../x": false,
		"a234567890123456789012345678901234567890123456789012345678901234":  true,
		"a2345678901234567890123456789012345678901234567890123456789012345": false,
	} {
		require.Equal(t, want, capture.ValidID(s), s)
	}
}
