package imaging

import (
	"math"
)

// placement is where the output photo lies in the input: the output frame
// is the profile's rectangle, turned by the eye line's angle about the eyes'
// midpoint, so that in the output the eyes are level, centred left to right
// and on the profile's eye line, and the head takes HeadHeight of the frame.
type placement struct {
	W, H   int     // output size
	Scale  float64 // output pixels per input pixel
	Roll   float64 // angle of the eye line in the input, radians, clockwise positive
	Eye    point   // eyes' midpoint in input pixels
	OutEye point   // eyes' midpoint in output pixels
	HeadPx float64 // estimated head height, crown to chin, in input pixels
	IPD    float64 // distance between the eye centres, input pixels
	Yaw    float64 // nose offset across the face, fraction of IPD
	Pitch  float64 // nose drop below the eye line, fraction of IPD
	// HairAbove is the distance from the eye line up to the top of the
	// hair, input pixels.
	HairAbove float64
}

// place computes the placement of the profile's frame around a face found in
// an input of size inW × inH.
//
// The head height is estimated as twice the distance from the eye line to
// the bottom of the detector's box (about the chin): the eyes sit close to
// the middle of the head from crown to chin.
func place(f Face, p Profile) placement {
	pl := placement{W: p.Width, H: p.Height}
	lm, ok := f.shape()
	if !ok { // no landmarks: eyes at a fixed height in the box
		cx := float64(f.Box.Min.X+f.Box.Max.X) / 2
		ey := float64(f.Box.Min.Y) + 0.36*float64(f.Box.Dy())
		lm = landmarks5{LeftEye: point{cx - 0.2*float64(f.Box.Dx()), ey}, RightEye: point{cx + 0.2*float64(f.Box.Dx()), ey}, Nose: point{cx, ey + 0.3*float64(f.Box.Dx())}}
	}
	dx, dy := lm.RightEye.X-lm.LeftEye.X, lm.RightEye.Y-lm.LeftEye.Y
	pl.Roll = math.Atan2(dy, dx)
	pl.IPD = math.Hypot(dx, dy)
	pl.Eye = point{(lm.LeftEye.X + lm.RightEye.X) / 2, (lm.LeftEye.Y + lm.RightEye.Y) / 2}
	// The nose in the face's own frame (eye line horizontal).
	nx, ny := rotate(lm.Nose.X-pl.Eye.X, lm.Nose.Y-pl.Eye.Y, -pl.Roll)
	if pl.IPD > 0 {
		pl.Yaw, pl.Pitch = nx/pl.IPD, ny/pl.IPD
	}
	// Chin: the box's bottom edge, measured along the face's vertical axis.
	_, chin := rotate(float64(f.Box.Min.X+f.Box.Max.X)/2-pl.Eye.X, float64(f.Box.Max.Y)-pl.Eye.Y, -pl.Roll)
	pl.HeadPx = math.Max(2*chin, 1)
	pl.Scale = p.HeadHeight * float64(p.Height) / pl.HeadPx
	pl.OutEye = point{float64(p.Width) / 2, p.EyeLine * float64(p.Height)}
	return pl
}

// rotate turns (x, y) by angle a (radians, clockwise in image coordinates).
func rotate(x, y, a float64) (float64, float64) {
	s, c := math.Sincos(a)
	return x*c - y*s, x*s + y*c
}

// toInput maps an output point to input pixels.
func (pl placement) toInput(o point) point {
	x, y := rotate((o.X-pl.OutEye.X)/pl.Scale, (o.Y-pl.OutEye.Y)/pl.Scale, pl.Roll)
	return point{pl.Eye.X + x, pl.Eye.Y + y}
}

// toOutput maps an input point to output pixels.
func (pl placement) toOutput(i point) point {
	x, y := rotate(i.X-pl.Eye.X, i.Y-pl.Eye.Y, -pl.Roll)
	return point{pl.OutEye.X + x*pl.Scale, pl.OutEye.Y + y*pl.Scale}
}

// inputBounds is the bounding box, in input pixels, of the output frame.
func (pl placement) inputBounds() (x0, y0, x1, y1 float64) {
	x0, y0 = math.Inf(1), math.Inf(1)
	x1, y1 = math.Inf(-1), math.Inf(-1)
	for _, c := range []point{{0, 0}, {float64(pl.W), 0}, {0, float64(pl.H)}, {float64(pl.W), float64(pl.H)}} {
		q := pl.toInput(c)
		x0, y0 = math.Min(x0, q.X), math.Min(y0, q.Y)
		x1, y1 = math.Max(x1, q.X), math.Max(y1, q.Y)
	}
	return
}

// hairTopOut is the top of the hair's height in output pixels.
func (pl placement) hairTopOut() float64 { return pl.OutEye.Y - pl.HairAbove*pl.Scale }

// chinOut is the chin's height in output pixels.
func (pl placement) chinOut() float64 { return pl.OutEye.Y + pl.HeadPx/2*pl.Scale }

// headCut is the part of the head's height, crown to chin, that lies
// outside the input.
func headCut(pl placement, inW, inH int) float64 {
	worst := 0.0
	for _, t := range []float64{-0.5, 0.5} { // crown, chin
		q := pl.toInput(point{pl.OutEye.X, pl.OutEye.Y + t*pl.HeadPx*pl.Scale})
		var out float64
		switch {
		case q.Y < 0:
			out = -q.Y
		case q.Y > float64(inH):
			out = q.Y - float64(inH)
		}
		worst = math.Max(worst, out/pl.HeadPx)
	}
	return worst
}

// bodyCoverage is the part of the output below the chin whose pixels come
// from the input rather than from padding, sampled on a grid.
func bodyCoverage(pl placement, inW, inH int) float64 {
	top := math.Max(0, pl.chinOut())
	if top >= float64(pl.H) {
		return 1
	}
	const n = 24
	inside, total := 0, 0
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			o := point{(float64(i) + 0.5) / n * float64(pl.W), top + (float64(j)+0.5)/n*(float64(pl.H)-top)}
			q := pl.toInput(o)
			total++
			if q.X >= 0 && q.Y >= 0 && q.X < float64(inW) && q.Y < float64(inH) {
				inside++
			}
		}
	}
	return float64(inside) / float64(total)
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

// HeadPose is what standardization reads of a head's pose from a face's
// 5-point landmarks: the eye line's angle in degrees (head_tilted), and
// the nose's offset across the face and its drop below the eye line, as
// fractions of the eye distance (not_frontal). ok is false for a face
// without those landmarks.
func HeadPose(f Face) (rollDeg, yaw, pitch float64, ok bool) {
	if _, ok := f.shape(); !ok {
		return 0, 0, 0, false
	}
	pl := place(f, Profile{Width: 1, Height: 1, HeadHeight: 1})
	return pl.Roll * 180 / math.Pi, pl.Yaw, pl.Pitch, true
}
