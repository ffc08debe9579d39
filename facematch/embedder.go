package facematch

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math"

	"github.com/recheck/recheck/imaging"
)

// Embedder turns the face a detector found in an image into a vector, and
// measures how far apart two vectors are.
type Embedder interface {
	// Name identifies the embedder: "dlib" or "arcface".
	Name() string
	// Embed describes face, found in img.
	Embed(ctx context.Context, img imaging.RGB, face imaging.Face) ([]float32, error)
	// Distance is the embedder's distance between two of its vectors.
	Distance(a, b []float32) float64
	// Close frees the embedder's models.
	Close()
}

// The embedders recheck knows.
const (
	EmbedderDlib    = "dlib"
	EmbedderArcFace = "arcface"
)

// EmbedderNames lists the embedders, in a stable order.
var EmbedderNames = []string{EmbedderArcFace, EmbedderDlib}

// Pipelines name the version of each embedder's way from a found face to a
// vector (models, alignment, border, flip average). A change to it changes
// every distance: calibration.json records the pipeline each mapping was
// fitted on and a matcher refuses a mapping fitted on another, and cached
// admission embeddings are kept per pipeline.
var Pipelines = map[string]string{
	EmbedderArcFace: "arcface-3", // UltraFace first look, black border, flip average
	EmbedderDlib:    "dlib-2",    // UltraFace first look
}

func (a arcEmbedder) Name() string { return EmbedderArcFace }

// Distance is the cosine distance of unit vectors.
func (a arcEmbedder) Distance(x, y []float32) float64 { return CosineDistance(x, y) }

// arcEmbedder adapts ArcFace to Embedder.
type arcEmbedder struct{ *ArcFace }

func (a arcEmbedder) Embed(ctx context.Context, img imaging.RGB, face imaging.Face) ([]float32, error) {
	v, _, err := a.ArcFace.Embed(ctx, img, face.Box)
	return v, err
}

// dlibEmbedder describes faces with dlib's ResNet through go-face. go-face
// reads JPEG and runs its own detector, so the image is encoded and the
// face of go-face's that overlaps the given one most is taken.
type dlibEmbedder struct{ *Pool }

func (d dlibEmbedder) Name() string { return EmbedderDlib }

func (d dlibEmbedder) Embed(ctx context.Context, img imaging.RGB, face imaging.Face) ([]float32, error) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img.ToImage(), &jpeg.Options{Quality: 95}); err != nil {
		return nil, err
	}
	faces, err := d.Faces(ctx, b.Bytes())
	if err != nil {
		return nil, err
	}
	best, bestIoU := -1, 0.3
	for i, f := range faces {
		if iou := overlap(f.Box, face.Box); iou > bestIoU {
			best, bestIoU = i, iou
		}
	}
	if best < 0 {
		return nil, &FaceCountError{Count: 0}
	}
	return faces[best].Descriptor[:], nil
}

func (d dlibEmbedder) Distance(a, b []float32) float64 {
	var sum float64
	for i := range a {
		x := float64(a[i] - b[i])
		sum += x * x
	}
	return math.Sqrt(sum)
}

// overlap is the intersection over union of two rectangles.
func overlap(a, b image.Rectangle) float64 {
	in := a.Intersect(b)
	if in.Empty() {
		return 0
	}
	i := float64(in.Dx() * in.Dy())
	u := float64(a.Dx()*a.Dy()+b.Dx()*b.Dy()) - i
	return i / u
}
