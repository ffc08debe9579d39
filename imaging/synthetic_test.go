package imaging_test

import (
	"image"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/testphotos"
)

// meanLuma is the mean of a photo's pixels over the three channels.
func meanLuma(m imaging.RGB) float64 {
	var sum int
	for _, v := range m.Pix {
		sum += int(v)
	}
	return float64(sum) / float64(len(m.Pix))
}

// TestSyntheticCopies: a cut-off copy is a 3:4 portrait of the width
// asked, white where the frame runs off the photo; a turned copy keeps
// the photo on a larger white canvas; a dimmed one is darker by its gain;
// parts and gains out of range are refused.
func TestSyntheticCopies(t *testing.T) {
	t.Parallel()
	lim := imaging.DefaultLimits()
	photo := testphotos.Read(t, "faces/deepface/img14.jpg")
	orig := decode(t, photo)
	box := image.Rect(orig.W/3, orig.H/4, orig.W*2/3, orig.H/2)

	for _, edge := range []imaging.Edge{imaging.EdgeLeft, imaging.EdgeRight, imaging.EdgeTop, imaging.EdgeBottom} {
		out, err := imaging.CutOff(photo, lim, box, 0.25, edge, 300)
		require.NoError(t, err, edge)
		m := decode(t, out)
		require.Equal(t, 300, m.W, edge)
		require.InDelta(t, 400, m.H, 1, edge)
	}
	// Far off the photo's edge, the frame is white there.
	out, err := imaging.CutOff(photo, lim, image.Rect(0, 0, orig.W/4, orig.H/4), 0.4, imaging.EdgeLeft, 300)
	require.NoError(t, err)
	m := decode(t, out)
	require.Greater(t, int(m.Pix[0]), 245, "white beyond the photo")

	out, err = imaging.Rotated(photo, lim, 30)
	require.NoError(t, err)
	m = decode(t, out)
	require.Greater(t, m.W, orig.W, "a turned photo needs a wider canvas")
	require.Greater(t, int(m.Pix[0]), 245, "its corners are white")

	out, err = imaging.Dimmed(photo, lim, 0.25)
	require.NoError(t, err)
	require.InDelta(t, meanLuma(orig)*0.25, meanLuma(decode(t, out)), meanLuma(orig)*0.05)

	_, err = imaging.CutOff(photo, lim, box, 1.2, imaging.EdgeTop, 300)
	require.ErrorContains(t, err, "cut-off part")
	_, err = imaging.Dimmed(photo, lim, 0)
	require.ErrorContains(t, err, "gain")
}
