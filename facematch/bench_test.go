package facematch_test

import (
	"context"
	"fmt"
	"testing"

	face "github.com/Kagami/go-face"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
)

// benchPortrait is a 2048 × 1364 studio portrait of the shared set.
const benchPortrait = "faces/deepface/img13.jpg"

// BenchmarkDetect: dlib HOG and 5 landmarks (facematch.Detectors) on the
// portrait reduced to each longest side.
func BenchmarkDetect(b *testing.B) {
	data := testphotos.Read(b, benchPortrait)
	det := testmodels.Detectors(b)
	for _, side := range []int{320, 480, 640, 800, 1024, 1600, 2048} {
		img, err := imaging.Preview(data, imaging.DefaultLimits(), side)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%dpx", side), func(b *testing.B) {
			for range b.N {
				faces, err := det.Detect(context.Background(), img)
				if err != nil || len(faces) != 1 {
					b.Fatalf("%v, %d faces", err, len(faces))
				}
			}
		})
	}
}

// BenchmarkEmbed: one face's embedding per embedder, on the portrait at
// 1024 px with the face already found (ArcFace: landmarks, alignment,
// feature model; dlib: JPEG encoding and go-face's own detection and
// ResNet descriptor, the only way go-face offers).
func BenchmarkEmbed(b *testing.B) {
	m := testmodels.Matcher(b)
	data := testphotos.Read(b, benchPortrait)
	img, err := imaging.Preview(data, imaging.DefaultLimits(), 1024)
	if err != nil {
		b.Fatal(err)
	}
	faces, err := m.Detectors().DetectFaces(context.Background(), img)
	if err != nil || len(faces) != 1 {
		b.Fatal(err)
	}
	for _, n := range m.Embedders() {
		b.Run(n, func(b *testing.B) {
			for range b.N {
				if _, err := m.EmbedFace(context.Background(), n, img, faces[0]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMatchStep is the worker's match without I/O: describe the
// standardized photo (480 × 640) with the default embedder and compare it
// with the admission photo's cached embedding.
func BenchmarkMatchStep(b *testing.B) {
	m := testmodels.Matcher(b)
	ctx := context.Background()
	res, err := imaging.Standardize(ctx, testphotos.Read(b, "faces/deepface/img14.jpg"), imaging.Options{Detector: m.Detectors()})
	if err != nil || !res.OK {
		b.Fatal(err)
	}
	adm, err := m.Describe(ctx, testphotos.Read(b, benchPortrait), imaging.DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range m.Embedders() {
		b.Run(n, func(b *testing.B) {
			for range b.N {
				d, err := m.Describe(ctx, res.Output.JPEG, imaging.DefaultLimits(), n)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := m.Compare(n, d.Vectors[n], adm.Vectors[n]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGoFaceFullSize is the baseline: go-face's Recognize (HOG on the
// whole photo, landmarks, ResNet descriptor) on the full-size JPEG.
func BenchmarkGoFaceFullSize(b *testing.B) {
	rec, err := face.NewRecognizer(testmodels.Dir(b))
	if err != nil {
		b.Fatal(err)
	}
	defer rec.Close()
	data := testphotos.Read(b, benchPortrait)
	for range b.N {
		faces, err := rec.Recognize(data)
		if err != nil || len(faces) != 1 {
			b.Fatalf("%v, %d faces", err, len(faces))
		}
	}
}

// BenchmarkFindFacesSmall: FindFaces on ID-style copies of the portrait
// (1.1 and 1.4 times the face box, 120 and 250 px wide), the admission
// photos provincial exam systems keep; a copy whose face is not found at
// once costs the second looks (border, upsampling).
func BenchmarkFindFacesSmall(b *testing.B) {
	m := testmodels.Matcher(b)
	ctx := context.Background()
	data := testphotos.Read(b, benchPortrait)
	d, err := m.Describe(ctx, data, imaging.DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	for _, width := range []int{120, 250} {
		for _, factor := range []float64{1.1, 1.4} {
			small, err := imaging.IDStyle(data, imaging.DefaultLimits(), d.Face.Box, factor, width)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%dpx-x%.1f", width, factor), func(b *testing.B) {
				for range b.N {
					_, faces, _, err := facematch.FindFaces(ctx, m.Detectors(), small, imaging.DefaultLimits())
					if err != nil || len(faces) != 1 {
						b.Fatalf("%v, %d faces", err, len(faces))
					}
				}
			})
		}
	}
}

// BenchmarkFinders: the comparison's detection on the portrait at 640 px
// (the size it decodes to): dlib's HOG with its 5 landmarks, and the first
// look (UltraFace and fr_landmark.onnx's points on its box); and the pose
// model on the face at standardization's 480 px copy.
func BenchmarkFinders(b *testing.B) {
	m := testmodels.Matcher(b)
	data := testphotos.Read(b, benchPortrait)
	img, err := imaging.Preview(data, imaging.DefaultLimits(), 640)
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range []struct {
		name string
		det  imaging.FaceDetector
	}{{"hog", m.Detectors()}, {"first-look", m.Finder()}} {
		b.Run(d.name, func(b *testing.B) {
			for range b.N {
				faces, err := d.det.DetectFaces(context.Background(), img)
				if err != nil || len(faces) != 1 {
					b.Fatalf("%v, %d faces", err, len(faces))
				}
			}
		})
	}
	thumb, err := imaging.Preview(data, imaging.DefaultLimits(), 480)
	if err != nil {
		b.Fatal(err)
	}
	faces, err := m.Detectors().DetectFaces(context.Background(), thumb)
	if err != nil || len(faces) != 1 {
		b.Fatal(err)
	}
	b.Run("pose", func(b *testing.B) {
		for range b.N {
			if _, err := m.PoseReader().HeadYaw(context.Background(), thumb, faces[0].Box); err != nil {
				b.Fatal(err)
			}
		}
	})
}
