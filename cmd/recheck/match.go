package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/facematch/calibrate"
	"github.com/recheck/recheck/imaging"
)

// passScore is the default policy line the CLI reports same_person by: the
// capture rules' own (a school may set another).
var passScore = capture.DefaultRules().PassScore

// embedderScore is one embedder's verdict on a pair.
type embedderScore struct {
	Score      float64 `json:"score"`
	Distance   float64 `json:"distance"`
	SamePerson bool    `json:"same_person"`
}

type matchOutput struct {
	Score      float64 `json:"score"`
	Distance   float64 `json:"distance"`
	SamePerson bool    `json:"same_person"`
	Embedder   string  `json:"embedder"`
	PassScore  float64 `json:"pass_score"`
	// All holds every embedder's verdict, with --all.
	All map[string]embedderScore `json:"all,omitempty"`
}

// pairLine is one line of `recheck match --pairs --json`.
type pairLine struct {
	A          string   `json:"a"`
	B          string   `json:"b"`
	Score      *float64 `json:"score,omitempty"`
	Distance   *float64 `json:"distance,omitempty"`
	SamePerson *bool    `json:"same_person,omitempty"`
	Error      string   `json:"error,omitempty"`
}

// matchCmd: recheck match PROBE REFERENCE [--json] [--all], or recheck
// match --pairs PAIRS.csv --json. Scores the single face of each photo with
// the configured embedder (RECHECK_EMBEDDER, or -embedder), or every one
// with --all; same_person means score ≥ 80. Exit 2 when either photo is
// unreadable or does not show exactly one face, naming which and why.
func matchCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (int, error) {
	var all bool
	var pairs string
	extra := func(fs *flag.FlagSet) {
		fs.BoolVar(&all, "all", false, "report every embedder's score and distance")
		fs.StringVar(&pairs, "pairs", "", "score the pairs of a CSV file (a,b per line), one JSON line each")
	}
	want := 2
	for _, a := range args {
		if a == "--pairs" || a == "-pairs" || len(a) > 8 && (a[:8] == "--pairs=" || a[:7] == "-pairs=") {
			want = 0
		}
	}
	o, pos, err := newOffline("match", args, getenv, stdout, want, extra)
	if err != nil {
		return exitFailure, err
	}
	names := []string{o.cfg.Faces.Embedder}
	if all {
		if names, err = o.cfg.Faces.Names(); err != nil {
			return exitFailure, err
		}
	}
	slots := 1
	if pairs != "" {
		slots = runtime.NumCPU()
	}
	m, err := facematch.NewMatcher(o.cfg.Faces, slots, names...)
	if err != nil {
		return exitFailure, err
	}
	defer m.Close()
	if pairs != "" {
		return matchPairs(ctx, o, m, pairs)
	}
	var descs [2]*facematch.Description
	for i, name := range []string{"probe", "reference"} {
		data, err := readInput(pos[i])
		if err == nil {
			descs[i], err = m.Describe(ctx, data, o.cfg.Limits)
		}
		if err != nil {
			return o.fail(err, name)
		}
	}
	out := matchOutput{Embedder: m.Default(), PassScore: passScore}
	if all {
		out.All = map[string]embedderScore{}
	}
	for _, n := range m.Embedders() {
		d, s, err := m.Compare(n, descs[0].Vectors[n], descs[1].Vectors[n])
		if err != nil {
			return exitFailure, err
		}
		es := embedderScore{Score: s, Distance: round4(d), SamePerson: s >= passScore}
		if n == m.Default() {
			out.Score, out.Distance, out.SamePerson = es.Score, es.Distance, es.SamePerson
		}
		if all {
			out.All[n] = es
		}
	}
	return exitOK, o.emit(out, func(w io.Writer) {
		for _, n := range m.Embedders() {
			s := embedderScore{out.Score, out.Distance, out.SamePerson}
			if all {
				s = out.All[n]
			} else if n != m.Default() {
				continue
			}
			verdict := "different people"
			if s.SamePerson {
				verdict = "same person"
			}
			fmt.Fprintf(w, "%s: score %.1f (distance %.4f): %s\n", n, s.Score, s.Distance, verdict)
		}
	})
}

// matchPairs scores every pair of a CSV file in one process, describing
// each photo once, and prints one JSON object per line.
func matchPairs(ctx context.Context, o *offline, m *facematch.Matcher, path string) (int, error) {
	set, err := calibrate.CSVPairs(path, path, "", false)
	if err != nil {
		return exitBadInput, err
	}
	var paths []string
	for _, p := range set.Pairs {
		paths = append(paths, p.A, p.B)
	}
	desc := calibrate.DescribeAll(ctx, m, o.cfg.Limits, paths)
	enc := json.NewEncoder(o.out)
	enc.SetEscapeHTML(false)
	n := m.Default()
	for _, p := range set.Pairs {
		line := pairLine{A: p.A, B: p.B}
		a, b := desc[p.A], desc[p.B]
		switch {
		case a.Err != nil:
			line.Error = "a: " + reason(a.Err)
		case b.Err != nil:
			line.Error = "b: " + reason(b.Err)
		default:
			d, s, err := m.Compare(n, a.Description.Vectors[n], b.Description.Vectors[n])
			if err != nil {
				return exitFailure, err
			}
			d = round4(d)
			same := s >= passScore
			line.Score, line.Distance, line.SamePerson = &s, &d, &same
		}
		if err := enc.Encode(line); err != nil {
			return exitFailure, err
		}
	}
	return exitOK, nil
}

// reason says in a few words why a photo could not be described.
func reason(err error) string {
	var fc *facematch.FaceCountError
	var ie *imaging.Error
	switch {
	case asErr(err, &fc) && fc.Count == 0:
		return "no face"
	case asErr(err, &fc):
		return fmt.Sprintf("%d faces", fc.Count)
	case asErr(err, &ie):
		return ie.Code + ": " + ie.Message
	}
	return err.Error()
}

func round4(x float64) float64 { return float64(int64(x*10000+0.5)) / 10000 }
