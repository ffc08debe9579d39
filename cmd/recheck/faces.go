package main

import (
	"context"
	"fmt"
	"io"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
)

type facesOutput struct {
	Faces []faceJSON `json:"faces"`
}

// facesCmd: recheck faces IMG [--json]. Lists the faces go-face's pipeline
// (HOG, 5-point landmarks, ResNet descriptor) finds, left to right, in the
// photo's own pixels. Exit 2 for unreadable input.
func facesCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (int, error) {
	o, pos, err := newOffline("faces", args, getenv, stdout, 1, nil)
	if err != nil {
		return exitFailure, err
	}
	data, err := readInput(pos[0])
	if err != nil {
		return o.fail(err, "input")
	}
	prep, err := imaging.Prepare(data, o.cfg.Limits, o.maxSide)
	if err != nil {
		return o.fail(err, "input")
	}
	pool, err := o.pool()
	if err != nil {
		return exitFailure, err
	}
	defer pool.Close()
	faces, err := pool.Faces(ctx, prep.JPEG)
	if err != nil {
		return o.fail(err, "input")
	}
	out := facesOutput{Faces: []faceJSON{}}
	for _, f := range faces {
		out.Faces = append(out.Faces, faceJSONOf(f, prep.Scale))
	}
	return exitOK, o.emit(out, func(w io.Writer) {
		fmt.Fprintf(w, "%d face(s)\n", len(out.Faces))
		for i, f := range out.Faces {
			fmt.Fprintf(w, "  %d: box x=%d y=%d w=%d h=%d\n", i+1, f.Box[0], f.Box[1], f.Box[2], f.Box[3])
		}
	})
}

// faceJSONOf describes a face found on a prepared copy in the original's
// pixels, with its descriptor.
func faceJSONOf(f facematch.Face, scale float64) faceJSON {
	fj := newFaceJSON(f.Box, f.Landmarks, scale)
	d := [128]float32(f.Descriptor)
	fj.Descriptor = &d
	return fj
}
