package facematch

import (
	"fmt"
	"math"

	"github.com/recheck/recheck/imaging"
)

// faceInput is how an embedding model wants its face: aligned to a
// five-point template in a square crop of a given side, its channels in an
// order and layout, each value scaled as (v − mean) / std, and whether the
// embedding is the sum of the face's and its mirror image's (ArcFace's own
// evaluation). The built-in ArcFace and every embedder a spec file brings
// (EmbedderSpec) go through it, so that one described the same way gives
// the same vector.
type faceInput struct {
	side     int
	template [5]pt // in the crop's pixels
	bgr      bool  // channels blue, green, red instead of red, green, blue
	nhwc     bool  // channels last instead of planes
	mean     [3]float32
	std      [3]float32
	flip     bool
	length   int // the embedding's length
}

// builtinArcFace is fr_feature.onnx's input: 112 × 112 RGB planes scaled
// as (v − 127) / 128 on the standard ArcFace template, flip averaged — which
// took genuine rejections on tight ID-style copies from 2.5 % to 2.1 % (1.1
// times the face box) and 0.9 % to 0.6 % (1.4 times) at a 0.1 %
// false-accept line, for one more run of the model.
var builtinArcFace = faceInput{
	side:     112,
	template: arcfaceTemplate,
	mean:     [3]float32{127, 127, 127},
	std:      [3]float32{128, 128, 128},
	flip:     true,
	length:   512,
}

// embed aligns the face whose five points are lm to the template, fills
// model's input with the crop (and, with flip, runs it again on the mirror
// image, adding the outputs) and returns the unit-length sum.
func (f faceInput) embed(model *onnxModel, img imaging.RGB, lm Landmarks5) ([]float32, error) {
	crop := warp(img, fitSimilarity(lm[:], f.template[:]), f.side)
	vec := make([]float32, f.length)
	views := []bool{false}
	if f.flip {
		views = append(views, true)
	}
	side, plane := f.side, f.side*f.side
	for _, mirrored := range views {
		in := model.in.GetData()
		for y := 0; y < side; y++ {
			for x := 0; x < side; x++ {
				src := y*side + x
				if mirrored {
					src = y*side + side - 1 - x
				}
				dst := y*side + x
				for c := 0; c < 3; c++ {
					sc := c
					if f.bgr {
						sc = 2 - c
					}
					v := (float32(crop[3*src+sc]) - f.mean[c]) / f.std[c]
					if f.nhwc {
						in[3*dst+c] = v
					} else {
						in[c*plane+dst] = v
					}
				}
			}
		}
		out, err := model.run()
		if err != nil {
			return nil, err
		}
		if len(out) != len(vec) {
			return nil, fmt.Errorf("facematch: embedding of %d values, want %d", len(out), len(vec))
		}
		for i, v := range out {
			vec[i] += v
		}
	}
	var norm float64
	for _, v := range vec {
		norm += float64(v) * float64(v)
	}
	if norm == 0 || math.IsNaN(norm) || math.IsInf(norm, 0) {
		return nil, fmt.Errorf("facematch: the model gave an empty or invalid embedding")
	}
	inv := float32(1 / math.Sqrt(norm))
	for i := range vec {
		vec[i] *= inv
	}
	return vec, nil
}
