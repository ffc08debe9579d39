package storage_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/storage"
)

// TestFSDeletePrunesEmptyDirectories: deleting a capture's last object
// leaves no directory behind (an empty one looked like an orphaned capture
// and leaked inodes), keeps a directory that still holds an object, and
// never removes the root.
func TestFSDeletePrunesEmptyDirectories(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := t.TempDir()
	s, err := storage.NewFS(root)
	require.NoError(t, err)
	require.NoError(t, s.Put(ctx, "schools/s1/captures/c1/original", []byte("a")))
	require.NoError(t, s.Put(ctx, "schools/s1/captures/c1/standardized.jpg", []byte("b")))
	require.NoError(t, s.Put(ctx, "schools/s1/captures/c2/original", []byte("c")))

	require.NoError(t, s.Delete(ctx, "schools/s1/captures/c1/original"))
	require.DirExists(t, filepath.Join(root, "schools/s1/captures/c1"), "still holds the standardized photo")
	require.NoError(t, s.Delete(ctx, "schools/s1/captures/c1/standardized.jpg"))
	require.NoDirExists(t, filepath.Join(root, "schools/s1/captures/c1"))
	require.DirExists(t, filepath.Join(root, "schools/s1/captures"), "c2 is still there")

	require.NoError(t, s.Delete(ctx, "schools/s1/captures/c2/original"))
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	require.Empty(t, entries, "nothing left under the root")
	require.DirExists(t, root)
	require.NoError(t, s.Put(ctx, "schools/s1/captures/c3/original", []byte("d")), "the store still writes")
}

// TestFSPutSurvivesConcurrentPrune puts and deletes objects that share
// directories from many goroutines: a Put whose directory a Delete pruned
// under it creates the directory again instead of failing, and List never
// fails on a directory that vanished while it walked.
func TestFSPutSurvivesConcurrentPrune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := storage.NewFS(t.TempDir())
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				key := fmt.Sprintf("schools/s1/captures/c%d/%d", i%3, g)
				if err := s.Put(ctx, key, []byte("x")); err != nil {
					errs <- err
					return
				}
				if _, err := s.List(ctx, "schools/"); err != nil {
					errs <- err
					return
				}
				if err := s.Delete(ctx, key); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	keys, err := s.List(ctx, "")
	require.NoError(t, err)
	require.Empty(t, keys)
}
