package imaging

import "math"

// matte is the background's opacity per output pixel: 1 where the wall
// shows, 0 on the person, in between along the outline.
type matte struct {
	W, H  int
	Alpha []float32
}

// buildMatte finds the wall: it grows from the wall-like pixels of the
// frame's top and side edges (and of the padding) into neighbours that are close to the
// wall model and differ little from the pixel they are reached from, so the
// growth follows shading across the wall but stops at the person's outline.
// Specks left on the wall are cleared, the outline is smoothed, and its
// edge is feathered by how wall-like each pixel is.
//
// inside marks the pixels that came from the photo (nil: all of them);
// padding is seeded as wall. Below the row bodyY (the shoulders), growth
// asks for pixels closer to the wall, so that softly shaded clothes are not
// taken for a shadow on the wall. Within the face (an ellipse, which may be
// empty) only clearly wall-coloured pixels are taken: a brightly lit cheek
// can look like a white wall, but not quite. Below the chin, in the column
// of the neck and collar, nothing is taken: a white shirt on a white wall
// cannot be told from it by colour.
// Pockets of wall enclosed by hair (between strands, beside the neck) are
// found by a second pass seeded with clearly wall-coloured patches outside
// the face.
func buildMatte(c ycc, inside []bool, w wall, bodyY int, face ellipse) matte {
	bg := growWall(c, inside, w, bodyY, face)
	W, H := c.W, c.H
	m := matte{W: W, H: H, Alpha: make([]float32, W*H)}
	clearSpecks(bg, W, H, W*H/500)
	bg = majority(bg, W, H)
	m.feather(c, bg, w)
	return m
}

// growWall returns the wall mask of buildMatte before cleaning and
// feathering.
func growWall(c ycc, inside []bool, w wall, bodyY int, face ellipse) []bool {
	W, H := c.W, c.H
	n := W * H
	// Distances are compared squared.
	tSeed := float32(math.Max(14, 1.2*w.Spread))
	tGrow := float32(math.Max(28, 2.2*w.Spread))
	tBody := (tSeed + tGrow) / 2
	tSeed, tGrow, tBody = tSeed*tSeed, tGrow*tGrow, tBody*tBody
	const tStep = 10 * 10
	d := w.dist2(c)
	bg := make([]bool, n)
	queue := make([]int32, 0, n/4)
	seed := func(i int) {
		if !bg[i] && d[i] < tSeed {
			bg[i] = true
			queue = append(queue, int32(i))
		}
	}
	// The top and side edges seed the wall; the bottom edge does not: below
	// the chin the person is expected, and a white shirt there is no wall.
	for x := 0; x < W; x++ {
		seed(x)
	}
	for y := 0; y < H; y++ {
		seed(y * W)
		seed(y*W + W - 1)
	}
	for i := 0; i < n && inside != nil; i++ {
		if !inside[i] {
			seed(i)
		}
	}
	step := func(a, b int) float32 {
		dy, dcb, dcr := c.Y[a]-c.Y[b], c.Cb[a]-c.Cb[b], c.Cr[a]-c.Cr[b]
		return dy*dy + chromaWeight*(dcb*dcb+dcr*dcr)
	}
	grow := func() {
		for len(queue) > 0 {
			p := int(queue[len(queue)-1])
			queue = queue[:len(queue)-1]
			x := p % W
			for _, q := range [4]int{p - 1, p + 1, p - W, p + W} {
				switch {
				case q == p-1 && x == 0, q == p+1 && x == W-1, q < 0, q >= n:
					continue
				}
				limit := tGrow
				qx, qy := float64(q%W), float64(q/W)
				switch {
				case face.RX > 0 && qy >= face.CY+face.RY && math.Abs(qx-face.CX) < 0.9*face.RX:
					continue // the collar's column: a white shirt is no wall
				case face.contains(q%W, q/W):
					limit = tSeed
				case q/W >= bodyY:
					limit = tBody
				}
				if !bg[q] && d[q] < limit && step(p, q) < tStep {
					bg[q] = true
					queue = append(queue, int32(q))
				}
			}
		}
	}
	grow()
	// Second pass: enclosed pockets of clearly wall-coloured pixels of at
	// least pocketMin pixels, outside the face, above the chin or beside the
	// neck, but never in the collar's column, where a white shirt shows.
	const pocketMin = 16
	pocket := make([]bool, n)
	chinY := face.CY + face.RY
	for i := 0; i < n && i/W < bodyY; i++ {
		x, y := float64(i%W), float64(i/W)
		collar := y >= chinY && math.Abs(x-face.CX) < 0.9*face.RX
		pocket[i] = !bg[i] && d[i] < tSeed/4 && !face.contains(i%W, i/W) && !collar
	}
	for _, comp := range components(pocket, W, H) {
		if len(comp) < pocketMin {
			continue
		}
		for _, i := range comp {
			bg[i] = true
			queue = append(queue, i)
		}
	}
	grow()
	return bg
}

// feather sets the alpha along the outline. A pixel there mixes the person
// and the wall, so its colour lies between the person's colour nearby (the
// mean of the sure foreground around it) and the wall's; its
// position on that line is the wall's share. Away from the outline alpha is
// 1 on the wall and 0 on the person.
func (m *matte) feather(c ycc, bg []bool, w wall) {
	W, H := m.W, m.H
	band := outline(bg, W, H, 3)
	for i := range bg {
		switch {
		case band[i]:
		case bg[i]:
			m.Alpha[i] = 1
		default:
			m.Alpha[i] = 0
		}
	}
	for i, in := range band {
		if !in {
			continue
		}
		x, y := i%W, i/W
		var fy, fcb, fcr float32
		n := 0
		// The person's colour nearby: within 3 pixels, or 7 for the tips of
		// thin strands of hair.
		for _, r := range [2]int{3, 7} {
			for yy := max(0, y-r); yy <= min(H-1, y+r); yy++ {
				for xx := max(0, x-r); xx <= min(W-1, x+r); xx++ {
					j := yy*W + xx
					if !bg[j] && !band[j] {
						fy, fcb, fcr = fy+c.Y[j], fcb+c.Cb[j], fcr+c.Cr[j]
						n++
					}
				}
			}
			if n > 0 {
				break
			}
		}
		if n == 0 { // no person nearby at all
			if bg[i] {
				m.Alpha[i] = 1
			}
			continue
		}
		fy, fcb, fcr = fy/float32(n), fcb/float32(n), fcr/float32(n)
		wy, wcb, wcr := w.at(x, y)
		// Project the pixel onto the segment person → wall.
		dy, dcb, dcr := wy-fy, wcb-fcb, wcr-fcr
		den := dy*dy + chromaWeight*(dcb*dcb+dcr*dcr)
		if den < 1 {
			m.Alpha[i] = 0 // person and wall look alike here: keep the pixel
			continue
		}
		a := ((c.Y[i]-fy)*dy + chromaWeight*((c.Cb[i]-fcb)*dcb+(c.Cr[i]-fcr)*dcr)) / den
		if bg[i] {
			a = max(a, 0.5)
		}
		m.Alpha[i] = float32(math.Max(0, math.Min(1, float64(a))))
	}
}

// outline marks the pixels within r of the border between the two sides of
// a mask.
func outline(m []bool, W, H, r int) []bool {
	out := make([]bool, len(m))
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			i := y*W + x
			if (x+1 < W && m[i] != m[i+1]) || (y+1 < H && m[i] != m[i+W]) {
				for yy := max(0, y-r); yy <= min(H-1, y+r); yy++ {
					for xx := max(0, x-r); xx <= min(W-1, x+r+1); xx++ {
						out[yy*W+xx] = true
					}
				}
			}
		}
	}
	return out
}

// clearSpecks turns foreground components smaller than limit pixels, other
// than the largest one (the person), into background.
func clearSpecks(bg []bool, W, H, limit int) {
	n := W * H
	label := make([]int32, n)
	var sizes []int
	stack := make([]int32, 0, 1024)
	for s := 0; s < n; s++ {
		if bg[s] || label[s] != 0 {
			continue
		}
		id := int32(len(sizes) + 1)
		size := 0
		label[s] = id
		stack = append(stack[:0], int32(s))
		for len(stack) > 0 {
			p := int(stack[len(stack)-1])
			stack = stack[:len(stack)-1]
			size++
			x := p % W
			for _, q := range [4]int{p - 1, p + 1, p - W, p + W} {
				if (q == p-1 && x == 0) || (q == p+1 && x == W-1) || q < 0 || q >= n {
					continue
				}
				if !bg[q] && label[q] == 0 {
					label[q] = id
					stack = append(stack, int32(q))
				}
			}
		}
		sizes = append(sizes, size)
	}
	largest := 0
	for i, s := range sizes {
		if s > sizes[largest] {
			largest = i
		}
	}
	for i := 0; i < n; i++ {
		if l := label[i]; l != 0 && int(l-1) != largest && sizes[l-1] < limit {
			bg[i] = true
		}
	}
}

// majority smooths a mask with a 3 × 3 majority vote. Only pixels next to
// a change can flip, so only those are voted on.
func majority(m []bool, W, H int) []bool {
	out := append([]bool(nil), m...)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			i := y*W + x
			if (x == 0 || m[i-1] == m[i]) && (x == W-1 || m[i+1] == m[i]) &&
				(y == 0 || m[i-W] == m[i]) && (y == H-1 || m[i+W] == m[i]) {
				continue
			}
			cnt, tot := 0, 0
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					if xx < 0 || yy < 0 || xx >= W || yy >= H {
						continue
					}
					tot++
					if m[yy*W+xx] {
						cnt++
					}
				}
			}
			out[i] = 2*cnt > tot
		}
	}
	return out
}

// coverage is the part of the zone's pixels that the matte calls wall.
func (m matte) coverage(zone []bool) float64 {
	in, tot := 0, 0
	for i, z := range zone {
		if z {
			tot++
			if m.Alpha[i] >= 0.5 {
				in++
			}
		}
	}
	if tot == 0 {
		return 1
	}
	return float64(in) / float64(tot)
}

// composite puts the person on the background colour. Along the outline,
// where a pixel mixes person and wall, the wall's share (from the model) is
// exchanged for the background's: out = pixel + α·(background − wall), so
// no halo of the old wall remains around hair and shoulders.
func composite(img RGB, m matte, w wall, bgc [3]uint8) RGB {
	out := NewRGB(img.W, img.H)
	b := [3]float32{float32(bgc[0]), float32(bgc[1]), float32(bgc[2])}
	for i := 0; i < img.W*img.H; i++ {
		a := m.Alpha[i]
		px := out.Pix[3*i : 3*i+3]
		switch {
		case a >= 0.999:
			px[0], px[1], px[2] = bgc[0], bgc[1], bgc[2]
		case a <= 0.001:
			copy(px, img.Pix[3*i:3*i+3])
		default:
			wy, wcb, wcr := w.at(i%img.W, i/img.W)
			wr := wy + 1.402*wcr
			wg := wy - 0.344136*wcb - 0.714136*wcr
			wb := wy + 1.772*wcb
			for ch, wc := range [3]float32{wr, wg, wb} {
				v := float32(img.Pix[3*i+ch]) + a*(b[ch]-wc)
				px[ch] = uint8(math.Max(0, math.Min(255, float64(v)+0.5)))
			}
		}
	}
	return out
}

// ellipse is an axis-aligned ellipse in pixels; a zero one contains nothing.
type ellipse struct{ CX, CY, RX, RY float64 }

func (e ellipse) contains(x, y int) bool {
	if e.RX <= 0 || e.RY <= 0 {
		return false
	}
	dx, dy := (float64(x)-e.CX)/e.RX, (float64(y)-e.CY)/e.RY
	return dx*dx+dy*dy <= 1
}

// components returns the 4-connected components of a mask's set pixels.
func components(mask []bool, W, H int) [][]int32 {
	n := W * H
	seen := make([]bool, n)
	var out [][]int32
	for s := 0; s < n; s++ {
		if !mask[s] || seen[s] {
			continue
		}
		comp := []int32{int32(s)}
		seen[s] = true
		for k := 0; k < len(comp); k++ {
			p := int(comp[k])
			x := p % W
			for _, q := range [4]int{p - 1, p + 1, p - W, p + W} {
				if (q == p-1 && x == 0) || (q == p+1 && x == W-1) || q < 0 || q >= n {
					continue
				}
				if mask[q] && !seen[q] {
					seen[q] = true
					comp = append(comp, int32(q))
				}
			}
		}
		out = append(out, comp)
	}
	return out
}
