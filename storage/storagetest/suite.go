// Package storagetest is the conformance suite every storage.Store passes:
// the filesystem store and the S3 store run the same tests, so callers can
// rely on one behaviour.
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/storage"
)

// Run runs the conformance suite against stores made by newStore, which is
// called once per subtest and must return an empty store.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Store)
	}{
		{"PutGetRoundTrip", testPutGet},
		{"PutReplaces", testPutReplaces},
		{"GetMissing", testGetMissing},
		{"DeleteIsIdempotent", testDelete},
		{"ListByPrefix", testList},
		{"InvalidKeys", testInvalidKeys},
		{"EmptyObject", testEmptyObject},
		{"ConcurrentPuts", testConcurrentPuts},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

func testPutGet(t *testing.T, s storage.Store) {
	ctx := context.Background()
	data := bytes.Repeat([]byte{0xff, 0xd8, 0x00, 0x42}, 64<<10) // 256 KiB, binary
	key := "schools/s1/captures/c1/original"
	require.NoError(t, s.Put(ctx, key, data))
	got, err := s.Get(ctx, key)
	require.NoError(t, err)
	require.Equal(t, data, got)
}

func testPutReplaces(t *testing.T, s storage.Store) {
	ctx := context.Background()
	key := "schools/s1/captures/c1/result.json"
	require.NoError(t, s.Put(ctx, key, []byte(`{"v":1}`)))
	require.NoError(t, s.Put(ctx, key, []byte(`{"v":2}`)))
	got, err := s.Get(ctx, key)
	require.NoError(t, err)
	require.Equal(t, `{"v":2}`, string(got))
}

func testGetMissing(t *testing.T, s storage.Store) {
	ctx := context.Background()
	_, err := s.Get(ctx, "schools/s1/captures/none/original")
	require.ErrorIs(t, err, storage.ErrNotFound)
	// A "directory" that holds objects is not itself an object.
	require.NoError(t, s.Put(ctx, "a/b/c", []byte("x")))
	_, err = s.Get(ctx, "a/b")
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func testDelete(t *testing.T, s storage.Store) {
	ctx := context.Background()
	key := "schools/s1/captures/c1/standardized.jpg"
	require.NoError(t, s.Put(ctx, key, []byte("jpeg")))
	require.NoError(t, s.Delete(ctx, key))
	_, err := s.Get(ctx, key)
	require.ErrorIs(t, err, storage.ErrNotFound)
	require.NoError(t, s.Delete(ctx, key), "deleting a missing object is not an error")
}

func testList(t *testing.T, s storage.Store) {
	ctx := context.Background()
	for _, k := range []string{
		"schools/s1/captures/c2/original",
		"schools/s1/captures/c1/original",
		"schools/s1/captures/c1/result.json",
		"schools/s10/captures/c3/original",
		"schools/s2/captures/c4/original",
	} {
		require.NoError(t, s.Put(ctx, k, []byte(k)))
	}
	got, err := s.List(ctx, "schools/s1/")
	require.NoError(t, err)
	require.Equal(t, []string{
		"schools/s1/captures/c1/original",
		"schools/s1/captures/c1/result.json",
		"schools/s1/captures/c2/original",
	}, got)

	got, err = s.List(ctx, "schools/s1")
	require.NoError(t, err)
	require.Len(t, got, 4, "a prefix is a string prefix, not a directory")

	got, err = s.List(ctx, "schools/none/")
	require.NoError(t, err)
	require.Empty(t, got)
}

func testInvalidKeys(t *testing.T, s storage.Store) {
	ctx := context.Background()
	for _, key := range []string{"", "/abs", "a/../b", "a//b", "a/./b", "trailing/", "..", "a\\b", "a\x00b", "new\nline"} {
		t.Run(fmt.Sprintf("%q", key), func(t *testing.T) {
			require.ErrorIs(t, s.Put(ctx, key, []byte("x")), storage.ErrInvalidKey)
			_, err := s.Get(ctx, key)
			require.ErrorIs(t, err, storage.ErrInvalidKey)
			require.ErrorIs(t, s.Delete(ctx, key), storage.ErrInvalidKey)
		})
	}
}

func testEmptyObject(t *testing.T, s storage.Store) {
	ctx := context.Background()
	require.NoError(t, s.Put(ctx, "empty", nil))
	got, err := s.Get(ctx, "empty")
	require.NoError(t, err)
	require.Empty(t, got)
}

func testConcurrentPuts(t *testing.T, s storage.Store) {
	ctx := context.Background()
	key := "schools/s1/captures/c1/result.json"
	a := bytes.Repeat([]byte("a"), 100<<10)
	b := bytes.Repeat([]byte("b"), 100<<10)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := a
			if i%2 == 1 {
				data = b
			}
			errs <- s.Put(ctx, key, data)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := s.Get(ctx, key)
	require.NoError(t, err)
	if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
		require.Fail(t, "concurrent puts left a mixed object", "len %d", len(got))
	}
	if errors.Is(err, storage.ErrNotFound) {
		require.Fail(t, "object lost")
	}
}
