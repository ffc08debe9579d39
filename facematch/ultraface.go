package facematch

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"sort"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/recheck/recheck/imaging"
)

// UltraFace input size and anchors: the slim Ultra-Light-Fast-Generic-Face-
// Detector of faceplugin-face-recognition-js (fr_detect.onnx, MIT), which
// reads a 320 × 240 RGB image scaled to [-1, 1) and answers, for each of
// its 4,420 anchors, a face score and a box in [0, 1] corners.
const (
	ultraW, ultraH = 320, 240
	ultraAnchors   = 4420
	// UltraFaceModel is the detector's file in the models directory.
	UltraFaceModel = "fr_detect.onnx"
)

// ultraFace is one UltraFace session; it runs one image at a time.
type ultraFace struct {
	in             *ort.Tensor[float32]
	scores, boxes  *ort.Tensor[float32]
	s              *ort.AdvancedSession
	threshold, nms float32
}

// newUltraFace loads fr_detect.onnx from dir (ONNX Runtime initialized).
func newUltraFace(dir string, threshold float32) (*ultraFace, error) {
	path := filepath.Join(dir, UltraFaceModel)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("facematch: model %s missing (run `make dev` or scripts/setup.sh to fetch it): %w", path, err)
	}
	u := &ultraFace{threshold: threshold, nms: 0.4}
	var err error
	if u.in, err = ort.NewEmptyTensor[float32](ort.NewShape(1, 3, ultraH, ultraW)); err != nil {
		return nil, err
	}
	if u.scores, err = ort.NewEmptyTensor[float32](ort.NewShape(1, ultraAnchors, 2)); err != nil {
		u.close()
		return nil, err
	}
	if u.boxes, err = ort.NewEmptyTensor[float32](ort.NewShape(1, ultraAnchors, 4)); err != nil {
		u.close()
		return nil, err
	}
	opts, err := ort.NewSessionOptions()
	if err != nil {
		u.close()
		return nil, err
	}
	defer opts.Destroy()
	_ = opts.SetIntraOpNumThreads(1)
	_ = opts.SetInterOpNumThreads(1)
	u.s, err = ort.NewAdvancedSession(path, []string{"input"}, []string{"scores", "boxes"},
		[]ort.Value{u.in}, []ort.Value{u.scores, u.boxes}, opts)
	if err != nil {
		u.close()
		return nil, fmt.Errorf("facematch: load %s: %w", path, err)
	}
	return u, nil
}

func (u *ultraFace) close() {
	if u.s != nil {
		u.s.Destroy()
	}
	for _, t := range []*ort.Tensor[float32]{u.in, u.scores, u.boxes} {
		if t != nil {
			t.Destroy()
		}
	}
}

// detect finds faces in packed 8-bit RGB pixels. The image is letterboxed
// into 320 × 240 (its aspect kept, the margin mid-grey, which the
// normalization makes 0) with bilinear sampling, so that a portrait ID
// photo's face is not squeezed; the boxes come back in the image's pixels,
// clipped to it, with their scores as Confidence, after non-maximum
// suppression.
func (u *ultraFace) detect(rgb []byte, w, h int) ([]Detection, error) {
	if w <= 0 || h <= 0 || len(rgb) != w*h*3 {
		return nil, fmt.Errorf("facematch: detect: %d bytes for %d × %d RGB", len(rgb), w, h)
	}
	scale := min(float64(ultraW)/float64(w), float64(ultraH)/float64(h))
	sw, sh := float64(w)*scale, float64(h)*scale
	ox, oy := (float64(ultraW)-sw)/2, (float64(ultraH)-sh)/2
	in := u.in.GetData()
	plane := ultraW * ultraH
	for y := 0; y < ultraH; y++ {
		sy := (float64(y)+0.5-oy)/scale - 0.5
		for x := 0; x < ultraW; x++ {
			sx := (float64(x)+0.5-ox)/scale - 0.5
			i := y*ultraW + x
			if sx < -0.5 || sy < -0.5 || sx > float64(w)-0.5 || sy > float64(h)-0.5 {
				in[i], in[plane+i], in[2*plane+i] = 0, 0, 0
				continue
			}
			r, g, b := bilinear(rgb, w, h, sx, sy)
			in[i] = (r - 127) / 128
			in[plane+i] = (g - 127) / 128
			in[2*plane+i] = (b - 127) / 128
		}
	}
	if err := u.s.Run(); err != nil {
		return nil, fmt.Errorf("facematch: run %s: %w", UltraFaceModel, err)
	}
	scores, boxes := u.scores.GetData(), u.boxes.GetData()
	var cands []Detection
	for a := 0; a < ultraAnchors; a++ {
		s := scores[2*a+1]
		if s < u.threshold {
			continue
		}
		b := boxes[4*a : 4*a+4]
		px := func(v float32, size, off float64) int { return int((float64(v)*size - off) / scale) }
		r := image.Rect(px(b[0], ultraW, ox), px(b[1], ultraH, oy), px(b[2], ultraW, ox), px(b[3], ultraH, oy))
		r = r.Intersect(image.Rect(0, 0, w, h))
		if r.Empty() {
			continue
		}
		cands = append(cands, Detection{Box: r, Confidence: float64(s)})
	}
	return suppress(cands, float64(u.nms)), nil
}

// bilinear samples packed RGB at (x, y), clamped to the image.
func bilinear(rgb []byte, w, h int, x, y float64) (r, g, b float32) {
	x = max(0, min(x, float64(w-1)))
	y = max(0, min(y, float64(h-1)))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, w-1), min(y0+1, h-1)
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	at := func(xx, yy, c int) float32 { return float32(rgb[(yy*w+xx)*3+c]) }
	mix := func(c int) float32 {
		top := at(x0, y0, c)*(1-fx) + at(x1, y0, c)*fx
		bot := at(x0, y1, c)*(1-fx) + at(x1, y1, c)*fx
		return top*(1-fy) + bot*fy
	}
	return mix(0), mix(1), mix(2)
}

// suppress keeps the most confident of detections overlapping by more than
// iou (intersection over union), most confident first.
func suppress(d []Detection, iou float64) []Detection {
	sort.SliceStable(d, func(i, j int) bool { return d[i].Confidence > d[j].Confidence })
	var out []Detection
	for _, c := range d {
		keep := true
		for _, k := range out {
			if overlap(c.Box, k.Box) > iou {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, c)
		}
	}
	return out
}

// UltraFaces is a pool of UltraFace detectors (fr_detect.onnx): boxes and
// scores, no landmarks. Sessions are made on first need, up to the pool's
// size, the first one by NewUltraFaces so that a missing model fails at
// start-up.
type UltraFaces struct {
	l   *lender[*ultraFace]
	dir string
}

// DefaultUltraFaceThreshold is the score from which an UltraFace anchor is
// a face (faceplugin's own setting).
const DefaultUltraFaceThreshold = 0.65

// NewUltraFaces returns a pool of at most size UltraFace sessions loading
// fr_detect.onnx from dir with ONNX Runtime from libPath (empty: dir/libonnxruntime.so.1), keeping faces
// scored at least threshold.
func NewUltraFaces(dir, libPath string, size int, threshold float64) (*UltraFaces, error) {
	l, err := newONNXLender(dir, libPath, "UltraFace detector", size, func() (*ultraFace, error) { return newUltraFace(dir, float32(threshold)) }, (*ultraFace).close)
	if err != nil {
		return nil, err
	}
	return &UltraFaces{l: l, dir: dir}, nil
}

// Ready reports how many sessions are loaded, or why another cannot be
// (the model file gone, a failed load, a closed pool).
func (p *UltraFaces) Ready() (string, error) {
	if _, err := os.Stat(filepath.Join(p.dir, UltraFaceModel)); err != nil {
		return "", fmt.Errorf("facematch: model %s missing in %s: %w", UltraFaceModel, p.dir, err)
	}
	return p.l.ready()
}

// Detect finds the faces in img, in its pixels, most confident first.
func (p *UltraFaces) Detect(ctx context.Context, img imaging.RGB) ([]Detection, error) {
	var dets []Detection
	err := p.l.with(ctx, func(u *ultraFace) error {
		var err error
		dets, err = u.detect(img.Pix, img.W, img.H)
		return err
	})
	return dets, err
}

// DetectFaces implements imaging.FaceDetector (boxes only).
func (p *UltraFaces) DetectFaces(ctx context.Context, img imaging.RGB) ([]imaging.Face, error) {
	dets, err := p.Detect(ctx, img)
	if err != nil {
		return nil, err
	}
	out := make([]imaging.Face, len(dets))
	for i, d := range dets {
		out[i] = imaging.Face{Box: d.Box, Confidence: d.Confidence}
	}
	return out, nil
}

// Close frees every session.
func (p *UltraFaces) Close() { p.l.close() }
