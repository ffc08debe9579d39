package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/recheck/recheck/internal/loadtest"
	"github.com/recheck/recheck/internal/redisconn"
)

// loadCmd: recheck load --captures N --concurrency C [--school S]
// [--photos DIR] [--size 12mp|1mp|as-is] [--json]. Drives a running
// service as the upstream and a reviewer do and reports what it measured
// (package loadtest).
func loadCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	// The settings come from the environment only: the service's own
	// -concurrency flag would clash with the load's.
	cfg, err := loadConfig(nil, getenv)
	if err != nil {
		return exitFailure, err
	}
	opt := loadtest.Options{}
	fs.StringVar(&opt.Base, "url", "", "the API's base URL; empty: http:// and RECHECK_HTTP_ADDR")
	fs.IntVar(&opt.Captures, "captures", 100, "captures to drive")
	fs.IntVar(&opt.Concurrency, "concurrency", 8, "students at once (with --rate: at most)")
	fs.Float64Var(&opt.Rate, "rate", 0, "start a capture every 1/rate seconds (an open loop, as students arrive); 0: keep --concurrency busy")
	fs.StringVar(&opt.School, "school", "load", "the school code the synthetic students belong to")
	fs.StringVar(&opt.Photos, "photos", "/tmp/recheck-load-photos", "a labelled folder: one subfolder per person (first photo on file, last one shot), or <person>__… files; scripts/load-photos.sh makes one from the shared portraits")
	fs.StringVar(&opt.Size, "size", loadtest.Size1MP, "captured photos: 12mp, 1mp (phone-like JPEGs made from the folder's) or as-is")
	tokenFile := fs.String("token-file", devDir+"/tokens/admin", "file holding an admin's API token, who approves and reads /metrics (make dev writes this one)")
	asJSON := fs.Bool("json", false, "end with one JSON object")
	if _, err := parseArgs(fs, args); err != nil {
		return exitFailure, err
	}
	if opt.Base == "" {
		opt.Base = "http://" + cfg.Intake.Addr
	}
	token, err := os.ReadFile(*tokenFile)
	if err != nil {
		return exitFailure, usageError{fmt.Sprintf("load approves as an admin with an API token: %v (make dev writes one; or recheck new-token and --token-file)", err)}
	}
	opt.Token = strings.TrimSpace(string(token))
	if cfg.Intake.UpstreamKeys == "" {
		return exitFailure, usageError{"load signs with a key of RECHECK_UPSTREAM_KEYS, which is not set"}
	}
	keys, err := upstreamKeys(cfg)
	if err != nil {
		return exitFailure, err
	}
	for _, k := range keys {
		if opt.KeyID == "" || k.ID < opt.KeyID {
			opt.KeyID, opt.Secret = k.ID, k.Secret
		}
	}
	if rdb, err := redisconn.Open(cfg.Redis.URL); err == nil {
		defer rdb.Close()
		opt.Redis = rdb
	}
	if err := startOfflineLogs(); err != nil {
		return exitFailure, err
	}
	bar := newProgress(stderr, "load")
	opt.Progress = func(done, total int, outcomes map[string]int) { bar.update(done, total, outcomeNote(outcomes)) }
	rep, err := loadtest.Run(ctx, opt)
	bar.finish()
	if err != nil {
		return exitFailure, err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		return exitOK, enc.Encode(rep)
	}
	fmt.Fprintf(stdout, "%d admission photos registered first in %.1f s (%.1f/s), outside the figures below\n", rep.Admissions.Count, rep.Admissions.Seconds, rep.Admissions.Rate)
	fmt.Fprintf(stdout, "%d captures (%s, mean %d KB) in %.1f s: %.2f captures/s\n", rep.Captures, rep.Size, rep.InputBytes["mean"]/1024, rep.Seconds, rep.Rate)
	fmt.Fprintf(stdout, "submit to result: p50 %.0f ms, p95 %.0f ms, p99 %.0f ms\n", rep.LatencyP50, rep.LatencyP95, rep.LatencyP99)
	fmt.Fprintf(stdout, "per capture: CPU %.3f s; stages (ms) standardize %.1f, match %.1f, ctid %.1f, notify %.1f; Redis commands %.0f\n",
		rep.CPUSeconds, rep.StageMS["standardize"], rep.StageMS["match"], rep.StageMS["ctid"], rep.StageMS["notify"], rep.RedisPerCap)
	fmt.Fprintf(stdout, "peak RSS %.0f MB; outcomes: %s\n", rep.PeakRSSMB, outcomeNote(rep.Outcomes))
	if len(rep.RSS) > 1 {
		var pts []string
		for _, p := range rep.RSS {
			pts = append(pts, fmt.Sprintf("%d: %.0f", p.Captures, p.PeakMB))
		}
		fmt.Fprintf(stdout, "peak RSS (MB) by captures done: %s\n", strings.Join(pts, ", "))
	}
	for i, e := range rep.Errors {
		if i == 5 {
			fmt.Fprintf(stdout, "… and %d more errors\n", len(rep.Errors)-5)
			break
		}
		fmt.Fprintln(stdout, "error:", e)
	}
	if len(rep.Errors) > 0 {
		return exitFailure, nil
	}
	return exitOK, nil
}

func outcomeNote(o map[string]int) string {
	var parts []string
	for k, v := range o {
		parts = append(parts, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
