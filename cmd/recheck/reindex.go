package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/capture/redisstore"
	"github.com/recheck/recheck/internal/redisconn"
	"github.com/recheck/recheck/jobs"
	"github.com/recheck/recheck/seal"
	"github.com/recheck/recheck/storage"
)

// reindexCmd: recheck reindex [--school S] [--json]. Rebuilds Redis from the
// durable copies in storage (after Redis lost its data, or to repair
// indexes): every capture record with its indexes, every journey with its
// counters and case, every admission photo reference, and hands the
// unfinished work back to the queues. Progress goes to stderr.
func reindexCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return exitFailure, err
	}
	school := fs.String("school", "", "rebuild one school only (its code); empty: every school")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitFailure, err
	}
	if len(pos) > 0 {
		return exitFailure, usageError{"reindex takes no arguments; use --school S"}
	}
	if *school != "" && !capture.ValidID(*school) {
		return exitBadInput, usageError{fmt.Sprintf("--school %q is not a school code", *school)}
	}
	if err := cfg.Storage.Validate(); err != nil {
		return exitFailure, err
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
	start := time.Now()
	rep, err := repo.Reindex(ctx, *school, func(r redisstore.ReindexReport) {
		fmt.Fprintf(stderr, "\rreindex: %d/%d objects, %d captures, %d journeys, %d admission photos", r.Seen, r.Total, r.Captures, r.Journeys, r.AdmissionPhotos)
	})
	fmt.Fprintln(stderr)
	if err != nil {
		return exitFailure, err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		return exitOK, enc.Encode(rep)
	}
	fmt.Fprintf(stdout, "rebuilt %d captures, %d journeys and %d admission photo references from %d stored objects in %s; %d already current; %d follow-ups handed to the queues\n",
		rep.Captures, rep.Journeys, rep.AdmissionPhotos, rep.Total, time.Since(start).Round(time.Millisecond), rep.Current, rep.Dispatched)
	for _, k := range rep.Unreadable {
		fmt.Fprintf(stdout, "unreadable, skipped: %s\n", k)
	}
	return exitOK, nil
}

// connectRedis connects to the configured Redis, failing clearly when it
// does not answer.
func connectRedis(ctx context.Context, cfg *Config) (*redis.Client, error) {
	rdb, err := redisconn.Open(cfg.Redis.URL)
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("cannot reach Redis at %s: %w", redisconn.Redact(cfg.Redis.URL), err)
	}
	return rdb, nil
}

// openRepository opens storage and the keyring and returns the repository
// of a maintenance command, dispatching follow-ups to the queues, and its
// store.
func openRepository(ctx context.Context, cfg *Config, rdb *redis.Client) (*redisstore.Repository, storage.Store, error) {
	keys, err := seal.Load(cfg.Seal)
	if err != nil {
		return nil, nil, err
	}
	store, err := storage.Open(ctx, cfg.Storage)
	if err != nil {
		return nil, nil, err
	}
	return redisstore.New(redisstore.Params{
		Redis: rdb, Store: store, Sealer: keys, Dispatcher: jobs.Dispatcher{Queue: asynq.NewClientFromRedisClient(rdb)},
	}), store, nil
}
