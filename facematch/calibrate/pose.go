package calibrate

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
)

// PoseSample is one photo's head pose as the two readers see it: the pose
// model (fr_pose.onnx, degrees) and the 5-point landmarks standardization
// judges (imaging.HeadPose: roll in degrees, yaw and pitch as fractions of
// the eye distance), with the HOG filter that found the face and, on the
// photo's mirror image, both yaws again.
type PoseSample struct {
	Path, Set           string
	Filter              int
	Net                 facematch.Pose
	Roll, Yaw, Pitch    float64
	MirrorNet, MirrorLm float64
	// Turned holds, per rotation of PoseRotations, the roll change each
	// reader saw ([net, landmarks]); NaN where no face was found.
	Turned [][2]float64
}

// PoseRotations are the turns of the photo the roll readings are checked
// on, in degrees.
var PoseRotations = []float64{-30, -15, 15, 30}

// poseSet names the group a shared photo belongs to in the pose table.
func poseSet(path string) string {
	switch {
	case strings.Contains(path, "NUAA_live"):
		return "NUAA volunteers, live (frontal webcam)"
	case strings.Contains(path, "NUAA_printed"):
		return "NUAA printed photos (frontal, re-shot)"
	case strings.Contains(path, "nz0001na"):
		return "East Asian celebrities, in the wild"
	case strings.Contains(path, "hivision-demo"), strings.Contains(path, "openface-examples-aligned"):
		return "ID-photo demos and aligned portraits"
	default:
		return "other shared photos (Western)"
	}
}

// EvalPose reads the pose of every photo with one face HOG finds (as the
// comparison finds it), of its mirror image and of its PoseRotations
// copies, in parallel.
func EvalPose(ctx context.Context, hog imaging.FaceDetector, poses *facematch.Poses, photos []string, lim imaging.Limits) []PoseSample {
	out := make([]PoseSample, len(photos))
	ok := make([]bool, len(photos))
	parallel(len(photos), func(i int) {
		if s, err := poseOf(ctx, hog, poses, photos[i], lim); err == nil {
			out[i], ok[i] = s, true
		}
	})
	var kept []PoseSample
	for i, s := range out {
		if ok[i] {
			kept = append(kept, s)
		}
	}
	return kept
}

// readPose finds the single face of a photo and reads it both ways.
func readPose(ctx context.Context, hog imaging.FaceDetector, poses *facematch.Poses, data []byte, lim imaging.Limits) (img imaging.RGB, f imaging.Face, net facematch.Pose, roll, yaw, pitch float64, err error) {
	img, faces, _, err := facematch.FindFaces(ctx, hog, data, lim)
	if err != nil {
		return
	}
	if len(faces) != 1 {
		err = &facematch.FaceCountError{Count: len(faces)}
		return
	}
	f = faces[0]
	var ok bool
	if roll, yaw, pitch, ok = imaging.HeadPose(f); !ok {
		err = fmt.Errorf("no 5-point landmarks")
		return
	}
	net, err = poses.Estimate(ctx, img, f.Box)
	return
}

func poseOf(ctx context.Context, hog imaging.FaceDetector, poses *facematch.Poses, path string, lim imaging.Limits) (PoseSample, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return PoseSample{}, err
	}
	img, f, net, roll, yaw, pitch, err := readPose(ctx, hog, poses, data, lim)
	if err != nil {
		return PoseSample{}, err
	}
	s := PoseSample{Path: path, Set: poseSet(path), Filter: f.Filter, Net: net, Roll: roll, Yaw: yaw, Pitch: pitch}
	// The mirror image: a true yaw reading changes sign.
	mirror := img.Mirror()
	mf, err := hog.DetectFaces(ctx, mirror)
	if err != nil || len(mf) != 1 {
		return PoseSample{}, fmt.Errorf("mirror: %d faces, %v", len(mf), err)
	}
	mn, err := poses.Estimate(ctx, mirror, mf[0].Box)
	if err != nil {
		return PoseSample{}, err
	}
	_, my, _, _ := imaging.HeadPose(mf[0])
	s.MirrorNet, s.MirrorLm = mn.Yaw, my
	for _, deg := range PoseRotations {
		turned, err := imaging.Rotated(data, lim, deg)
		cell := [2]float64{math.NaN(), math.NaN()}
		if err == nil {
			if _, _, tn, tr, _, _, err := readPose(ctx, hog, poses, turned, lim); err == nil {
				cell = [2]float64{tn.Roll - net.Roll, tr - roll}
			}
		}
		s.Turned = append(s.Turned, cell)
	}
	return s, nil
}

// PoseLines are the yaw lines the pose table reports, in degrees.
var PoseLines = []float64{15, 20, 25, 30}

// PoseReport prints the pose tables as Markdown: per set and per HOG
// filter, how many photos each reader puts beyond each line; how the yaw
// readings follow a mirror image and the roll readings a turned photo.
func PoseReport(w io.Writer, samples []PoseSample, maxYaw, maxPitchNet float64) {
	groups := map[string][]PoseSample{}
	var order []string
	for _, s := range samples {
		if _, ok := groups[s.Set]; !ok {
			order = append(order, s.Set)
		}
		groups[s.Set] = append(groups[s.Set], s)
	}
	sort.Strings(order)
	add := func(k string, s PoseSample) { groups[k] = append(groups[k], s) }
	filters := []string{"HOG filter 0 (frontal)", "HOG filters 1-2 (turned to a side)", "HOG filters 3-4 (rotated in the image)"}
	for _, s := range samples {
		switch s.Filter {
		case 0:
			add(filters[0], s)
		case 1, 2:
			add(filters[1], s)
		default:
			add(filters[2], s)
		}
	}
	order = append(order, filters...)

	fmt.Fprintf(w, "| photos | n | model |yaw| median | model |yaw| > %v° | model |pitch| > %.0f° | landmark yaw > %.2f |\n", PoseLines, maxPitchNet, maxYaw)
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, k := range order {
		g := groups[k]
		if len(g) == 0 {
			continue
		}
		var yaws []float64
		beyond := make([]int, len(PoseLines))
		pitch, lm := 0, 0
		for _, s := range g {
			y := math.Abs(s.Net.Yaw)
			yaws = append(yaws, y)
			for i, l := range PoseLines {
				if y > l {
					beyond[i]++
				}
			}
			if math.Abs(s.Net.Pitch) > maxPitchNet {
				pitch++
			}
			if math.Abs(s.Yaw) > maxYaw {
				lm++
			}
		}
		sort.Float64s(yaws)
		var cells []string
		for _, b := range beyond {
			cells = append(cells, fmt.Sprintf("%.1f %%", pct(b, len(g))))
		}
		fmt.Fprintf(w, "| %s | %d | %.1f° | %s | %.1f %% | %.1f %% |\n", k, len(g), yaws[len(yaws)/2], strings.Join(cells, " / "), pct(pitch, len(g)), pct(lm, len(g)))
	}

	// Agreement and consistency.
	var netYaw, lmYaw []float64
	var mirrorNet, mirrorLm float64
	for _, s := range samples {
		netYaw = append(netYaw, s.Net.Yaw)
		lmYaw = append(lmYaw, s.Yaw)
		mirrorNet += math.Abs(s.Net.Yaw + s.MirrorNet)
		mirrorLm += math.Abs(s.Yaw + s.MirrorLm)
	}
	n := float64(len(samples))
	fmt.Fprintf(w, "\nYaw, model against landmarks: Pearson r = %.2f over %d photos. On the mirror image the yaw should change sign: mean |yaw + mirrored yaw| %.1f° for the model (mean |yaw| %.1f°), %.3f for the landmarks (mean |yaw| %.3f).\n",
		pearson(netYaw, lmYaw), len(samples), mirrorNet/n, meanAbs(netYaw), mirrorLm/n, meanAbs(lmYaw))

	fmt.Fprintln(w, "\n| photo turned by | roll change, model: mean error | found | roll change, eye line: mean error | found |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for i, deg := range PoseRotations {
		var errNet, errLm []float64
		for _, s := range samples {
			if c := s.Turned[i]; !math.IsNaN(c[0]) {
				errNet = append(errNet, c[0])
				errLm = append(errLm, c[1])
			}
		}
		// Each reader's own sign convention: the sign that fits its
		// majority.
		fmt.Fprintf(w, "| %+.0f° | %.1f° | %d | %.1f° | %d |\n", deg, turnError(errNet, deg), len(errNet), turnError(errLm, deg), len(errLm))
	}
}

// turnError is the mean absolute difference between the roll changes and
// the turn, in the sign convention that fits them best.
func turnError(changes []float64, deg float64) float64 {
	best := math.Inf(1)
	for _, sign := range []float64{1, -1} {
		var sum float64
		for _, c := range changes {
			sum += math.Abs(c - sign*deg)
		}
		if len(changes) > 0 {
			best = math.Min(best, sum/float64(len(changes)))
		}
	}
	return best
}

func meanAbs(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += math.Abs(x)
	}
	return s / float64(max(len(v), 1))
}

func pearson(a, b []float64) float64 {
	n := float64(len(a))
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma, mb = ma/n, mb/n
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}
