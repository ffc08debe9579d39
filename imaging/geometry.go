package imaging

import (
	"image"
	"math"
)

// frame is where the output photo lies in the input: the crop rectangle in
// input pixels and the scale from input to output pixels.
type frame struct {
	X, Y, W, H float64 // crop rectangle in input pixels
	Scale      float64 // output pixels per input pixel
	HeadPx     float64 // estimated head height (crown to chin) in input pixels
	EyeX, EyeY float64 // midpoint of the eyes in input pixels
}

// frameFor places the profile's frame around a face: the head takes
// HeadHeight of the frame, the eyes sit on EyeLine and the face is centred
// left to right.
//
// The head height is estimated as twice the distance from the eyes to the
// bottom of the detector's box (about the chin): the eyes are close to the
// middle of the head from crown to chin.
func frameFor(f Face, p Profile) frame {
	ex := float64(f.Box.Min.X+f.Box.Max.X) / 2
	ey := float64(f.Box.Min.Y) + 0.3*float64(f.Box.Dy())
	if l, r, ok := f.eyes(); ok {
		ex = float64(l.X+r.X) / 2
		ey = float64(l.Y+r.Y) / 2
	}
	head := 2 * (float64(f.Box.Max.Y) - ey)
	if head < 1 {
		head = 1
	}
	s := p.HeadHeight * float64(p.Height) / head
	w, h := float64(p.Width)/s, float64(p.Height)/s
	return frame{
		X: ex - w/2, Y: ey - p.EyeLine*h, W: w, H: h,
		Scale: s, HeadPx: head, EyeX: ex, EyeY: ey,
	}
}

// inside returns the integer part of the frame that lies inside an image of
// size w × h after dividing coordinates by shrink; ok is false when the
// frame misses the image.
func (fr frame) inside(w, h, shrink int) (r image.Rectangle, ok bool) {
	k := float64(shrink)
	x0 := int(math.Max(0, math.Floor(fr.X/k)))
	y0 := int(math.Max(0, math.Floor(fr.Y/k)))
	x1 := int(math.Min(float64(w), math.Ceil((fr.X+fr.W)/k)))
	y1 := int(math.Min(float64(h), math.Ceil((fr.Y+fr.H)/k)))
	r = image.Rect(x0, y0, x1, y1)
	return r, !r.Empty()
}

// jpegShrink returns the largest JPEG shrink-on-load factor (1, 2, 4 or 8)
// that still leaves at least one input pixel per output pixel.
func jpegShrink(scale float64) int {
	for _, k := range []int{8, 4, 2} {
		if float64(k)*scale <= 1 {
			return k
		}
	}
	return 1
}
