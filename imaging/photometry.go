package imaging

import (
	"image"
	"math"
)

// faceRegion is the skin area of the face in the output: from a little above
// the eyes to below the mouth, and between the cheeks, in output pixels.
func faceRegion(pl placement) image.Rectangle {
	d := pl.IPD * pl.Scale
	r := image.Rect(
		int(pl.OutEye.X-0.8*d), int(pl.OutEye.Y-0.45*d),
		int(pl.OutEye.X+0.8*d), int(pl.OutEye.Y+1.25*d))
	return r.Intersect(image.Rect(0, 0, pl.W, pl.H))
}

// measureFace measures the light on the face and its sharpness on the
// rendered output, so that sharpness is judged at the scale it will be seen.
func measureFace(luma []float32, img rendered, pl placement, m *Measures) {
	r := faceRegion(pl)
	if r.Dx() < 8 || r.Dy() < 8 {
		return
	}
	var sum, left, right float64
	var nLeft, nRight, clipped, n int
	mid := int(pl.OutEye.X)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			l := float64(luma[y*img.W+x])
			sum += l
			n++
			if l >= 250 {
				clipped++
			}
			if x < mid {
				left += l
				nLeft++
			} else {
				right += l
				nRight++
			}
		}
	}
	m.FaceLuma = sum / float64(n)
	m.FaceClipped = float64(clipped) / float64(n)
	if nLeft > 0 && nRight > 0 {
		l, rr := left/float64(nLeft), right/float64(nRight)
		if hi := math.Max(l, rr); hi > 0 {
			m.LightImbalance = math.Abs(l-rr) / hi
		}
	}
	m.Sharpness = laplacianVariance(luma, img.W, r)
	m.faceMeasured = true
}

// laplacianVariance is the variance of the 4-neighbour Laplacian of luma over
// r: low when the image is blurred.
func laplacianVariance(luma []float32, w int, r image.Rectangle) float64 {
	var sum, sq float64
	n := 0
	for y := r.Min.Y + 1; y < r.Max.Y-1; y++ {
		for x := r.Min.X + 1; x < r.Max.X-1; x++ {
			i := y*w + x
			l := float64(luma[i-1] + luma[i+1] + luma[i-w] + luma[i+w] - 4*luma[i])
			sum += l
			sq += l * l
			n++
		}
	}
	if n == 0 {
		return 0
	}
	m := sum / float64(n)
	return sq/float64(n) - m*m
}
