package imaging_test

import (
	"context"
	"flag"
	"math"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
)

var update = flag.Bool("update", false, "rewrite the golden perceptual hashes")

// standardize runs the pipeline on a photo with the shared detectors.
func standardize(t *testing.T, data []byte, p imaging.Profile) *imaging.Result {
	t.Helper()
	res, err := imaging.Standardize(context.Background(), data, imaging.Options{Profile: p, Detector: testmodels.Detectors(t), Diagnostics: true})
	require.NoError(t, err)
	return res
}

// variant returns a shared photo changed by f, as a JPEG.
func variant(t *testing.T, rel string, f func(*vips.ImageRef) error) []byte {
	t.Helper()
	img, err := vips.NewImageFromBuffer(testphotos.Read(t, rel))
	require.NoError(t, err)
	defer img.Close()
	require.NoError(t, f(img))
	out, _, err := img.ExportJpeg(&vips.JpegExportParams{Quality: 92})
	require.NoError(t, err)
	return out
}

// decode reads an output JPEG back at full size.
func decode(t *testing.T, jpeg []byte) imaging.RGB {
	t.Helper()
	m, err := imaging.Preview(jpeg, imaging.DefaultLimits(), 1<<14)
	require.NoError(t, err)
	return m
}

// borderMatch is the part of the border strips (the top 4 % of rows, and
// the left and right 4 % of columns down to 60 % of the height: the wall
// above the shoulders) whose pixels are within tol of colour c.
func borderMatch(m imaging.RGB, c [3]uint8, tol int) float64 {
	sy, sx := max(1, m.H*4/100), max(1, m.W*4/100)
	match, total := 0, 0
	for y := 0; y < m.H*60/100; y++ {
		for x := 0; x < m.W; x++ {
			if y >= sy && x >= sx && x < m.W-sx {
				continue
			}
			total++
			p := m.At(x, y)
			if absInt(int(p.R)-int(c[0])) <= tol && absInt(int(p.G)-int(c[1])) <= tol && absInt(int(p.B)-int(c[2])) <= tol {
				match++
			}
		}
	}
	return float64(match) / float64(total)
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// eyes finds the single face in an output and returns its eyes' midpoint.
func eyes(t *testing.T, m imaging.RGB) (x, y float64) {
	t.Helper()
	faces, err := testmodels.Detectors(t).DetectFaces(context.Background(), m)
	require.NoError(t, err)
	require.Len(t, faces, 1, "one face in the output")
	var sx, sy float64
	for _, p := range faces[0].Landmarks[:4] {
		sx += float64(p.X)
		sy += float64(p.Y)
	}
	return sx / 4, sy / 4
}

// halo is the part of the outline's pixels (next to the background, above
// the shoulders) that look like a light wall: bright and grey. Meant for a
// strongly coloured background, against which mixing hair, skin or clothes
// with the background never gives light grey.
func halo(m imaging.RGB, bg [3]uint8) float64 {
	isBG := func(x, y int) bool {
		p := m.At(x, y)
		return absInt(int(p.R)-int(bg[0])) <= 12 && absInt(int(p.G)-int(bg[1])) <= 12 && absInt(int(p.B)-int(bg[2])) <= 12
	}
	ghost, edge := 0, 0
	for y := 1; y < m.H*55/100; y++ {
		for x := 1; x < m.W-1; x++ {
			if isBG(x, y) {
				continue
			}
			near := isBG(x-1, y) || isBG(x+1, y) || isBG(x, y-1) || isBG(x, y+1)
			if !near {
				continue
			}
			edge++
			p := m.At(x, y)
			l := 0.299*float64(p.R) + 0.587*float64(p.G) + 0.114*float64(p.B)
			chroma := math.Max(math.Max(float64(p.R), float64(p.G)), float64(p.B)) - math.Min(math.Min(float64(p.R), float64(p.G)), float64(p.B))
			if l > 150 && chroma < 30 {
				ghost++
			}
		}
	}
	if edge == 0 {
		return 0
	}
	return float64(ghost) / float64(edge)
}
