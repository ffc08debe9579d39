package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/facematch/calibrate"
)

// calibrateCmd: recheck calibrate [--shared DIR] [--write FILE]
// [--pairs-out FILE] [--plot-dir DIR]. Fits the score mapping on the shared labelled photos
// (facematch/calibrate), prints the tables and writes the mapping
// (facematch/calibration.json) when asked.
func calibrateCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return exitFailure, err
	}
	var opt calibrate.Options
	fs.StringVar(&opt.Shared, "shared", "../shared/testdata", "the shared testdata folder (never its holdout)")
	write := fs.String("write", "", "write the fitted calibration JSON here")
	fs.StringVar(&opt.PairsOut, "pairs-out", "", "write every scored ID-style pair (set, embedder, a, b, same, distance) here as TSV")
	fs.StringVar(&opt.PlotDir, "plot-dir", "", "write the DET curves of the ID-style sets here (det-id-style.svg, det-id-style-nuaa.svg)")
	if _, err := parseArgs(fs, args); err != nil {
		return exitFailure, err
	}
	m, err := startOffline(cfg, runtime.NumCPU(), true, facematch.EmbedderNames...)
	if err != nil {
		return exitFailure, err
	}
	defer m.Close()
	fitted, err := calibrate.Run(ctx, m, cfg.Limits, opt, stdout)
	if err != nil {
		return exitFailure, err
	}
	if *write != "" {
		raw, err := json.MarshalIndent(fitted, "", "  ")
		if err != nil {
			return exitFailure, err
		}
		if err := os.WriteFile(*write, append(raw, '\n'), 0o644); err != nil {
			return exitFailure, err
		}
		fmt.Fprintf(stdout, "\nwrote %s\n", *write)
	}
	return exitOK, nil
}
