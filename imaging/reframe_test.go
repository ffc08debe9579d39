package imaging_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
)

// TestReframe checks the padded, scaled copy the face finder shows the
// detector: its size, the image inside the border where the mapping
// (x-pad)/scale says, and the border replicating the edges or grey.
func TestReframe(t *testing.T) {
	src := imaging.NewRGB(4, 2)
	for i := range src.Pix {
		src.Pix[i] = byte(10 * (i / 3)) // pixel k is grey 10k: 0..70
	}
	tests := []struct {
		name      string
		scale     float64
		pad       int
		replicate bool
		w, h      int
		// probes: a point of the result and the grey it must have
		probes [][3]int
	}{
		{"pad only, replicated", 1, 3, true, 10, 8, [][3]int{{3, 3, 0}, {6, 4, 70}, {0, 0, 0}, {9, 7, 70}, {9, 3, 30}}},
		{"pad only, grey", 1, 3, false, 10, 8, [][3]int{{3, 3, 0}, {6, 4, 70}, {0, 0, 128}, {9, 7, 128}}},
		{"doubled", 2, 0, true, 8, 4, [][3]int{{0, 0, 0}, {7, 3, 70}}},
		{"doubled and padded", 2, 2, true, 12, 8, [][3]int{{2, 2, 0}, {9, 5, 70}, {11, 7, 70}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := src.Reframe(tt.scale, tt.pad, tt.replicate)
			require.Equal(t, tt.w, out.W)
			require.Equal(t, tt.h, out.H)
			require.Len(t, out.Pix, out.W*out.H*3)
			for _, p := range tt.probes {
				c := out.At(p[0], p[1])
				require.InDelta(t, p[2], int(c.R), 1, "grey at (%d, %d)", p[0], p[1])
				require.Equal(t, c.R, c.G)
				require.Equal(t, c.R, c.B)
			}
		})
	}
}
