package main

import (
	"context"
	"fmt"
	"image"
	"io"
	"os"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
)

// standardizeOutput is the JSON of `recheck standardize --json`.
type standardizeOutput struct {
	OK       bool              `json:"ok"`
	Findings []imaging.Finding `json:"findings"`
	// Review lists the flags a reviewer would see for a photo that passed.
	Review   []imaging.Finding `json:"review,omitempty"`
	Measures imaging.Measures  `json:"measures"`
	Input    imaging.Info      `json:"input"`
	Face     *faceJSON         `json:"face"`
	Output   *outputJSON       `json:"output"`
}

type faceJSON struct {
	Box        [4]int        `json:"box"`
	Landmarks  [][2]int      `json:"landmarks"`
	Descriptor *[128]float32 `json:"descriptor,omitempty"`
}

type outputJSON struct {
	Path    string `json:"path"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Bytes   int    `json:"bytes"`
	Quality int    `json:"quality"`
	// Padding is the comment filler that brought the file up to the
	// profile's min_kb, in bytes.
	Padding int    `json:"padding,omitempty"`
	Profile string `json:"profile"`
}

// standardizeCmd: recheck standardize IN OUT.jpg [--json]. Exit 0 when the
// output was written, 3 when the photo was rejected for quality, 2 when the
// input is unreadable or unsupported.
func standardizeCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (int, error) {
	o, pos, err := newOffline("standardize", args, getenv, stdout, 2, nil)
	if err != nil {
		return exitFailure, err
	}
	in, out := pos[0], pos[1]
	data, err := readInput(in)
	if err != nil {
		return o.fail(err, "input")
	}
	m, err := facematch.NewMatcher(o.cfg.Faces, 1, facematch.EmbedderArcFace)
	if err != nil {
		return exitFailure, err
	}
	defer m.Close()
	res, err := imaging.Standardize(ctx, data, imaging.Options{
		Profile: o.profile, Limits: o.cfg.Limits, Detector: m.Detectors(), SecondLook: m.SecondLook(), PoseReader: m.PoseReader(), DetectSize: o.cfg.Vision.DetectSize,
		FaceReader: m.FaceReader(),
	})
	if err != nil {
		return o.fail(err, "input")
	}
	so := standardizeOutput{OK: res.OK, Findings: res.Findings, Review: res.Review, Measures: res.Measures, Input: res.Input, Face: faceOf(res.Face)}
	code := exitRejected
	if res.OK {
		if err := os.WriteFile(out, res.Output.JPEG, 0o644); err != nil {
			return exitFailure, fmt.Errorf("write %s: %w", out, err)
		}
		so.Output = &outputJSON{Path: out, Width: res.Output.Width, Height: res.Output.Height, Bytes: len(res.Output.JPEG), Quality: res.Output.Quality, Padding: res.Output.Padding, Profile: o.profile.Name}
		code = exitOK
	}
	err = o.emit(so, func(w io.Writer) {
		if res.OK {
			fmt.Fprintf(w, "ok: %s (%d × %d, %d bytes, quality %d)\n", out, so.Output.Width, so.Output.Height, so.Output.Bytes, so.Output.Quality)
			return
		}
		fmt.Fprintln(w, "rejected:")
		for _, f := range res.Findings {
			fmt.Fprintf(w, "  %s (value %g, limit %g): %s\n", f.Code, f.Value, f.Limit, f.MessageZH)
		}
	})
	return code, err
}

func faceOf(f *imaging.Face) *faceJSON {
	if f == nil {
		return nil
	}
	fj := newFaceJSON(f.Box, f.Landmarks, 1)
	return &fj
}

// newFaceJSON describes a face as [x, y, w, h] and landmark points, scaled
// into the original photo's pixels.
func newFaceJSON(box image.Rectangle, landmarks []image.Point, scale float64) faceJSON {
	r := func(v int) int { return int(float64(v)*scale + 0.5) }
	fj := faceJSON{Box: [4]int{r(box.Min.X), r(box.Min.Y), r(box.Dx()), r(box.Dy())}, Landmarks: [][2]int{}}
	for _, p := range landmarks {
		fj.Landmarks = append(fj.Landmarks, [2]int{r(p.X), r(p.Y)})
	}
	return fj
}
