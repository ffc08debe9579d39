package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"

	"github.com/recheck/recheck/facematch"
)

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

// evalPairsCmd: recheck eval-pairs PAIRS.csv (a,b,same rows), or recheck
// eval-pairs --folders DIR (one folder per person, every pair of photos).
// Scores every pair with every embedder and prints, per embedder, the
// figures the README's calibration table gives (false accepts and false
// rejects at 80, false rejects at false-accept rates of 0.1 % and 0.01 %
// when there are enough different-person pairs to show them) and the ROC
// points (rates as the line moves), so that a school can check the line on
// its own photos. Same-person pairs with a photo without a single face
// count as false rejects, as the service would turn the student away.
func evalPairsCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("eval-pairs", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return exitFailure, err
	}
	folders := fs.String("folders", "", "a folder with one folder of photos per person; every pair of its photos is scored")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitFailure, err
	}
	var set pairSet
	switch {
	case *folders != "" && len(pos) == 0:
		ids, err := personFolders(*folders)
		if err != nil {
			return exitBadInput, err
		}
		set = allPairs(filepath.Base(filepath.Clean(*folders)), ids)
	case *folders == "" && len(pos) == 1:
		if set, err = csvPairs(pos[0], pos[0], "", true); err != nil {
			return exitBadInput, err
		}
	default:
		return exitFailure, usageError{"want one CSV file of a,b,same rows, or --folders DIR with one folder per person"}
	}
	if _, err := newLogger(LogConfig{Format: "console", Level: "warn"}, os.Stderr); err != nil {
		return exitFailure, err
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
	r := measure(m, desc, set)
	fmt.Fprintf(stdout, "%d pairs, %d skipped (a photo without a single face; %d of them same-person pairs, counted as false rejects)\n",
		len(set.pairs), r.skipped, r.unusable)
	reportUnusable(stdout, desc)
	fmt.Fprintln(stdout)
	ratesHeader(stdout)
	for _, n := range m.Embedders() {
		ratesRow(stdout, set.name, n, ratesOf(facematch.Calibrations[n].Knots, r.dists[n], r.unusable))
	}
	for _, n := range m.Embedders() {
		d := r.dists[n]
		cal := facematch.Calibrations[n].Knots
		far, frr := cal.Rates(d.genuine, d.impostor)
		fmt.Fprintf(stdout, "\n%s: %d same, %d different; at 80: false accepts %s, false rejects %s\n", n, len(d.genuine), len(d.impostor),
			rate(far, len(d.impostor)), rate(frr, len(d.genuine)))
		fmt.Fprintln(stdout, "  ROC: score line, distance, false-accept rate, false-reject rate (scored pairs)")
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

// reportUnusable lists the photos without a single face and why, at most
// ten of them, so that the operator can look at them.
func reportUnusable(w io.Writer, desc map[string]described) {
	var bad []string
	for p, d := range desc {
		if d.d == nil {
			bad = append(bad, p)
		}
	}
	sort.Strings(bad)
	for i, p := range bad {
		if i == 10 {
			fmt.Fprintf(w, "  … and %d more\n", len(bad)-10)
			break
		}
		fmt.Fprintf(w, "  %s: %v\n", p, desc[p].err)
	}
}
