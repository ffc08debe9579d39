package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/capture/redisstore"
	"github.com/recheck/recheck/internal/keyspace"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/storage"
)

// recorder is a capture.Dispatcher that records follow-ups.
type recorder struct {
	mu  sync.Mutex
	got []capture.Followup
	err error
}

func (d *recorder) Dispatch(_ context.Context, f capture.Followup) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return d.err
	}
	d.got = append(d.got, f)
	return nil
}

func (d *recorder) kinds() []capture.FollowupKind {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []capture.FollowupKind
	for _, f := range d.got {
		out = append(out, f.Kind)
	}
	return out
}

// flakyStore fails Put while down, and calls onPut before a Put of key.
type flakyStore struct {
	storage.Store
	mu    sync.Mutex
	down  bool
	onPut func(key string)
}

func (s *flakyStore) Put(ctx context.Context, key string, data []byte) error {
	s.mu.Lock()
	down, hook := s.down, s.onPut
	s.onPut = nil
	s.mu.Unlock()
	if down {
		return errors.New("storage: connection refused")
	}
	if hook != nil {
		hook(key)
	}
	return s.Store.Put(ctx, key, data)
}

type bundle struct {
	ctx   context.Context
	repo  *redisstore.Repository
	lc    *capture.Lifecycle
	store *flakyStore
	disp  *recorder
	now   time.Time
	rdb   *redis.Client
}

func setup(t *testing.T) *bundle {
	t.Helper()
	srv := redistest.Start(t)
	fs, err := storage.NewFS(t.TempDir())
	require.NoError(t, err)
	b := &bundle{ctx: context.Background(), store: &flakyStore{Store: fs}, disp: &recorder{}, now: at(1, 8, 0), rdb: srv.Client}
	b.repo = redisstore.New(redisstore.Params{Redis: srv.Client, Store: b.store, Dispatcher: b.disp, Now: func() time.Time { return b.now }})
	b.lc = capture.NewLifecycle(b.repo, capture.RuleSet{})
	return b
}

// newRecord is a capture of student; S1's document is 11010519491231002X,
// every other student's their own (one person, one student).
func newRecord(id, student string) *capture.Record {
	number := "11010519491231002X"
	if student != "S1" {
		number = "P" + student
	}
	return &capture.Record{
		ID: id, School: "cjlu", Cohort: "2026", StudentID: student, OpenID: "o-abc",
		Document: capture.Document{Type: "resident_id", Number: number, Name: "张三"},
	}
}

func (b *bundle) stored(t *testing.T, id string) *capture.Record {
	t.Helper()
	raw, err := b.store.Get(b.ctx, capture.ResultKey("cjlu", id))
	require.NoError(t, err)
	var rec capture.Record
	require.NoError(t, json.Unmarshal(raw, &rec))
	return &rec
}

func TestSubmit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rec, err := b.lc.Submit(b.ctx, newRecord("c1", "S1"))
	require.NoError(t, err)
	require.Equal(t, capture.Queued, rec.State)
	require.Equal(t, 1, rec.Version)
	require.Len(t, rec.History, 1)
	require.Equal(t, capture.ActorUpstream, rec.History[0].Actor)

	got, err := b.repo.Get(b.ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, "张三", got.Document.Name)
	require.Equal(t, rec.Version, b.stored(t, "c1").Version, "result.json is written on create")
	require.Equal(t, []capture.FollowupKind{capture.FollowStandardize}, b.disp.kinds())

	j, err := b.repo.Journey(b.ctx, "cjlu", "S1")
	require.NoError(t, err)
	require.Empty(t, j.Slots, "nothing is charged at submission")
	require.Equal(t, "c1", j.Latest)
	require.Equal(t, "resident_id", j.Identity.Type, "the first capture fixes the identity")
	require.Equal(t, b.repo.Hash("11010519491231002X"), j.Identity.NumberHMAC)
	raw, err := b.store.Get(b.ctx, capture.JourneyKey("cjlu", "S1"))
	require.NoError(t, err, "journey.json is written on every change")
	require.Contains(t, string(raw), `"capture_id": "c1"`)

	_, err = b.lc.Submit(b.ctx, newRecord("c1", "S2"))
	require.ErrorIs(t, err, capture.ErrExists, "capture IDs are unique across students")
	_, err = b.repo.Get(b.ctx, "missing")
	require.ErrorIs(t, err, capture.ErrNotFound)

	ids, err := b.repo.StudentCaptures(b.ctx, "cjlu", "S1")
	require.NoError(t, err)
	require.Equal(t, []string{"c1"}, ids)
	ids, _, err = b.repo.ListState(b.ctx, "cjlu", capture.Queued, "", 10)
	require.NoError(t, err)
	require.Equal(t, []string{"c1"}, ids)
}

// TestConcurrentSubmissionsPutOneInFlight: many submissions of one student
// at once; exactly one becomes the current capture, the others are told
// that one is in progress, and nothing is charged yet.
func TestConcurrentSubmissionsPutOneInFlight(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const n = 12
	var wg sync.WaitGroup
	results := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := b.lc.Submit(b.ctx, newRecord(fmt.Sprintf("c%d", i), "S1"))
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	ok, refused := 0, 0
	for err := range results {
		var re *capture.RefusedError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &re):
			require.Equal(t, capture.RefusedInProgress, re.Code)
			refused++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	require.Equal(t, 1, ok)
	require.Equal(t, n-1, refused)
	j, err := b.repo.Journey(b.ctx, "cjlu", "S1")
	require.NoError(t, err)
	require.Empty(t, j.Slots)
	ids, err := b.repo.StudentCaptures(b.ctx, "cjlu", "S1")
	require.NoError(t, err)
	require.Equal(t, []string{j.Latest}, ids)
}

// TestOutboxCompletesWhatStorageRefused: a change commits while storage is
// down; it is reported as not synced, waits in the outbox, and the sweep
// writes it once storage is back.
func TestOutboxCompletesWhatStorageRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.store.down = true
	rec, err := b.lc.Submit(b.ctx, newRecord("c1", "S1"))
	require.ErrorIs(t, err, capture.ErrNotSynced)
	require.NotNil(t, rec, "the change is committed")
	n, err := b.repo.Pending(b.ctx)
	require.NoError(t, err)
	require.Equal(t, int64(2), n, "the record and the journey wait")

	done, err := b.repo.SyncPending(b.ctx, 0)
	require.Error(t, err, "still down")
	require.Zero(t, done)

	b.store.down = false
	done, err = b.repo.SyncPending(b.ctx, time.Hour)
	require.NoError(t, err)
	require.Zero(t, done, "young entries are left to their writer")
	b.now = b.now.Add(2 * time.Hour)
	done, err = b.repo.SyncPending(b.ctx, time.Hour)
	require.NoError(t, err)
	require.Equal(t, 2, done)
	require.Equal(t, capture.Queued, b.stored(t, "c1").State)
	n, err = b.repo.Pending(b.ctx)
	require.NoError(t, err)
	require.Zero(t, n)
	require.Contains(t, b.disp.kinds(), capture.FollowStandardize)
}

// TestSlowWriterNeverLeavesStorageBehind: while a durable copy of one
// version is being written, a newer version is committed and written; the
// slow writer notices and writes again, so storage ends at the newest.
func TestSlowWriterNeverLeavesStorageBehind(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.lc.Submit(b.ctx, newRecord("c1", "S1"))
	require.NoError(t, err)
	b.store.onPut = func(key string) {
		// Inside the write of version 1's copy: version 2 commits.
		_, err := b.lc.Standardized(b.ctx, "c1", capture.StandardizeResult{OK: true, Start: b.now, End: b.now})
		require.NoError(t, err)
	}
	require.NoError(t, b.repo.Sync(b.ctx, "c1"))
	cur, err := b.repo.Get(b.ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, capture.AwaitingConfirmation, cur.State)
	require.Equal(t, cur.Version, b.stored(t, "c1").Version, "storage holds the newest version")
}

func TestDoIsAtomicUnderContention(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const writers = 8
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := b.repo.Do(b.ctx, "cjlu", "S1", func(tx capture.Tx) error {
				j := tx.Journey()
				j.Failed = append(j.Failed, fmt.Sprintf("c%d", i))
				return nil
			})
			// Committed either way: a durable copy that kept being
			// overtaken by newer versions is left to the outbox.
			if err != nil {
				require.ErrorIs(t, err, capture.ErrNotSynced)
			}
		}()
	}
	wg.Wait()
	j, err := b.repo.Journey(b.ctx, "cjlu", "S1")
	require.NoError(t, err)
	require.Len(t, j.Failed, writers, "no writer's change may be lost")
	require.Equal(t, writers, j.Version)
	_, err = b.repo.SyncPending(b.ctx, 0)
	require.NoError(t, err)
	raw, err := b.store.Get(b.ctx, capture.JourneyKey("cjlu", "S1"))
	require.NoError(t, err)
	require.Contains(t, string(raw), fmt.Sprintf(`"version": %d`, writers), "storage ends with the newest version")
}

func TestAbortedChangeSavesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, err := b.lc.Submit(b.ctx, newRecord("c1", "S1"))
	require.NoError(t, err)
	boom := errors.New("boom")
	_, err = b.repo.Do(b.ctx, "cjlu", "S1", func(tx capture.Tx) error {
		rec, err := tx.Load("c1")
		require.NoError(t, err)
		rec.State = capture.Approved
		return boom
	})
	require.ErrorIs(t, err, boom)
	got, err := b.repo.Get(b.ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, capture.Queued, got.State)

	_, err = b.repo.Do(b.ctx, "cjlu", "S2", func(tx capture.Tx) error {
		_, err := tx.Load("c1")
		return err
	})
	require.ErrorIs(t, err, capture.ErrNotFound, "a capture of another student is not loaded")
}

func TestListStatePages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := range 5 {
		b.now = b.now.Add(time.Minute)
		_, err := b.lc.Submit(b.ctx, newRecord(fmt.Sprintf("c%d", i), fmt.Sprintf("S%d", i)))
		require.NoError(t, err)
	}
	var all []string
	cursor := ""
	for {
		ids, next, err := b.repo.ListState(b.ctx, "cjlu", capture.Queued, cursor, 2)
		require.NoError(t, err)
		all = append(all, ids...)
		if next == "" {
			break
		}
		// A capture leaving the state between pages makes no other skip.
		if cursor == "" {
			_, err := b.lc.Standardized(b.ctx, ids[0], capture.StandardizeResult{OK: true})
			require.NoError(t, err)
		}
		cursor = next
	}
	require.Equal(t, []string{"c0", "c1", "c2", "c3", "c4"}, all, "oldest first")
	_, _, err := b.repo.ListState(b.ctx, "cjlu", capture.Queued, "garbage", 2)
	var ie *capture.InvalidError
	require.ErrorAs(t, err, &ie)
}

// TestWaiting: the schools with captures waiting for review or open cases,
// with their counts, every school's for "*", only the named ones
// otherwise; a school with nothing waiting is left out.
func TestWaiting(t *testing.T) {
	t.Parallel()
	b := setup(t)
	add := func(key string, members ...string) {
		for i, m := range members {
			require.NoError(t, b.rdb.ZAdd(b.ctx, key, redis.Z{Score: float64(i), Member: m}).Err())
		}
	}
	add(keyspace.SchoolState("cjlu", string(capture.PendingReview)), "c1", "c2")
	add(keyspace.SchoolCases("zjut"), "S9")
	add(keyspace.SchoolState("hdu", string(capture.Queued)), "c3")
	add(keyspace.SchoolState("hdu", string(capture.PendingReview)), "c4")
	require.NoError(t, b.rdb.ZRem(b.ctx, keyspace.SchoolState("hdu", string(capture.PendingReview)), "c4").Err())

	all, err := b.repo.Waiting(b.ctx, []string{"*"})
	require.NoError(t, err)
	require.Equal(t, []capture.SchoolWork{{School: "cjlu", PendingReview: 2}, {School: "zjut", OpenCases: 1}}, all)
	mine, err := b.repo.Waiting(b.ctx, []string{"zjut", "hdu"})
	require.NoError(t, err)
	require.Equal(t, []capture.SchoolWork{{School: "zjut", OpenCases: 1}}, mine)
	none, err := b.repo.Waiting(b.ctx, nil)
	require.NoError(t, err)
	require.Empty(t, none)
}

func TestEmbeddingCache(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, ok, err := b.repo.Embedding(b.ctx, "dlib", "abc")
	require.NoError(t, err)
	require.False(t, ok)
	require.NoError(t, b.repo.SetEmbedding(b.ctx, "dlib", "abc", []float32{0.5, -1}, time.Hour))
	vec, ok, err := b.repo.Embedding(b.ctx, "dlib", "abc")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, []float32{0.5, -1}, vec)
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

func at(day, hour, min int) time.Time { return time.Date(2026, 9, day, hour, min, 0, 0, shanghai) }
