package imaging

import "math"

// hairTop finds the top of the hair above the face in the detection copy:
// the wall is modelled from the copy's top rows and upper side strips, a
// matte is grown from its border, and the first row from the top where the
// person covers part of the head's width is the top of the hair. The result
// is in the copy's pixels; ok is false when there is too little wall, or too
// busy a wall (spread above maxSpread), to tell.
func hairTop(thumb RGB, eye point, headPx, maxSpread float64) (y float64, ok bool) {
	// Only the part above the eyes, three heads wide, matters.
	x0 := clampInt(int(eye.X-1.5*headPx), 0, thumb.W)
	x1 := clampInt(int(eye.X+1.5*headPx), 0, thumb.W)
	y1 := clampInt(int(eye.Y), 0, thumb.H)
	if x1-x0 < 8 || y1 < 4 {
		return 0, false
	}
	sub := thumb.crop(x0, 0, x1-x0, y1)
	c := toYCC(sub)
	W, H := sub.W, sub.H
	zone := make([]bool, W*H)
	top, side := max(2, thumb.H/25), max(2, thumb.W/25)
	for yy := 0; yy < H; yy++ {
		for xx := 0; xx < W; xx++ {
			zone[yy*W+xx] = yy < top || (x0 == 0 && xx < side) || (x1 == thumb.W && xx >= W-side)
		}
	}
	w := fitWall(c, zone)
	if w.Samples < minWallSamples || w.Spread > maxSpread {
		return 0, false
	}
	bg := growWall(c, nil, w, H, ellipse{})
	cx := eye.X - float64(x0)
	lo := clampInt(int(cx-0.45*headPx), 0, W)
	hi := clampInt(int(cx+0.45*headPx), 0, W)
	need := max(2, (hi-lo)/20)
	for yy := 0; yy < H; yy++ {
		n := 0
		for xx := lo; xx < hi; xx++ {
			if !bg[yy*W+xx] {
				n++
			}
		}
		if n >= need {
			return float64(yy), true
		}
	}
	return 0, false
}

// fitHair shrinks the placement, eyes kept on their line, so that the top
// of the hair (input pixels, measured along the face's axis) stays below the
// profile's top margin. An implausible hair top (more than half a head
// above the crown, or below it) is replaced by the crown.
func (pl *placement) fitHair(hairTopY float64, p Profile) {
	crown := pl.HeadPx / 2 // eye line to crown, along the face's axis
	above := (pl.Eye.Y - hairTopY) / math.Max(math.Cos(pl.Roll), 0.5)
	if above < crown || above > pl.HeadPx {
		above = crown
	}
	pl.HairAbove = above
	room := pl.OutEye.Y - p.TopMargin*float64(p.Height)
	if above*pl.Scale > room && above > 0 {
		pl.Scale = room / above
	}
}
