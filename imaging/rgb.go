package imaging

import (
	"fmt"
	"image"
	"image/color"
)

// RGB is an 8-bit sRGB image in Go memory, three bytes a pixel, rows packed.
type RGB struct {
	W, H int
	Pix  []byte
}

// NewRGB returns a black image of size w × h.
func NewRGB(w, h int) RGB { return RGB{W: w, H: h, Pix: make([]byte, w*h*3)} }

func (m RGB) valid() error {
	if m.W <= 0 || m.H <= 0 || len(m.Pix) != m.W*m.H*3 {
		return fmt.Errorf("imaging: %d bytes for a %d × %d RGB image", len(m.Pix), m.W, m.H)
	}
	return nil
}

// ToImage returns a copy as a standard library image, for tests and tools.
func (m RGB) ToImage() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, m.W, m.H))
	for i := 0; i < m.W*m.H; i++ {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = m.Pix[3*i], m.Pix[3*i+1], m.Pix[3*i+2], 255
	}
	return img
}

// At returns the colour at (x, y).
func (m RGB) At(x, y int) color.RGBA {
	i := 3 * (y*m.W + x)
	return color.RGBA{m.Pix[i], m.Pix[i+1], m.Pix[i+2], 255}
}

// crop returns a copy of the rectangle at (x, y) of size w × h.
func (m RGB) crop(x, y, w, h int) RGB {
	out := NewRGB(w, h)
	for r := 0; r < h; r++ {
		copy(out.Pix[3*r*w:3*(r+1)*w], m.Pix[3*((y+r)*m.W+x):3*((y+r)*m.W+x+w)])
	}
	return out
}

// Reframe returns the image scaled by scale (bilinear) inside a border of
// pad pixels on every side, the border continuing the edge pixels outward
// (replicate) or neutral grey. A face detector that needs context around a
// face, or a face of a minimum size, finds faces in small, tightly cropped
// photos this way; a point (x, y) of the result is ((x-pad)/scale,
// (y-pad)/scale) in m.
func (m RGB) Reframe(scale float64, pad int, replicate bool) RGB {
	w, h := int(float64(m.W)*scale+0.5), int(float64(m.H)*scale+0.5)
	out := NewRGB(w+2*pad, h+2*pad)
	for y := 0; y < out.H; y++ {
		for x := 0; x < out.W; x++ {
			i := 3 * (y*out.W + x)
			inside := x >= pad && x < pad+w && y >= pad && y < pad+h
			if !inside && !replicate {
				out.Pix[i], out.Pix[i+1], out.Pix[i+2] = 128, 128, 128
				continue
			}
			m.bilinear((float64(x-pad)+0.5)/scale-0.5, (float64(y-pad)+0.5)/scale-0.5, out.Pix[i:i+3])
		}
	}
	return out
}

// Mirror returns the image flipped left to right.
func (m RGB) Mirror() RGB {
	out := RGB{W: m.W, H: m.H, Pix: make([]byte, len(m.Pix))}
	for y := 0; y < m.H; y++ {
		row := y * m.W * 3
		for x := 0; x < m.W; x++ {
			copy(out.Pix[row+3*(m.W-1-x):row+3*(m.W-1-x)+3], m.Pix[row+3*x:row+3*x+3])
		}
	}
	return out
}
