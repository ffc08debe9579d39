package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/hibiken/asynq"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/reprocess"
)

// reprocessCmd: recheck reprocess --school S [--cohort C] [--state
// blocked,failed] [--stage resume|match|standardize] [--since T]
// [--dry-run] [--new] [--no-wait] [--json]. Starts (or continues) a batch
// and follows it to the end: a bar on a terminal, a line every 5 seconds
// otherwise, then done / changed / unchanged / failed. Interrupted, the
// tasks already queued go on; the same command continues the batch.
func reprocessCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("reprocess", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return exitFailure, err
	}
	var p reprocess.Params
	fs.StringVar(&p.School, "school", "", "the school's code (required)")
	fs.StringVar(&p.Cohort, "cohort", "", "only this cohort")
	states := fs.String("state", "", "comma-separated states (default: failed,on_hold for resume; blocked,pending_review for match; awaiting_confirmation,pending_review,approved for standardize)")
	fs.StringVar(&p.Stage, "stage", reprocess.StageResume, "resume (failed and CTID-waiting captures), match (re-score) or standardize (the school's current profile)")
	since := fs.String("since", "", "only captures submitted at or after this time (RFC 3339, or 2006-01-02)")
	dry := fs.Bool("dry-run", false, "count the matching captures by state; change nothing")
	fs.BoolVar(&p.New, "new", false, "a new batch even if these parameters ran before")
	noWait := fs.Bool("no-wait", false, "queue the batch and return")
	asJSON := fs.Bool("json", false, "print the final status as JSON")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitFailure, err
	}
	if len(pos) > 0 {
		return exitFailure, usageError{"reprocess takes no arguments; use --school S"}
	}
	for _, s := range list(*states) {
		p.States = append(p.States, capture.State(s))
	}
	if *since != "" {
		t, err := time.Parse(time.RFC3339, *since)
		if err != nil {
			t, err = time.ParseInLocation("2006-01-02", *since, time.FixedZone("CST", 8*3600))
		}
		if err != nil {
			return exitBadInput, usageError{fmt.Sprintf("--since %q: use RFC 3339 (2026-09-01T08:00:00+08:00) or a date (2026-09-01)", *since)}
		}
		p.Since = t
	}
	if err := p.Normalize(); err != nil {
		return exitBadInput, usageError{err.Error()}
	}
	rdb, err := connectRedis(ctx, cfg)
	if err != nil {
		return exitFailure, err
	}
	defer rdb.Close()
	repo, _, err := openRepository(ctx, cfg, rdb)
	if err != nil {
		return exitFailure, err
	}
	q := asynq.NewClientFromRedisClient(rdb)
	defer q.Close()
	svc := &reprocess.Service{Repo: repo, Redis: rdb, Queue: q}
	if *dry {
		ids, byState, err := svc.Select(ctx, p)
		if err != nil {
			return exitFailure, err
		}
		if *asJSON {
			return exitOK, json.NewEncoder(stdout).Encode(map[string]any{"dry_run": true, "batch": p.ID(), "matching": len(ids), "by_state": byState})
		}
		fmt.Fprintf(stdout, "dry run: batch %s would %s %d captures of %s", p.ID(), p.Stage, len(ids), p.School)
		for _, s := range p.States {
			fmt.Fprintf(stdout, "; %s %d", s, byState[s])
		}
		fmt.Fprintln(stdout)
		return exitOK, nil
	}
	st, enqueued, err := svc.Start(ctx, p, "cli:"+getenv("USER"))
	if err != nil {
		return exitFailure, err
	}
	fmt.Fprintf(stderr, "batch %s: %d captures, %d queued now, %d done before\n", st.ID, st.Total, enqueued, st.Done)
	if !*noWait {
		bar := newProgress(stderr, "reprocess "+st.ID)
		for !st.Finished {
			select {
			case <-ctx.Done():
				bar.finish()
				fmt.Fprintf(stderr, "interrupted: the queued tasks go on; run the same command to follow or continue batch %s\n", st.ID)
				return exitFailure, nil
			case <-time.After(500 * time.Millisecond):
			}
			if st, err = svc.Status(ctx, st.ID); err != nil && !errors.Is(err, context.Canceled) {
				return exitFailure, err
			}
			bar.update(st.Done, st.Total, fmt.Sprintf("changed %d, unchanged %d, failed %d", st.Outcomes["changed"], st.Outcomes["unchanged"], st.Outcomes["failed"]))
		}
		bar.finish()
	}
	if *asJSON {
		return exitOK, json.NewEncoder(stdout).Encode(st)
	}
	fmt.Fprintf(stdout, "batch %s: done %d of %d; changed %d, unchanged %d, failed %d\n",
		st.ID, st.Done, st.Total, st.Outcomes["changed"], st.Outcomes["unchanged"], st.Outcomes["failed"])
	return exitOK, nil
}
