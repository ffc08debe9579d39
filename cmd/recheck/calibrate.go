package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"runtime"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/facematch/calibrate"
)

// calibrateCmd: recheck calibrate [--shared DIR] [--write FILE]
// [--pairs-out FILE] [--plot-dir DIR]. Fits the score mapping on the shared labelled photos
// (facematch/calibrate), prints the tables and writes the mapping
// (facematch/calibration.json) when asked. With --folders DIR it fits the
// configured embedder (RECHECK_EMBEDDER) alone on a school's own photos,
// one folder per person, and writes its mapping to --write or, for the
// embedder of RECHECK_EMBEDDER_SPEC, to the spec's calibration file.
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
	folders := fs.String("folders", "", "fit the configured embedder alone on this folder of photos, one folder per person")
	plot := fs.String("plot", "", "with --folders: draw the DET curve under the new mapping to this .svg, .png or .pdf file")
	if _, err := parseArgs(fs, args); err != nil {
		return exitFailure, err
	}
	if *folders != "" {
		return calibrateFolders(ctx, cfg, *folders, *write, *plot, stdout)
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
		if err := writeJSON(*write, fitted, 0o644); err != nil {
			return exitFailure, err
		}
		fmt.Fprintf(stdout, "\nwrote %s\n", *write)
	}
	return exitOK, nil
}

// calibrateFolders is recheck calibrate --folders DIR.
func calibrateFolders(ctx context.Context, cfg *Config, folders, write, plot string, stdout io.Writer) (int, error) {
	spec, err := cfg.Faces.Spec()
	if err != nil {
		return exitFailure, err
	}
	name := cfg.Faces.Embedder
	if write == "" {
		if spec == nil || spec.Name != name {
			return exitFailure, usageError{fmt.Sprintf("--folders fits %s, a built-in embedder whose mapping is compiled in: give --write FILE to keep the fit, or set RECHECK_EMBEDDER_SPEC and RECHECK_EMBEDDER to fit your own", name)}
		}
		write = spec.CalibrationPath()
	}
	ids, err := calibrate.PersonFolders(folders)
	if err != nil {
		return exitBadInput, err
	}
	set := calibrate.AllPairs(filepath.Base(filepath.Clean(folders)), ids)
	m, err := startOffline(cfg, runtime.NumCPU(), true, name)
	if err != nil {
		return exitFailure, err
	}
	defer m.Close()
	fitted, curves, err := calibrate.FitFolders(ctx, m, cfg.Limits, name, set, stdout)
	if err != nil {
		return exitBadInput, err
	}
	if plot != "" {
		if err := calibrate.PlotDET(plot, "DET: "+set.Name, curves); err != nil {
			return exitFailure, err
		}
		fmt.Fprintf(stdout, "\nwrote %s\n", plot)
	}
	if err := writeJSON(write, fitted, 0o644); err != nil {
		return exitFailure, err
	}
	fmt.Fprintf(stdout, "\nwrote %s (pipeline %s)\n", write, fitted.Pipeline)
	return exitOK, nil
}
