package facematch_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
)

// TestFindsFacesInSmallTightPhotos locks the detection rate on ID-style
// copies of the shared East Asian photos (cut close around the face box,
// 1.1 and 1.4 times it, and 120 and 200 pixels wide, as provincial exam
// systems keep admission photos): at least 99 % at every width.
func TestFindsFacesInSmallTightPhotos(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test detects faces in every small copy of the shared sets (a minute); make test runs it")
	}
	det := testmodels.Matcher(t).Detectors()
	lim := imaging.DefaultLimits()
	var files []string
	for _, d := range []string{"faces-east-asian/nz0001na_Asian_faces", "faces-east-asian/imironica_liveness_NUAA_live"} {
		f, err := filepath.Glob(filepath.Join(testphotos.Path(t, d), "*"))
		require.NoError(t, err)
		files = append(files, f...)
	}
	require.Greater(t, len(files), 250)
	found, total := map[int]int{}, map[int]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		_, faces, scale, err := facematch.FindFaces(context.Background(), det, data, lim)
		if err != nil || len(faces) != 1 {
			continue // no single face in the original: no ID-style copy to make
		}
		box := faces[0].Box
		box.Min = box.Min.Mul(int(scale * 1000)).Div(1000)
		box.Max = box.Max.Mul(int(scale * 1000)).Div(1000)
		for _, width := range []int{120, 200} {
			for _, factor := range []float64{1.1, 1.4} {
				small, err := imaging.IDStyle(data, lim, box, factor, width)
				require.NoError(t, err, f)
				total[width]++
				_, fs, _, err := facematch.FindFaces(context.Background(), det, small, lim)
				require.NoError(t, err)
				if len(fs) == 1 {
					found[width]++
				}
			}
		}
	}
	for _, width := range []int{120, 200} {
		rate := float64(found[width]) / float64(total[width])
		t.Logf("%d px wide: %d of %d found (%.1f %%)", width, found[width], total[width], 100*rate)
		require.GreaterOrEqual(t, rate, 0.99, "faces found in ID-style photos %d px wide", width)
	}
}
