package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestProfile: RECHECK_PROFILE_DIR gets a CPU profile of the run and a
// heap profile at its end; without it nothing is written.
func TestProfile(t *testing.T) {
	none, err := startProfile("")
	require.NoError(t, err)
	require.NoError(t, none.stop())

	dir := filepath.Join(t.TempDir(), "prof")
	p, err := startProfile(dir)
	require.NoError(t, err)
	require.NoError(t, p.stop())
	for _, name := range []string{"cpu.pprof", "heap.pprof"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		require.Equal(t, []byte{0x1f, 0x8b}, b[:2], "%s is a gzipped pprof profile", name)
	}
}
