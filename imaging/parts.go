package imaging

import (
	"context"
	"fmt"
	"image"
	"math"
)

// Landmarks68 are the 68 points of a face in the iBUG 300-W numbering
// (jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67), in an
// image's pixels.
type Landmarks68 [68][2]float64

// FaceReader reads the parts of a face: the 68 points inside a box of an
// image. Package facematch implements it with fr_landmark.onnx;
// implementations are safe for concurrent use.
type FaceReader interface {
	Landmarks68(ctx context.Context, img RGB, box image.Rectangle) (Landmarks68, error)
}

// PoseReader reads a head's pose with a model (package facematch).
type PoseReader interface {
	// HeadYaw is the turn to a side of the head whose face is at box in
	// img, in degrees: 0 frontal.
	HeadYaw(ctx context.Context, img RGB, box image.Rectangle) (float64, error)
}

func (l Landmarks68) pt(k int) point { return point{l[k][0], l[k][1]} }

func dist(a, b point) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

func mid(ps ...point) point {
	var m point
	for _, p := range ps {
		m.X, m.Y = m.X+p.X, m.Y+p.Y
	}
	return point{m.X / float64(len(ps)), m.Y / float64(len(ps))}
}

// faceParts locates the face's 68 points on the rendered frame: the
// detector's box mapped into the output, where the face is level.
func (j *job) faceParts() (Landmarks68, error) {
	lm, err := j.opt.FaceReader.Landmarks68(j.ctx, j.frame.RGB, j.outputBox())
	if err != nil {
		return lm, fmt.Errorf("imaging: face landmarks: %w", err)
	}
	return lm, nil
}

// outputBox is the detector's face box carried into the output frame: its
// centre placed as the frame places the input, its size scaled.
func (j *job) outputBox() image.Rectangle {
	b := j.faces[0].Box
	c := j.place.toOutput(point{float64(b.Min.X+b.Max.X) / 2, float64(b.Min.Y+b.Max.Y) / 2})
	w, h := float64(b.Dx())*j.place.Scale, float64(b.Dy())*j.place.Scale
	return image.Rect(int(c.X-w/2), int(c.Y-h/2), int(c.X+w/2), int(c.Y+h/2))
}

// measureMouth measures how open the mouth is from the 68 points: the
// inner lips' gap as a part of the eyes-to-chin distance.
func measureMouth(lm Landmarks68, m *Measures) {
	p := lm.pt
	eyes := mid(p(36), p(39), p(42), p(45))
	faceH := dist(eyes, p(8))
	if faceH <= 0 {
		return
	}
	gap := (dist(p(61), p(67)) + dist(p(62), p(66)) + dist(p(63), p(65))) / 3
	m.MouthOpen = gap / faceH
	m.partsMeasured = true
}

// regionLuma returns the mean luma of the pixels of r for which keep is
// true, and how many there were.
func regionLuma(luma []float32, w int, r image.Rectangle, keep func(x, y int) bool) (float64, int) {
	var sum float64
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if keep == nil || keep(x, y) {
				sum += float64(luma[y*w+x])
				n++
			}
		}
	}
	if n == 0 {
		return 0, 0
	}
	return sum / float64(n), n
}

// measureEyeRegions measures what tinted or reflective glasses change
// around the eyes: the luma of the ring around each eye where a lens sits
// (the eye opening itself left out) against the cheeks' below it, and the
// part of that ring that is clipped white beyond the part of the cheeks
// that is (a reflection on a lens).
func measureEyeRegions(luma []float32, w, h int, lm Landmarks68, m *Measures) {
	p := lm.pt
	bounds := image.Rect(0, 0, w, h)
	var ringSum, cheekSum float64
	var ringN, cheekN, clipped, cheekClipped int
	for _, eye := range [][2]int{{36, 39}, {42, 45}} {
		a, b := p(eye[0]), p(eye[1])
		c := mid(a, b)
		ew := dist(a, b)
		if ew < 4 {
			return
		}
		// The lens: an ellipse 1.8 eye widths wide and 1.2 high about the
		// eye; the opening: 1.1 by 0.55.
		lens := image.Rect(int(c.X-0.9*ew), int(c.Y-0.6*ew), int(c.X+0.9*ew), int(c.Y+0.6*ew)).Intersect(bounds)
		in := func(x, y int, rx, ry float64) bool {
			dx, dy := (float64(x)-c.X)/rx, (float64(y)-c.Y)/ry
			return dx*dx+dy*dy <= 1
		}
		for y := lens.Min.Y; y < lens.Max.Y; y++ {
			for x := lens.Min.X; x < lens.Max.X; x++ {
				if !in(x, y, 0.9*ew, 0.6*ew) || in(x, y, 0.55*ew, 0.28*ew) {
					continue
				}
				l := luma[y*w+x]
				ringSum += float64(l)
				ringN++
				if l >= 245 {
					clipped++
				}
			}
		}
		// The cheek below the lens: a square of half an eye width, one eye
		// width under the eye's centre.
		ch := image.Rect(int(c.X-0.25*ew), int(c.Y+0.95*ew), int(c.X+0.25*ew), int(c.Y+1.45*ew)).Intersect(bounds)
		s, n := regionLuma(luma, w, ch, func(x, y int) bool {
			if luma[y*w+x] >= 245 {
				cheekClipped++
			}
			return true
		})
		cheekSum += s * float64(n)
		cheekN += n
	}
	if ringN == 0 || cheekN == 0 || cheekSum == 0 {
		return
	}
	m.EyeRingLuma = (ringSum / float64(ringN)) / (cheekSum / float64(cheekN))
	// A washed-out face clips around the eyes as on the cheeks; only the
	// clipping the cheeks do not share is a reflection.
	m.EyeRingClipped = math.Max(0, float64(clipped)/float64(ringN)-float64(cheekClipped)/float64(cheekN))
}

// measureForehead measures whether hair comes down over the eyebrows: the
// luma of a band just above the brows (forehead skin, or a fringe) against
// the cheeks'.
func measureForehead(luma []float32, w, h int, lm Landmarks68, m *Measures) {
	p := lm.pt
	ipd := dist(mid(p(36), p(39)), mid(p(42), p(45)))
	if ipd < 8 {
		return
	}
	top := math.Min(p(19).Y, p(24).Y)
	band := image.Rect(int(p(18).X), int(top-0.35*ipd), int(p(25).X), int(top-0.1*ipd)).Intersect(image.Rect(0, 0, w, h))
	cheeks := mid(p(2), p(14), p(30))
	ch := image.Rect(int(cheeks.X-0.4*ipd), int(cheeks.Y-0.15*ipd), int(cheeks.X+0.4*ipd), int(cheeks.Y+0.15*ipd)).Intersect(image.Rect(0, 0, w, h))
	b, nb := regionLuma(luma, w, band, nil)
	c, nc := regionLuma(luma, w, ch, nil)
	if nb == 0 || nc == 0 || c == 0 {
		return
	}
	m.ForeheadLuma = b / c
}

// measureClothes measures how much of the top, beside the neck, has the
// colour of the new background: in the output, the rows from 0.15 head
// heights below the chin down and the columns 0.15 to 0.4 head heights to
// each side of the face, the part of the pixels within colourNear of the
// profile's background. A top of the background's colour is kept or
// eaten by the matte alike: either way it shows as background.
func measureClothes(out RGB, inside []bool, pl placement, bg [3]uint8, m *Measures) {
	head := pl.HeadPx * pl.Scale
	y0 := int(pl.chinOut() + 0.15*head)
	if y0 > out.H-8 {
		return
	}
	near, n := 0, 0
	for y := max(y0, 0); y < out.H; y++ {
		for _, sign := range []float64{-1, 1} {
			for k := 0.15; k <= 0.4; k += 0.5 / head {
				x := int(pl.OutEye.X + sign*k*head)
				if x < 0 || x >= out.W {
					continue
				}
				i := y*out.W + x
				if inside != nil && !inside[i] {
					continue
				}
				n++
				if colourNear(out.Pix[3*i:3*i+3], bg) {
					near++
				}
			}
		}
	}
	if n < 100 {
		return
	}
	m.ClothesAsBackground = float64(near) / float64(n)
	m.clothesMeasured = true
}

// colourNear says whether a pixel is within 12 % of the range of the
// background's colour on every channel: a top the eye would call the same
// colour (white against white, a blue shirt against blue).
func colourNear(px []byte, bg [3]uint8) bool {
	for c := 0; c < 3; c++ {
		if d := int(px[c]) - int(bg[c]); d > 30 || d < -30 {
			return false
		}
	}
	return true
}
