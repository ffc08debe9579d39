package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"time"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/export"
	"github.com/recheck/recheck/texts"
)

// exportCmd: recheck export --school S [--cohort C] --out FILE.zip. Writes
// the school's approved, standardized photos for CHSI (<document
// number>.jpg and manifest.csv); the file appears whole or not at all.
func exportCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return exitFailure, err
	}
	school := fs.String("school", "", "the school's code (required)")
	cohort := fs.String("cohort", "", "only this cohort (e.g. "+texts.SampleCohort+")")
	out := fs.String("out", "", "the zip to write (required)")
	user := fs.String("user", loginName(), "who exports, recorded with the export and printed with the summary")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitFailure, err
	}
	switch {
	case len(pos) > 0:
		return exitFailure, usageError{"export takes no arguments; use --school S --out F.zip"}
	case !capture.ValidID(*school):
		return exitBadInput, usageError{fmt.Sprintf("--school %q is not a school code", *school)}
	case *out == "":
		return exitBadInput, usageError{"--out FILE.zip is required"}
	}
	rdb, err := connectRedis(ctx, cfg)
	if err != nil {
		return exitFailure, err
	}
	defer rdb.Close()
	repo, store, err := openRepository(ctx, cfg, rdb)
	if err != nil {
		return exitFailure, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(*out), ".export-*.zip")
	if err != nil {
		return exitFailure, fmt.Errorf("export: %w", err)
	}
	defer os.Remove(tmp.Name())
	start := time.Now()
	p := newProgress(stderr, "export")
	sum, err := (&export.Exporter{Repo: repo, Store: store}).Write(ctx, export.Options{
		School: *school, Cohort: *cohort, User: "cli:" + *user,
		Progress: func(done, total int) { p.update(done, total, "") },
	}, tmp)
	p.finish()
	if errors.Is(err, export.ErrNothing) {
		tmp.Close()
		fmt.Fprintf(stdout, "nothing to export: school %s has no approved capture%s\n", *school, map[bool]string{true: " in cohort " + *cohort}[*cohort != ""])
		return exitRejected, nil
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), *out)
	}
	if err != nil {
		return exitFailure, err
	}
	fmt.Fprintf(stdout, "wrote %s: %d photos of %d students (%d skipped, see manifest.csv) in %s, for %s\n",
		*out, sum.Photos, sum.Students, sum.Skipped, time.Since(start).Round(time.Millisecond), *user)
	return exitOK, nil
}

// loginName is the name of the user running the command: $USER, else the
// account's name, else its uid.
func loginName() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "uid" + strconv.Itoa(os.Getuid())
}
