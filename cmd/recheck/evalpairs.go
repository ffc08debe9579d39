package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"runtime"

	"github.com/recheck/recheck/facematch/calibrate"
)

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

// evalPairsCmd: recheck eval-pairs PAIRS.csv (a,b,same rows), or recheck
// eval-pairs --folders DIR (one folder per person, every pair of photos).
// Scores every pair with every embedder and prints, per embedder, the
// figures docs/face-comparison.md's calibration table gives (false accepts and false
// rejects at 80, false rejects at false-accept rates of 0.1 % and 0.01 %
// when there are enough different-person pairs to show them) and the ROC
// points (rates as the line moves), so that a school can check the line on
// its own photos; --plot F draws the DET curves (calibrate.PlotDET). Same-person pairs with a photo without a single face
// count as false rejects, as the service would turn the student away.
func evalPairsCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("eval-pairs", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return exitFailure, err
	}
	folders := fs.String("folders", "", "a folder with one folder of photos per person; every pair of its photos is scored")
	plotPath := fs.String("plot", "", "also draw the DET curves (false rejects against false accepts, log scales, the score lines marked, 80 ringed) to this .svg, .png or .pdf file")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitFailure, err
	}
	var set calibrate.PairSet
	switch {
	case *folders != "" && len(pos) == 0:
		ids, err := calibrate.PersonFolders(*folders)
		if err != nil {
			return exitBadInput, err
		}
		set = calibrate.AllPairs(filepath.Base(filepath.Clean(*folders)), ids)
	case *folders == "" && len(pos) == 1:
		if set, err = calibrate.CSVPairs(pos[0], pos[0], "", true); err != nil {
			return exitBadInput, err
		}
	default:
		return exitFailure, usageError{"want one CSV file of a,b,same rows, or --folders DIR with one folder per person"}
	}
	names, err := cfg.Faces.Names()
	if err != nil {
		return exitFailure, err
	}
	m, err := startOffline(cfg, runtime.NumCPU(), false, names...)
	if err != nil {
		return exitFailure, err
	}
	defer m.Close()
	curves := calibrate.Report(ctx, m, cfg.Limits, set, stdout)
	if *plotPath != "" {
		if err := calibrate.PlotDET(*plotPath, "DET: "+set.Name, curves); err != nil {
			return exitFailure, err
		}
		fmt.Fprintf(stdout, "\nwrote %s\n", *plotPath)
	}
	return exitOK, nil
}
