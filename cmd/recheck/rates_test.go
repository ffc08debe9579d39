package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/facematch/calibrate"
	"github.com/recheck/recheck/internal/testphotos"
)

// TestMatchReproducesTheDocumentedRates scores every pair of the shared
// per-person folders with `recheck match --pairs --json` (the configured
// embedder) and checks that its false accepts and false rejects at 80 are
// exactly those of docs/face-comparison.md's calibration table: a recalibration, a
// changed model or a changed pipeline must update the table with it.
func TestMatchReproducesTheDocumentedRates(t *testing.T) {
	faces := filepath.Dir(testphotos.Path(t, "faces/MANIFEST.md"))
	ids := calibrate.PerPersonFolders(faces, "face_recognition-knn_train-", "dlib-johns-")
	require.Greater(t, len(ids), 50, "the shared per-person folders")
	set := calibrate.AllPairs("Western per-person folders", ids)

	var csv strings.Builder
	for _, p := range set.Pairs {
		fmt.Fprintf(&csv, "%s,%s\n", p.A, p.B)
	}
	pairs := filepath.Join(t.TempDir(), "pairs.csv")
	require.NoError(t, os.WriteFile(pairs, []byte(csv.String()), 0o644))

	code, stdout, stderr := cli(t, "match", "--pairs", pairs, "--json")
	require.Equal(t, exitOK, code, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, len(set.Pairs))

	var genuine, impostor, falseAccepts, falseRejects int
	for i, line := range lines {
		var l pairLine
		require.NoError(t, json.Unmarshal([]byte(line), &l), line)
		if l.Error != "" {
			continue // the calibration skips these pairs too
		}
		require.NotNil(t, l.Score, line)
		require.Equal(t, *l.Score >= 80, *l.SamePerson, "same_person follows the score: %s", line)
		if set.Pairs[i].Same {
			genuine++
			if !*l.SamePerson {
				falseRejects++
			}
		} else {
			impostor++
			if *l.SamePerson {
				falseAccepts++
			}
		}
	}
	far := float64(falseAccepts) / float64(impostor)
	frr := float64(falseRejects) / float64(genuine)
	row := fmt.Sprintf("| %s | arcface | %d / %d | %s | %s |", set.Name, genuine, impostor, calibrate.Rate(far, impostor), calibrate.Rate(frr, genuine))

	doc, err := os.ReadFile("../../docs/face-comparison.md")
	require.NoError(t, err)
	require.True(t, strings.Contains(string(doc), row),
		"docs/face-comparison.md's calibration table must state what recheck match measures: %s", row)
}
