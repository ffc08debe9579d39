package imaging

import (
	"fmt"
	"math"

	"github.com/davidbyttow/govips/v2/vips"
)

// rendered is the output frame cut from the input, before the background is
// replaced: the pixels, and for each one whether it came from inside the
// input (false where the frame overhangs the photo and edge pixels were
// repeated).
type rendered struct {
	RGB
	Inside []bool
}

// render cuts the part of the input the frame needs from base (the input
// decoded once, see decodeBase) when base is sharp enough for the output's
// scale, or else from the input decoded again at the smallest JPEG shrink
// that still covers the output; resizes it to the output's scale in libvips
// (cubic), and samples the frame from it, levelling the eye line. Outside
// the input, edge pixels are repeated and marked.
func render(data []byte, info Info, base RGB, pl placement) (rendered, error) {
	c, err := frameSource(data, info, base, pl)
	if err != nil {
		return rendered{}, err
	}
	src, kx, ky, rx, ry := c.RGB, c.kx, c.ky, float64(c.x), float64(c.y)
	fx, fy := float64(src.W)/float64(c.w), float64(src.H)/float64(c.h)
	out := rendered{RGB: NewRGB(pl.W, pl.H), Inside: make([]bool, pl.W*pl.H)}
	level := math.Abs(pl.Roll) < 0.2*math.Pi/180 // no turn: copy pixels, no interpolation blur
	// toInput is affine: step it along rows instead of turning every pixel.
	o := pl.toInput(point{0.5, 0.5})
	dx := pl.toInput(point{1.5, 0.5})
	dy := pl.toInput(point{0.5, 1.5})
	ax, ay := dx.X-o.X, dx.Y-o.Y // per output column
	bx, by := dy.X-o.X, dy.Y-o.Y // per output row
	for y := 0; y < pl.H; y++ {
		qx, qy := o.X+float64(y)*bx, o.Y+float64(y)*by
		for x := 0; x < pl.W; x++ {
			q := point{qx + float64(x)*ax, qy + float64(x)*ay}
			i := y*pl.W + x
			out.Inside[i] = q.X >= 0 && q.Y >= 0 && q.X < float64(info.Width) && q.Y < float64(info.Height)
			u := (q.X/kx-rx)*fx - 0.5
			v := (q.Y/ky-ry)*fy - 0.5
			if level {
				copy(out.Pix[3*i:3*i+3], src.Pix[3*(clampInt(int(math.Round(v)), 0, src.H-1)*src.W+clampInt(int(math.Round(u)), 0, src.W-1)):])
			} else {
				src.bilinear(u, v, out.Pix[3*i:3*i+3])
			}
		}
	}
	return out, nil
}

// cutout is the part of the input around the output frame, resized to the
// output's scale: x, y, w, h place it in the copy it was cut from, which
// has kx × ky input pixels per pixel.
type cutout struct {
	RGB
	kx, ky     float64
	x, y, w, h int
}

// place sets the cut for a copy of lw × lh pixels of the input.
func (c *cutout) place(info Info, pl placement, lw, lh int) error {
	x0, y0, x1, y1 := pl.inputBounds()
	c.kx, c.ky = float64(info.Width)/float64(lw), float64(info.Height)/float64(lh)
	c.x = clampInt(int(math.Floor(x0/c.kx))-2, 0, lw)
	c.y = clampInt(int(math.Floor(y0/c.ky))-2, 0, lh)
	c.w = clampInt(int(math.Ceil(x1/c.kx))+2, 0, lw) - c.x
	c.h = clampInt(int(math.Ceil(y1/c.ky))+2, 0, lh) - c.y
	if c.w <= 0 || c.h <= 0 {
		return fmt.Errorf("imaging: the output frame lies outside the photo")
	}
	return nil
}

// frameSource cuts the frame's part of the input from base when base has
// at least the output's resolution (no second decode), or else from the
// input decoded at the smallest JPEG shrink that covers the output.
func frameSource(data []byte, info Info, base RGB, pl placement) (cutout, error) {
	var c cutout
	if base.W > 0 && pl.Scale*float64(info.Width)/float64(base.W) <= 1+1e-3 {
		if err := c.place(info, pl, base.W, base.H); err != nil {
			return c, err
		}
		c.RGB = base.crop(c.x, c.y, c.w, c.h)
		if f := pl.Scale * c.kx; math.Abs(f-1) > 1e-3 {
			var err error
			if c.RGB, err = c.RGB.resized(f, vips.KernelCubic); err != nil {
				return c, err
			}
		}
		return c, nil
	}
	k := 1
	if info.Format == JPEG {
		k = jpegShrink(pl.Scale)
	}
	img, err := loadOriented(data, info, k)
	if err != nil {
		return c, err
	}
	defer img.Close()
	if err := c.place(info, pl, img.Width(), img.Height()); err != nil {
		return c, err
	}
	if err := img.ExtractArea(c.x, c.y, c.w, c.h); err != nil {
		return c, fmt.Errorf("imaging: extract frame: %w", err)
	}
	if f := pl.Scale * c.kx; math.Abs(f-1) > 1e-3 {
		if err := img.Resize(f, vips.KernelCubic); err != nil {
			return c, fmt.Errorf("imaging: resize: %w", err)
		}
	}
	pix, err := img.ToBytes()
	if err != nil {
		return c, inputError(CodeUnreadable, "cannot decode the %s: %s", info.Format, firstLine(err))
	}
	c.RGB = RGB{W: img.Width(), H: img.Height(), Pix: pix}
	return c, c.valid()
}

// bilinear samples the image at (u, v), repeating edge pixels outside it,
// in 8-bit fixed point.
func (m RGB) bilinear(u, v float64, dst []byte) {
	if u < 0 {
		u = 0
	} else if u > float64(m.W-1) {
		u = float64(m.W - 1)
	}
	if v < 0 {
		v = 0
	} else if v > float64(m.H-1) {
		v = float64(m.H - 1)
	}
	x0, y0 := int(u), int(v)
	x1, y1 := x0+1, y0+1
	if x1 > m.W-1 {
		x1 = m.W - 1
	}
	if y1 > m.H-1 {
		y1 = m.H - 1
	}
	ax, ay := uint32((u-float64(x0))*256), uint32((v-float64(y0))*256)
	p00, p10 := 3*(y0*m.W+x0), 3*(y0*m.W+x1)
	p01, p11 := 3*(y1*m.W+x0), 3*(y1*m.W+x1)
	pix := m.Pix
	for c := 0; c < 3; c++ {
		top := uint32(pix[p00+c])*(256-ax) + uint32(pix[p10+c])*ax
		bot := uint32(pix[p01+c])*(256-ax) + uint32(pix[p11+c])*ax
		dst[c] = uint8((top*(256-ay) + bot*ay + 1<<15) >> 16)
	}
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
