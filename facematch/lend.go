package facematch

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrClosed is returned by a closed pool.
var ErrClosed = errors.New("facematch: pool closed")

// lender lends out up to size items that run one job at a time (dlib
// detectors, go-face recognizers, ONNX sessions). Items are created on
// first need; NewXxx constructors create the first one eagerly so that a
// missing model fails at start-up.
type lender[T any] struct {
	what    string // for errors: "detector", "recognizer"
	create  func() (T, error)
	destroy func(T)
	idle    chan T
	slots   chan struct{} // one token per item that may still be created

	mu     sync.Mutex
	all    []T
	closed bool
	size   int
	failed error // the last creation's error, until one succeeds
}

func newLender[T any](what string, size int, create func() (T, error), destroy func(T)) (*lender[T], error) {
	if size < 1 {
		size = 1
	}
	l := &lender[T]{what: what, create: create, destroy: destroy, idle: make(chan T, size), slots: make(chan struct{}, size-1), size: size}
	for range size - 1 {
		l.slots <- struct{}{}
	}
	first, err := l.make()
	if err != nil {
		return nil, err
	}
	l.idle <- first
	return l, nil
}

func (l *lender[T]) make() (T, error) {
	item, err := l.create()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failed = err
	if err != nil {
		var zero T
		return zero, err
	}
	if l.closed {
		l.destroy(item)
		var zero T
		return zero, ErrClosed
	}
	l.all = append(l.all, item)
	return item, nil
}

// with runs fn with an item, waiting for one (or creating one) as needed.
func (l *lender[T]) with(ctx context.Context, fn func(T) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var item T
	select {
	case item = <-l.idle:
	default:
		select {
		case item = <-l.idle:
		case <-l.slots:
			var err error
			if item, err = l.make(); err != nil {
				l.slots <- struct{}{}
				return err
			}
		case <-ctx.Done():
			return fmt.Errorf("facematch: wait for a %s: %w", l.what, ctx.Err())
		}
	}
	defer func() { l.idle <- item }()
	return fn(item)
}

// ready says how many items are loaded of how many may be, or why the pool
// cannot serve: it is closed, or the last item it tried to create failed
// (a job waiting for a slot would fail the same way).
func (l *lender[T]) ready() (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return "", fmt.Errorf("%s pool closed", l.what)
	case l.failed != nil:
		return "", fmt.Errorf("load another %s: %w", l.what, l.failed)
	}
	return fmt.Sprintf("%d of %d %ss loaded", len(l.all), l.size, l.what), nil
}

// close destroys every item. Callers must not use the pool afterwards.
func (l *lender[T]) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.closed = true
	for _, item := range l.all {
		l.destroy(item)
	}
	l.all = nil
}
