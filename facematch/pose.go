package facematch

import (
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/recheck/recheck/imaging"
)

// PoseModel is the head-pose model's file in the models directory:
// faceplugin's fr_pose.onnx (a HopeNet: yaw, pitch and roll each as 66
// bins of 3° from -99° to 99°, read as the softmax's expectation).
const PoseModel = "fr_pose.onnx"

const (
	poseSide = 224
	poseBins = 66
)

// Pose is a head's orientation in degrees: yaw (turned left or right),
// pitch (up or down), roll (tilted in the image plane).
type Pose struct {
	Yaw, Pitch, Roll float64
}

// poseModel is one fr_pose.onnx session; it runs one face at a time.
type poseModel struct {
	in               *ort.Tensor[float32]
	yaw, pitch, roll *ort.Tensor[float32]
	s                *ort.AdvancedSession
}

// newPoseModel loads fr_pose.onnx from dir (ONNX Runtime initialized).
func newPoseModel(dir string) (*poseModel, error) {
	path := filepath.Join(dir, PoseModel)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("facematch: model %s missing (run `make dev` or scripts/setup.sh to fetch it): %w", path, err)
	}
	m := &poseModel{}
	var err error
	if m.in, err = ort.NewEmptyTensor[float32](ort.NewShape(1, 3, poseSide, poseSide)); err != nil {
		return nil, err
	}
	outs := []**ort.Tensor[float32]{&m.yaw, &m.pitch, &m.roll}
	for _, o := range outs {
		if *o, err = ort.NewEmptyTensor[float32](ort.NewShape(1, poseBins)); err != nil {
			m.close()
			return nil, err
		}
	}
	opts, err := ort.NewSessionOptions()
	if err != nil {
		m.close()
		return nil, err
	}
	defer opts.Destroy()
	_ = opts.SetIntraOpNumThreads(1)
	_ = opts.SetInterOpNumThreads(1)
	m.s, err = ort.NewAdvancedSession(path, []string{"input"}, []string{"output", "617", "618"},
		[]ort.Value{m.in}, []ort.Value{m.yaw, m.pitch, m.roll}, opts)
	if err != nil {
		m.close()
		return nil, fmt.Errorf("facematch: load %s: %w", path, err)
	}
	return m, nil
}

func (m *poseModel) close() {
	if m.s != nil {
		m.s.Destroy()
	}
	for _, t := range []*ort.Tensor[float32]{m.in, m.yaw, m.pitch, m.roll} {
		if t != nil {
			t.Destroy()
		}
	}
}

// estimate reads the pose of the face in box: the box grown by a quarter
// on every side (as the model was trained), clipped to the image, resized
// to 224 × 224 and normalized with ImageNet's means and deviations.
func (m *poseModel) estimate(img imaging.RGB, box image.Rectangle) (Pose, error) {
	if img.W <= 0 || img.H <= 0 || len(img.Pix) != img.W*img.H*3 {
		return Pose{}, fmt.Errorf("facematch: pose: %d bytes for %d × %d RGB", len(img.Pix), img.W, img.H)
	}
	dx, dy := box.Dx()/4, box.Dy()/4
	r := image.Rect(box.Min.X-dx, box.Min.Y-dy, box.Max.X+dx, box.Max.Y+dy).Intersect(image.Rect(0, 0, img.W, img.H))
	if r.Empty() {
		return Pose{}, fmt.Errorf("facematch: pose: the face box %v is outside the image", box)
	}
	in := m.in.GetData()
	plane := poseSide * poseSide
	mean := [3]float32{0.485, 0.456, 0.406}
	std := [3]float32{0.229, 0.224, 0.225}
	for y := 0; y < poseSide; y++ {
		sy := float64(r.Min.Y) + (float64(y)+0.5)*float64(r.Dy())/poseSide - 0.5
		for x := 0; x < poseSide; x++ {
			sx := float64(r.Min.X) + (float64(x)+0.5)*float64(r.Dx())/poseSide - 0.5
			red, green, blue := bilinear(img.Pix, img.W, img.H, sx, sy)
			i := y*poseSide + x
			in[i] = (red/255 - mean[0]) / std[0]
			in[plane+i] = (green/255 - mean[1]) / std[1]
			in[2*plane+i] = (blue/255 - mean[2]) / std[2]
		}
	}
	if err := m.s.Run(); err != nil {
		return Pose{}, fmt.Errorf("facematch: run %s: %w", PoseModel, err)
	}
	return Pose{Yaw: binAngle(m.yaw.GetData()), Pitch: binAngle(m.pitch.GetData()), Roll: binAngle(m.roll.GetData())}, nil
}

// binAngle is the expectation of HopeNet's bins under their softmax, in
// degrees.
func binAngle(logits []float32) float64 {
	hi := logits[0]
	for _, v := range logits {
		hi = max(hi, v)
	}
	var sum, acc float64
	for i, v := range logits {
		e := math.Exp(float64(v - hi))
		sum += e
		acc += e * float64(i)
	}
	return acc/sum*3 - 99
}

// Poses is a pool of head-pose sessions (fr_pose.onnx), made on first
// need up to the pool's size, the first by NewPoses.
type Poses struct {
	l   *lender[*poseModel]
	dir string
}

// NewPoses returns a pool of at most size pose sessions loading
// fr_pose.onnx from dir with ONNX Runtime from libPath.
func NewPoses(dir, libPath string, size int) (*Poses, error) {
	l, err := newONNXLender(dir, libPath, "pose model", size, func() (*poseModel, error) { return newPoseModel(dir) }, (*poseModel).close)
	if err != nil {
		return nil, err
	}
	return &Poses{l: l, dir: dir}, nil
}

// Estimate reads the pose of the face in box, in img's pixels.
func (p *Poses) Estimate(ctx context.Context, img imaging.RGB, box image.Rectangle) (Pose, error) {
	var out Pose
	err := p.l.with(ctx, func(m *poseModel) error {
		var err error
		out, err = m.estimate(img, box)
		return err
	})
	return out, err
}

// HeadYaw implements imaging.PoseReader.
func (p *Poses) HeadYaw(ctx context.Context, img imaging.RGB, box image.Rectangle) (float64, error) {
	pose, err := p.Estimate(ctx, img, box)
	return pose.Yaw, err
}

// Ready reports how many sessions are loaded, or why another cannot be.
func (p *Poses) Ready() (string, error) {
	if _, err := os.Stat(filepath.Join(p.dir, PoseModel)); err != nil {
		return "", fmt.Errorf("facematch: model %s missing in %s: %w", PoseModel, p.dir, err)
	}
	return p.l.ready()
}

// Close frees every session.
func (p *Poses) Close() { p.l.close() }
