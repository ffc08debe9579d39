package imaging

import (
	"math/rand"
	"testing"
)

// TestEncodeToRangeFindsTheBestQuality compares the search with trying
// every quality, and checks the final file still fits.
func TestEncodeToRangeFindsTheBestQuality(t *testing.T) {
	Startup()
	img := NewRGB(480, 640)
	r := rand.New(rand.NewSource(1))
	for i := range img.Pix { // smooth gradient plus noise: sizes vary with quality
		img.Pix[i] = byte((i/3)%480/2 + r.Intn(40))
	}
	for _, maxKB := range []int{40, 80, 150, 400} {
		p := CHSI
		p.MinKB, p.MaxKB = 1, maxKB
		got, q, err := encodeToRange(img, p)
		if err != nil {
			t.Fatal(err)
		}
		want := 30
		for qq := 30; qq <= 98; qq++ {
			b, err := encodeJPEG(img, qq, p.Subsample420, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) <= maxKB*1024 {
				want = qq
			}
		}
		if q != want {
			t.Errorf("max %d KB: quality %d, best is %d", maxKB, q, want)
		}
		if q > 30 && len(got) > maxKB*1024 {
			t.Errorf("max %d KB: %d bytes", maxKB, len(got))
		}
	}
}
