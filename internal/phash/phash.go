// Package phash computes a 64-bit perceptual hash (the DCT hash of pHash),
// so that tests compare images by how they look, not by their bytes.
package phash

import (
	"image"
	"math"
	"math/bits"

	"golang.org/x/image/draw"
)

// Hash returns the perceptual hash of img: the image is reduced to 32 × 32
// grey, transformed by a 2-D DCT, and each of the 8 × 8 lowest frequencies
// (but the DC term) sets a bit when it is above their median.
func Hash(img image.Image) uint64 {
	const n = 32
	small := image.NewGray(image.Rect(0, 0, n, n))
	draw.ApproxBiLinear.Scale(small, small.Bounds(), img, img.Bounds(), draw.Src, nil)
	var px [n][n]float64
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			px[y][x] = float64(small.GrayAt(x, y).Y)
		}
	}
	var coef [8][8]float64
	for u := 0; u < 8; u++ {
		for v := 0; v < 8; v++ {
			var s float64
			for y := 0; y < n; y++ {
				for x := 0; x < n; x++ {
					s += px[y][x] * math.Cos(float64(2*x+1)*float64(u)*math.Pi/(2*n)) * math.Cos(float64(2*y+1)*float64(v)*math.Pi/(2*n))
				}
			}
			coef[u][v] = s
		}
	}
	vals := make([]float64, 0, 63)
	for u := 0; u < 8; u++ {
		for v := 0; v < 8; v++ {
			if u+v > 0 {
				vals = append(vals, coef[u][v])
			}
		}
	}
	sorted := append([]float64(nil), vals...)
	for i := 1; i < len(sorted); i++ { // insertion sort: 63 values
		for j := i; j > 0 && sorted[j] < sorted[j-1]; j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	median := sorted[len(sorted)/2]
	var h uint64
	for i, v := range vals {
		if v > median {
			h |= 1 << uint(i)
		}
	}
	return h
}

// Distance is the number of bits in which two hashes differ (0-64).
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }
