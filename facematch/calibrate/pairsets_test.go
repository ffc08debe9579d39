package calibrate_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/facematch/calibrate"
)

func TestPairSets(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"li/1.jpg", "li/2.jpg", "wang/1.png", "wang/notes.txt", "zhao/1.jpg"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644))
	}
	ids, err := calibrate.PersonFolders(dir)
	require.NoError(t, err)
	require.Len(t, ids, 4, "photos only")
	set := calibrate.AllPairs("school", ids)
	require.Len(t, set.Pairs, 6)
	same := 0
	for _, p := range set.Pairs {
		if p.Same {
			same++
		}
	}
	require.Equal(t, 1, same, "li's two photos")

	csv := filepath.Join(dir, "pairs.csv")
	require.NoError(t, os.WriteFile(csv, []byte("a,b,same\nli/1.jpg,li/2.jpg,yes\nli/1.jpg,zhao/1.jpg,no\n"), 0o644))
	set, err = calibrate.CSVPairs("csv", csv, dir, true)
	require.NoError(t, err)
	require.Equal(t, []calibrate.Pair{{A: filepath.Join(dir, "li/1.jpg"), B: filepath.Join(dir, "li/2.jpg"), Same: true},
		{A: filepath.Join(dir, "li/1.jpg"), B: filepath.Join(dir, "zhao/1.jpg")}}, set.Pairs)

	require.NoError(t, os.WriteFile(csv, []byte("li/1.jpg,li/2.jpg,perhaps\n"), 0o644))
	_, err = calibrate.CSVPairs("csv", csv, dir, true)
	require.ErrorContains(t, err, "line 1")
	require.NoError(t, os.WriteFile(csv, []byte("li/1.jpg\n"), 0o644))
	_, err = calibrate.CSVPairs("csv", csv, dir, true)
	require.ErrorContains(t, err, "want a,b,same")
}
