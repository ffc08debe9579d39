package phash

import (
	"image"
	"image/color"
	"testing"
)

func gradient(w, h int, flip bool) image.Image {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(255 * x / w)
			if flip {
				v = 255 - v
			}
			if (x*4/w+y*4/h)%2 == 0 {
				v /= 2
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	return img
}

func TestHashSeesLooksNotBytes(t *testing.T) {
	a := Hash(gradient(200, 200, false))
	if d := Distance(a, Hash(gradient(400, 400, false))); d > 6 {
		t.Fatalf("the same picture at another size differs by %d bits", d)
	}
	if d := Distance(a, Hash(gradient(200, 200, true))); d < 20 {
		t.Fatalf("a mirrored picture differs by only %d bits", d)
	}
}
