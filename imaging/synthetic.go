package imaging

import (
	"fmt"
	"image"

	"github.com/davidbyttow/govips/v2/vips"
)

// Edge is a side of a frame.
type Edge int

// The edges a face can be cut by.
const (
	EdgeLeft Edge = iota
	EdgeRight
	EdgeTop
	EdgeBottom
)

// String names the edge.
func (e Edge) String() string {
	return [...]string{"left", "right", "top", "bottom"}[e]
}

// CutOff makes a portrait frame (3:4, 1.8 face boxes wide) of the face at
// box (in the photo's oriented pixels) placed so that the part outside of
// the face box lies beyond edge, scaled to width pixels, as JPEG. It is
// the synthetic case of a student who holds the phone off-centre: 0.25
// leaves a quarter of the face out of the photo. The frame is filled with
// white where it runs off the photo.
func CutOff(data []byte, lim Limits, box image.Rectangle, outside float64, edge Edge, width int) ([]byte, error) {
	if outside < 0 || outside >= 1 {
		return nil, fmt.Errorf("imaging: cut-off part %g is not in [0, 1)", outside)
	}
	fw := float64(box.Dx()) * 1.8
	fh := fw * 4 / 3
	cx, cy := float64(box.Min.X+box.Max.X)/2, float64(box.Min.Y+box.Max.Y)/2
	x0, y0 := cx-fw/2, cy-fh*0.45
	switch edge {
	case EdgeLeft:
		x0 = float64(box.Min.X) + outside*float64(box.Dx())
	case EdgeRight:
		x0 = float64(box.Max.X) - outside*float64(box.Dx()) - fw
	case EdgeTop:
		y0 = float64(box.Min.Y) + outside*float64(box.Dy())
	case EdgeBottom:
		y0 = float64(box.Max.Y) - outside*float64(box.Dy()) - fh
	}
	return frame(data, lim, image.Rect(int(x0), int(y0), int(x0+fw), int(y0+fh)), 0, 1, width)
}

// Rotated makes the photo turned by degrees (counter-clockwise) about its
// centre, on white, as JPEG: the synthetic case of a phone held askew.
func Rotated(data []byte, lim Limits, degrees float64) ([]byte, error) {
	return frame(data, lim, image.Rectangle{}, degrees, 1, 0)
}

// Dimmed makes the photo with its light multiplied by gain (0.25: two
// stops under), as JPEG: the synthetic case of a dark room.
func Dimmed(data []byte, lim Limits, gain float64) ([]byte, error) {
	if gain <= 0 || gain > 1 {
		return nil, fmt.Errorf("imaging: gain %g is not in (0, 1]", gain)
	}
	return frame(data, lim, image.Rectangle{}, 0, gain, 0)
}

// frame loads the photo (loadWhole), takes the area r (the whole
// photo when empty; white beyond its edges), turns it by degrees, scales its
// light by gain and its width to width (unless 0), and encodes it as JPEG
// at quality 90.
func frame(data []byte, lim Limits, r image.Rectangle, degrees, gain float64, width int) ([]byte, error) {
	img, err := loadWhole(data, lim)
	if err != nil {
		return nil, err
	}
	defer img.Close()
	if !r.Empty() {
		if err := img.EmbedBackground(-r.Min.X, -r.Min.Y, r.Dx(), r.Dy(), &vips.Color{R: 255, G: 255, B: 255}); err != nil {
			return nil, fmt.Errorf("imaging: synthetic copy: frame: %w", err)
		}
	}
	if degrees != 0 {
		if err := img.Similarity(1, degrees, &vips.ColorRGBA{R: 255, G: 255, B: 255, A: 255}, 0, 0, 0, 0); err != nil {
			return nil, fmt.Errorf("imaging: synthetic copy: rotate: %w", err)
		}
	}
	if gain != 1 {
		if err := img.Linear1(gain, 0); err != nil {
			return nil, fmt.Errorf("imaging: synthetic copy: dim: %w", err)
		}
		if err := img.Cast(vips.BandFormatUchar); err != nil {
			return nil, fmt.Errorf("imaging: synthetic copy: dim: %w", err)
		}
	}
	if width > 0 {
		if err := img.Resize(float64(width)/float64(img.Width()), vips.KernelLanczos3); err != nil {
			return nil, fmt.Errorf("imaging: synthetic copy: resize: %w", err)
		}
	}
	return encodeCopy(img, 90, "synthetic copy")
}
