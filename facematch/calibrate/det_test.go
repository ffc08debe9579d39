package calibrate_test

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/facematch/calibrate"
)

// TestPlotDET: the curves are drawn as SVG (with each embedder named and
// the score lines labelled) and as PNG of the asked size; an unknown file
// type and a curve without pairs of one kind are refused.
func TestPlotDET(t *testing.T) {
	t.Parallel()
	cal := facematch.Calibrations[facematch.EmbedderArcFace].Knots
	// Distances spread around the calibration's 80: most same-person
	// pairs below it, most different-person pairs above.
	at80 := 0.0
	for i := 0; i+1 < len(cal); i++ {
		if cal[i].Score >= 80 && cal[i+1].Score < 80 {
			at80 = cal[i].Distance
		}
	}
	var genuine, impostor []float64
	for i := range 200 {
		genuine = append(genuine, at80*(0.5+float64(i)/300))
		impostor = append(impostor, at80*(0.9+float64(i)/100))
	}
	curves := []calibrate.DETCurve{{Name: "arcface", Genuine: genuine, Impostor: impostor, Calibration: cal, UnreadableGenuines: 3}}
	dir := t.TempDir()

	svg := filepath.Join(dir, "det.svg")
	require.NoError(t, calibrate.PlotDET(svg, "DET: test", curves))
	raw, err := os.ReadFile(svg)
	require.NoError(t, err)
	for _, want := range []string{"<svg", "arcface", ">80<", ">95<", "DET: test", "false accepts"} {
		require.Contains(t, string(raw), want)
	}

	pngPath := filepath.Join(dir, "det.png")
	require.NoError(t, calibrate.PlotDET(pngPath, "DET: test", curves))
	raw, err = os.ReadFile(pngPath)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(raw))
	require.NoError(t, err)
	require.Equal(t, 7*96, img.Bounds().Dx(), "7 inches at 96 dots an inch")

	require.ErrorContains(t, calibrate.PlotDET(filepath.Join(dir, "det.gif"), "", curves), "want a .svg, .png or .pdf")
	require.ErrorContains(t, calibrate.PlotDET(svg, "", []calibrate.DETCurve{{Name: "x", Genuine: genuine, Calibration: cal}}), "no same-person or no different-person pairs")
}
