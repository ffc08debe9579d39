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
}

func newLender[T any](what string, size int, create func() (T, error), destroy func(T)) (*lender[T], error) {
	if size < 1 {
		size = 1
	}
	l := &lender[T]{what: what, create: create, destroy: destroy, idle: make(chan T, size), slots: make(chan struct{}, size-1)}
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
	if err != nil {
		var zero T
		return zero, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
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
