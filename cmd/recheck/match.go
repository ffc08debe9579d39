package main

import (
	"context"
	"fmt"
	"io"

	"github.com/recheck/recheck/facematch"
)

type matchOutput struct {
	Score      float64 `json:"score"`
	Distance   float64 `json:"distance"`
	SamePerson bool    `json:"same_person"`
	Embedder   string  `json:"embedder"`
	PassScore  float64 `json:"pass_score"`
}

// matchCmd: recheck match PROBE REFERENCE [--json]. Scores the single face
// of each photo; same_person means score ≥ 80. Exit 2 when either photo is
// unreadable or does not show exactly one face, naming which and why.
func matchCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (int, error) {
	o, pos, err := newOffline("match", args, getenv, stdout, 2, nil)
	if err != nil {
		return exitFailure, err
	}
	pool, err := o.pool()
	if err != nil {
		return exitFailure, err
	}
	defer pool.Close()
	var faces [2]facematch.Face
	for i, name := range []string{"probe", "reference"} {
		data, err := readInput(pos[i])
		if err == nil {
			faces[i], err = pool.DescribeOne(ctx, data, o.cfg.Limits, o.maxSide)
		}
		if err != nil {
			return o.fail(err, name)
		}
	}
	d := facematch.Distance(faces[0].Descriptor, faces[1].Descriptor)
	score := facematch.DlibCalibration.Score(d)
	out := matchOutput{Score: score, Distance: float64(int64(d*10000+0.5)) / 10000, SamePerson: score >= facematch.PassScore, Embedder: "dlib", PassScore: facematch.PassScore}
	return exitOK, o.emit(out, func(w io.Writer) {
		verdict := "different people"
		if out.SamePerson {
			verdict = "same person"
		}
		fmt.Fprintf(w, "score %.1f (distance %.4f): %s\n", out.Score, out.Distance, verdict)
	})
}
