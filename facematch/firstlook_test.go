package facematch

import (
	"image"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
)

// TestDominantFaces: faces less than half as wide as the widest (people
// behind the student) are left out; faces of like size all stay.
func TestDominantFaces(t *testing.T) {
	box := func(w int) imaging.Face { return imaging.Face{Box: image.Rect(0, 0, w, w)} }
	tests := []struct {
		widths []int
		want   int
	}{
		{[]int{200}, 1},
		{[]int{200, 60}, 1},
		{[]int{60, 200, 99}, 1},
		{[]int{200, 100}, 2},
		{[]int{180, 200}, 2},
	}
	for _, tc := range tests {
		var faces []imaging.Face
		for _, w := range tc.widths {
			faces = append(faces, box(w))
		}
		require.Len(t, dominant(faces), tc.want, "%v", tc.widths)
	}
}
