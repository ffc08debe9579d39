package imaging

import (
	"math"
	"sort"
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

// fitWall fits the wall model to the zone's pixels, twice: the second fit
// leaves out the pixels far from the first (a picture frame, a strand of
// hair).
func fitWall(c ycc, zone []bool) wall {
	var w wall
	keep := append([]bool(nil), zone...)
	for pass := 0; pass < 2; pass++ {
		var xs, ys, ls, cbs, crs []float64
		for i, ok := range keep {
			if !ok {
				continue
			}
			xs = append(xs, float64(i%c.W))
			ys = append(ys, float64(i/c.W))
			ls = append(ls, float64(c.Y[i]))
			cbs = append(cbs, float64(c.Cb[i]))
			crs = append(crs, float64(c.Cr[i]))
		}
		if len(ls) < 50 {
			return wall{Spread: math.Inf(1), Samples: len(ls)}
		}
		w.A, w.Bx, w.By = fitPlane(xs, ys, ls)
		w.Cb, w.Cr = median(cbs), median(crs)
		w.Samples = len(ls)
		d := make([]float64, 0, len(ls))
		for i, ok := range keep {
			if ok {
				d = append(d, float64(w.dist(c, i, i%c.W, i/c.W)))
			}
		}
		sort.Float64s(d)
		w.Spread = d[len(d)*9/10]
		if pass == 0 {
			cut := math.Max(3*d[len(d)/2], 12)
			for i, ok := range keep {
				if ok && float64(w.dist(c, i, i%c.W, i/c.W)) > cut {
					keep[i] = false
				}
			}
		}
	}
	return w
}

// fitPlane returns a, bx, by minimising Σ(a + bx·x + by·y − v)², falling back
// to the mean when the points are degenerate.
func fitPlane(xs, ys, vs []float64) (a, bx, by float64) {
	n := float64(len(vs))
	var sx, sy, sv, sxx, syy, sxy, sxv, syv float64
	for i := range vs {
		x, y, v := xs[i], ys[i], vs[i]
		sx, sy, sv = sx+x, sy+y, sv+v
		sxx, syy, sxy = sxx+x*x, syy+y*y, sxy+x*y
		sxv, syv = sxv+x*v, syv+y*v
	}
	// Solve the normal equations with centred sums.
	mx, my, mv := sx/n, sy/n, sv/n
	cxx, cyy, cxy := sxx/n-mx*mx, syy/n-my*my, sxy/n-mx*my
	cxv, cyv := sxv/n-mx*mv, syv/n-my*mv
	det := cxx*cyy - cxy*cxy
	if math.Abs(det) < 1e-9 {
		return mv, 0, 0
	}
	bx = (cxv*cyy - cyv*cxy) / det
	by = (cyv*cxx - cxv*cxy) / det
	return mv - bx*mx - by*my, bx, by
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
