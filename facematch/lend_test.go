package facematch

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// TestLenderWaitsAndHonoursContext: with every item busy, a caller waits
// until its context ends; items are created only up to the size.
func TestLenderWaitsAndHonoursContext(t *testing.T) {
	var created, destroyed atomic.Int64
	l, err := newLender("thing", 2, func() (int, error) { return int(created.Add(1)), nil }, func(int) { destroyed.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	hold := make(chan struct{})
	busy := make(chan struct{}, 2)
	for range 2 {
		go func() {
			_ = l.with(context.Background(), func(int) error { busy <- struct{}{}; <-hold; return nil })
		}()
	}
	<-busy
	<-busy
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err = l.with(ctx, func(int) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error while all items are busy, got %v", err)
	}
	if created.Load() != 2 {
		t.Fatalf("created %d items, want 2", created.Load())
	}
	close(hold)
	if err := l.with(context.Background(), func(int) error { return nil }); err != nil {
		t.Fatal(err)
	}
	l.close()
	if destroyed.Load() != 2 {
		t.Fatalf("destroyed %d items, want 2", destroyed.Load())
	}
}

func TestLenderReportsCreationErrors(t *testing.T) {
	boom := errors.New("no model")
	if _, err := newLender("thing", 1, func() (int, error) { return 0, boom }, func(int) {}); !errors.Is(err, boom) {
		t.Fatalf("want the creation error, got %v", err)
	}
}

// TestLenderReadiness: a pool reports what it loaded, the last failure to
// load another item (until a load succeeds) and being closed.
func TestLenderReadiness(t *testing.T) {
	var fail atomic.Bool
	boom := errors.New("model file gone")
	l, err := newLender("thing", 2, func() (int, error) {
		if fail.Load() {
			return 0, boom
		}
		return 1, nil
	}, func(int) {})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := l.ready(); err != nil || s != "1 of 2 things loaded" {
		t.Fatalf("ready = %q, %v", s, err)
	}
	// Both slots busy at once make the pool create its second item.
	fail.Store(true)
	hold := make(chan struct{})
	started := make(chan struct{})
	go func() { _ = l.with(context.Background(), func(int) error { close(started); <-hold; return nil }) }()
	<-started
	if err := l.with(context.Background(), func(int) error { return nil }); !errors.Is(err, boom) {
		t.Fatalf("want the creation error, got %v", err)
	}
	if _, err := l.ready(); !errors.Is(err, boom) {
		t.Fatalf("ready after a failed load: want the load's error, got %v", err)
	}
	fail.Store(false)
	if err := l.with(context.Background(), func(int) error { return nil }); err != nil {
		t.Fatal(err)
	}
	close(hold)
	if s, err := l.ready(); err != nil || s != "2 of 2 things loaded" {
		t.Fatalf("ready after a good load = %q, %v", s, err)
	}
	l.close()
	if _, err := l.ready(); err == nil {
		t.Fatal("a closed pool is not ready")
	}
}
