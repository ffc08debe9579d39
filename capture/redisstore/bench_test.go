package redisstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/capture/redisstore"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/storage"
)

// BenchmarkJourneyBookkeeping measures the lifecycle's own cost for one
// capture's whole journey (submit, standardized, confirm, compared,
// approved, one message recorded): the Redis transactions and the durable
// copies on the filesystem store, without any image or face work.
//
// Sub-benchmarks: "fs" is the filesystem store (every durable copy
// fsynced), "memory" a store in memory, which leaves the Redis work and
// the encoding.
func BenchmarkJourneyBookkeeping(b *testing.B) {
	fs, err := storage.NewFS(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("fs", func(b *testing.B) { benchJourney(b, fs) })
	b.Run("memory", func(b *testing.B) { benchJourney(b, &memStore{m: map[string][]byte{}}) })
}

// memStore is a storage.Store in memory.
type memStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memStore) Put(_ context.Context, k string, d []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k] = append([]byte(nil), d...)
	return nil
}

func (s *memStore) Get(_ context.Context, k string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.m[k]
	if !ok {
		return nil, storage.ErrNotFound
	}
	return d, nil
}

func (s *memStore) Delete(_ context.Context, k string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, k)
	return nil
}

func (s *memStore) List(context.Context, string) ([]string, error) { return nil, nil }

func benchJourney(b *testing.B, store storage.Store) {
	srv := redistest.Start(b)
	repo := redisstore.New(redisstore.Params{Redis: srv.Client, Store: store, Dispatcher: &recorder{}})
	lc := capture.NewLifecycle(repo, capture.RuleSet{})
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		id, student := fmt.Sprintf("c%d", i), fmt.Sprintf("S%d", i)
		must := func(_ any, err error) {
			if err != nil {
				b.Fatal(err)
			}
		}
		must(lc.Submit(ctx, newRecord(id, student)))
		must(lc.Standardized(ctx, id, capture.StandardizeResult{OK: true, Start: time.Now(), End: time.Now()}))
		must(lc.Confirm(ctx, id, capture.AnswerMine, capture.ActorUpstream))
		must(lc.Matched(ctx, id, capture.MatchResult{Score: 95, CTID: &capture.CTIDCheck{Outcome: "pass"}}))
		rec, err := lc.Review(ctx, id, capture.Approve, "", "li")
		must(rec, err)
		must(lc.MarkNotified(ctx, id, rec.Last().Seq, capture.Delivery{}))
	}
}
