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

// render decodes the input at the smallest JPEG shrink that still covers the
// output, cuts the part the frame needs, resizes it to the output's scale in
// libvips (cubic), and samples the frame from it, levelling the eye line.
// Outside the input, edge pixels are repeated and marked.
func render(data []byte, info Info, pl placement) (rendered, error) {
	k := 1
	if info.Format == JPEG {
		k = jpegShrink(pl.Scale)
	}
	img, err := loadOriented(data, info, k)
	if err != nil {
		return rendered{}, err
	}
	defer img.Close()
	lw, lh := img.Width(), img.Height()
	kx, ky := float64(info.Width)/float64(lw), float64(info.Height)/float64(lh)
	x0, y0, x1, y1 := pl.inputBounds()
	rx := clampInt(int(math.Floor(x0/kx))-2, 0, lw)
	ry := clampInt(int(math.Floor(y0/ky))-2, 0, lh)
	rw := clampInt(int(math.Ceil(x1/kx))+2, 0, lw) - rx
	rh := clampInt(int(math.Ceil(y1/ky))+2, 0, lh) - ry
	if rw <= 0 || rh <= 0 {
		return rendered{}, fmt.Errorf("imaging: the output frame lies outside the photo")
	}
	if err := img.ExtractArea(rx, ry, rw, rh); err != nil {
		return rendered{}, fmt.Errorf("imaging: extract frame: %w", err)
	}
	if f := pl.Scale * kx; math.Abs(f-1) > 1e-3 {
		if err := img.Resize(f, vips.KernelCubic); err != nil {
			return rendered{}, fmt.Errorf("imaging: resize: %w", err)
		}
	}
	pix, err := img.ToBytes()
	if err != nil {
		return rendered{}, inputError(CodeUnreadable, "cannot decode the %s: %s", info.Format, firstLine(err))
	}
	src := RGB{W: img.Width(), H: img.Height(), Pix: pix}
	if err := src.valid(); err != nil {
		return rendered{}, err
	}
	fx, fy := float64(src.W)/float64(rw), float64(src.H)/float64(rh)
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
			u := (q.X/kx-float64(rx))*fx - 0.5
			v := (q.Y/ky-float64(ry))*fy - 0.5
			if level {
				copy(out.Pix[3*i:3*i+3], src.Pix[3*(clampInt(int(math.Round(v)), 0, src.H-1)*src.W+clampInt(int(math.Round(u)), 0, src.W-1)):])
			} else {
				src.bilinear(u, v, out.Pix[3*i:3*i+3])
			}
		}
	}
	return out, nil
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
