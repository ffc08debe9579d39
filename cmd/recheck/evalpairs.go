package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"

	"github.com/recheck/recheck/facematch"
)

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

// evalPairsCmd: recheck eval-pairs PAIRS.csv (a,b,same). Scores every pair
// with every embedder and prints, per embedder, the false-accept and
// false-reject rates at 80 and the ROC points (rates as the line moves).
func evalPairsCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("eval-pairs", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return exitFailure, err
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitFailure, err
	}
	if len(pos) != 1 {
		return exitFailure, usageError{"want one CSV file of a,b,same rows"}
	}
	if _, err := newLogger(LogConfig{Format: "console", Level: "warn"}, os.Stderr); err != nil {
		return exitFailure, err
	}
	set, err := csvPairs(pos[0], pos[0], "", true)
	if err != nil {
		return exitBadInput, err
	}
	m, err := facematch.NewMatcher(cfg.Faces, runtime.NumCPU(), facematch.EmbedderNames...)
	if err != nil {
		return exitFailure, err
	}
	defer m.Close()
	var paths []string
	for _, p := range set.pairs {
		paths = append(paths, p.a, p.b)
	}
	desc := describeAll(ctx, m, cfg.Limits, paths)
	dists, skipped := measure(m, desc, set)
	fmt.Fprintf(stdout, "%d pairs, %d skipped (a photo without a single face)\n", len(set.pairs), skipped)
	for _, n := range m.Embedders() {
		d := dists[n]
		cal := facematch.Calibrations[n].Knots
		far, frr := cal.Rates(d.genuine, d.impostor)
		fmt.Fprintf(stdout, "\n%s: %d same, %d different; at 80: false accepts %s, false rejects %s\n", n, len(d.genuine), len(d.impostor),
			rate(far, len(d.impostor)), rate(frr, len(d.genuine)))
		fmt.Fprintln(stdout, "  ROC: score line, distance, false-accept rate, false-reject rate")
		for _, line := range []float64{95, 90, 85, 80, 75, 70, 60, 50} {
			dist := distanceAt(cal, line)
			fa, fr := 0, 0
			for _, x := range d.impostor {
				if x <= dist {
					fa++
				}
			}
			for _, x := range d.genuine {
				if x > dist {
					fr++
				}
			}
			fmt.Fprintf(stdout, "  %5.0f  %.4f  %7.3f %%  %7.3f %%\n", line, dist, pct(fa, len(d.impostor)), pct(fr, len(d.genuine)))
		}
	}
	return exitOK, nil
}

// distanceAt inverts a calibration: the largest distance scoring at least s.
func distanceAt(c facematch.Calibration, s float64) float64 {
	i := sort.Search(len(c), func(i int) bool { return c[i].Score < s })
	if i == 0 {
		return 0
	}
	if i == len(c) {
		return c[len(c)-1].Distance
	}
	a, b := c[i-1], c[i]
	return a.Distance + (a.Score-s)/(a.Score-b.Score)*(b.Distance-a.Distance)
}

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}
