package imaging

import (
	"math"
)

// ycc is an image in Y'CbCr (BT.601, full range), chroma centred on 0.
type ycc struct {
	W, H      int
	Y, Cb, Cr []float32
}

func toYCC(m RGB) ycc {
	n := m.W * m.H
	out := ycc{W: m.W, H: m.H, Y: make([]float32, n), Cb: make([]float32, n), Cr: make([]float32, n)}
	for i := 0; i < n; i++ {
		r, g, b := float32(m.Pix[3*i]), float32(m.Pix[3*i+1]), float32(m.Pix[3*i+2])
		out.Y[i] = 0.299*r + 0.587*g + 0.114*b
		out.Cb[i] = -0.168736*r - 0.331264*g + 0.5*b
		out.Cr[i] = 0.5*r - 0.418688*g - 0.081312*b
	}
	return out
}

// chromaWeight makes a difference in colour count more than one in
// brightness: walls vary in brightness with the light, people differ from
// walls in colour too.
const chromaWeight = 2

// wallLumaWeight discounts brightness in the distance from the wall model:
// a shadow on a wall is darker but not differently coloured. Grey and white
// clothes differ from a light wall mostly in brightness, so the discount is
// mild; the step limit of the matte keeps growth from crossing edges.
const wallLumaWeight = 0.7

// wall models the background: its luma as a plane over the image (light
// falling off across the wall) and its chroma as constants; Spread is the
// 90th percentile of the distance of the wall's pixels from the model.
type wall struct {
	A, Bx, By float64 // Y ≈ A + Bx·x + By·y
	Cb, Cr    float64
	Spread    float64
	Samples   int
}

// at returns the model's colour at (x, y).
func (w wall) at(x, y int) (yy, cb, cr float32) {
	return float32(w.A + w.Bx*float64(x) + w.By*float64(y)), float32(w.Cb), float32(w.Cr)
}

// dist is the colour distance of pixel i, at (x, y), from the wall.
func (w wall) dist(c ycc, i, x, y int) float32 {
	wy, wcb, wcr := w.at(x, y)
	dy, dcb, dcr := wallLumaWeight*(c.Y[i]-wy), c.Cb[i]-wcb, c.Cr[i]-wcr
	return float32(math.Sqrt(float64(dy*dy + chromaWeight*(dcb*dcb+dcr*dcr))))
}

// dist2 returns the squared distance of every pixel from the wall, stepping
// the plane along each row.
func (w wall) dist2(c ycc) []float32 {
	out := make([]float32, c.W*c.H)
	cb, cr, bx := float32(w.Cb), float32(w.Cr), float32(w.Bx)
	for y := 0; y < c.H; y++ {
		wy := float32(w.A + w.By*float64(y))
		row := y * c.W
		for x := 0; x < c.W; x++ {
			i := row + x
			dy := wallLumaWeight * (c.Y[i] - wy)
			dcb, dcr := c.Cb[i]-cb, c.Cr[i]-cr
			out[i] = dy*dy + chromaWeight*(dcb*dcb+dcr*dcr)
			wy += bx
		}
	}
	return out
}

// luma is the model's luma at the frame's centre, within 0-255.
func (w wall) luma(W, H int) float64 {
	return math.Max(0, math.Min(255, w.A+w.Bx*float64(W)/2+w.By*float64(H)/2))
}

// chroma is the model's colourfulness.
func (w wall) chroma() float64 { return math.Hypot(w.Cb, w.Cr) }

// wallZone marks the output pixels that should show the wall: a band
// above the hair, and strips along the frame's sides down to the neck.
// Only pixels that came from the input count.
func wallZone(img rendered, pl placement) []bool {
	zone := make([]bool, img.W*img.H)
	head := pl.HeadPx * pl.Scale
	top := pl.hairTopOut() - 0.03*float64(img.H)
	sideEnd := pl.chinOut() - 0.1*head
	strip := math.Max(4, 0.04*float64(img.W))
	for y := 0; y < img.H; y++ {
		fy := float64(y)
		for x := 0; x < img.W; x++ {
			i := y*img.W + x
			fx := float64(x)
			zone[i] = img.Inside[i] && (fy < top || (fy < sideEnd && (fx < strip || fx >= float64(img.W)-strip)))
		}
	}
	return zone
}

// fitWall fits the wall model to the zone's pixels (every other row and
// column of them), twice: the second fit leaves out the pixels far from the
// first (a picture frame, a strand of hair). Medians and the spread come
// from histograms, so the fit allocates little and sorts nothing.
func fitWall(c ycc, zone []bool) wall {
	var w wall
	cut := float32(math.Inf(1))
	for pass := 0; pass < 2; pass++ {
		var ps planeSums
		var cbH, crH hist
		for y := 0; y < c.H; y += 2 {
			for x := 0; x < c.W; x += 2 {
				i := y*c.W + x
				if !zone[i] || (pass > 0 && w.dist(c, i, x, y) > cut) {
					continue
				}
				ps.add(float64(x), float64(y), float64(c.Y[i]))
				cbH.add(float64(c.Cb[i]) + 128)
				crH.add(float64(c.Cr[i]) + 128)
			}
		}
		if ps.n < minWallSamples/4 {
			return wall{Spread: math.Inf(1), Samples: 4 * ps.n}
		}
		w.A, w.Bx, w.By = ps.solve()
		w.Cb, w.Cr = cbH.quantile(0.5)-128, crH.quantile(0.5)-128
		w.Samples = 4 * ps.n // the zone's size, estimated from the sample
		var dH hist
		for y := 0; y < c.H; y += 2 {
			for x := 0; x < c.W; x += 2 {
				i := y*c.W + x
				if d := w.dist(c, i, x, y); zone[i] && d <= cut {
					dH.add(float64(d))
				}
			}
		}
		w.Spread = dH.quantile(0.9)
		cut = float32(math.Max(3*dH.quantile(0.5), 12))
	}
	return w
}

// hist is a histogram of values in [0, 256) in quarter steps.
type hist struct {
	bins [1024]int32
	n    int
}

func (h *hist) add(v float64) {
	b := int(v * 4)
	if b < 0 {
		b = 0
	} else if b > len(h.bins)-1 {
		b = len(h.bins) - 1
	}
	h.bins[b]++
	h.n++
}

// quantile returns the value below which a fraction q of the values lie.
func (h *hist) quantile(q float64) float64 {
	want := int32(q * float64(h.n))
	var sum int32
	for b, c := range h.bins {
		sum += c
		if sum > want {
			return (float64(b) + 0.5) / 4
		}
	}
	return 256
}

// planeSums accumulates a least-squares plane fit v ≈ a + bx·x + by·y.
type planeSums struct {
	n                                   int
	sx, sy, sv, sxx, syy, sxy, sxv, syv float64
}

func (p *planeSums) add(x, y, v float64) {
	p.n++
	p.sx, p.sy, p.sv = p.sx+x, p.sy+y, p.sv+v
	p.sxx, p.syy, p.sxy = p.sxx+x*x, p.syy+y*y, p.sxy+x*y
	p.sxv, p.syv = p.sxv+x*v, p.syv+y*v
}

// solve returns the plane, falling back to the mean when the points are
// degenerate (a single row or column).
func (p *planeSums) solve() (a, bx, by float64) {
	n := float64(p.n)
	mx, my, mv := p.sx/n, p.sy/n, p.sv/n
	cxx, cyy, cxy := p.sxx/n-mx*mx, p.syy/n-my*my, p.sxy/n-mx*my
	cxv, cyv := p.sxv/n-mx*mv, p.syv/n-my*mv
	det := cxx*cyy - cxy*cxy
	if math.Abs(det) < 1e-9 {
		return mv, 0, 0
	}
	bx = (cxv*cyy - cyv*cxy) / det
	by = (cyv*cxx - cxv*cxy) / det
	return mv - bx*mx - by*my, bx, by
}
