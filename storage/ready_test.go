package storage_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/storage"
)

// TestReady: a writable store is ready and keeps no probe; one that
// refuses writes is not, and says so.
func TestReady(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, err := storage.NewFS(dir)
	require.NoError(t, err)
	s, err := storage.Ready(context.Background(), st)
	require.NoError(t, err)
	require.Equal(t, "writable", s)
	keys, err := st.List(context.Background(), "ops/")
	require.NoError(t, err)
	require.Empty(t, keys, "the probe is deleted")

	if os.Geteuid() == 0 {
		// root writes through permissions: take the directory away instead.
		require.NoError(t, os.RemoveAll(dir))
		require.NoError(t, os.WriteFile(dir, nil, 0o600))
	} else {
		require.NoError(t, os.Chmod(dir, 0o500))
		t.Cleanup(func() { os.Chmod(dir, 0o700) })
	}
	_, err = storage.Ready(context.Background(), st)
	require.ErrorContains(t, err, "storage not writable")
}
