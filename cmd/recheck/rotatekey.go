package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/recheck/recheck/capture/redisstore"
	"github.com/recheck/recheck/seal"
)

// rotateKeyCmd: recheck rotate-key new [ID] | use ID | reseal [--json].
// Rotates the key that seals personal data, in three steps so that no
// process meets a key it does not know: "new" adds a key to the keyring
// file (restart every role so they can open with it), "use" makes it the
// one that seals (restart again), "reseal" re-encrypts every capture and
// journey, in Redis and storage, with it. Old keys may then be removed.
func rotateKeyCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("rotate-key", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return exitFailure, err
	}
	asJSON := fs.Bool("json", false, "print the reseal report as JSON")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitFailure, err
	}
	if len(pos) == 0 {
		return exitFailure, usageError{"rotate-key needs a step: new [ID], use ID or reseal"}
	}
	file := cfg.Seal.File
	switch pos[0] {
	case "new", "use":
		if file == "" {
			return exitFailure, usageError{"rotate-key " + pos[0] + " edits the keyring file of RECHECK_DATA_KEYS; a single RECHECK_DATA_KEY cannot rotate"}
		}
		id := "k" + time.Now().UTC().Format("20060102-1504")
		if len(pos) > 1 {
			id = pos[1]
		} else if pos[0] == "use" {
			return exitFailure, usageError{"rotate-key use needs the key's ID"}
		}
		if pos[0] == "new" {
			if err := seal.AddKey(file, id); err != nil {
				return exitFailure, err
			}
			fmt.Fprintf(stdout, "added key %s to %s; restart every role, then run: recheck rotate-key use %s\n", id, file, id)
			return exitOK, nil
		}
		if err := seal.UsePrimary(file, id); err != nil {
			return exitFailure, err
		}
		fmt.Fprintf(stdout, "key %s now seals; restart every role, then run: recheck rotate-key reseal\n", id)
		return exitOK, nil
	case "reseal":
	default:
		return exitFailure, usageError{fmt.Sprintf("unknown step %q: new [ID], use ID or reseal", pos[0])}
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
	rep, err := repo.Reseal(ctx, func(r redisstore.ResealReport) {
		fmt.Fprintf(stderr, "\rreseal: %d documents, %d captures and %d journeys sealed anew", r.Seen, r.Captures, r.Journeys)
	})
	fmt.Fprintln(stderr)
	if err != nil {
		return exitFailure, err
	}
	if *asJSON {
		return exitOK, json.NewEncoder(stdout).Encode(rep)
	}
	fmt.Fprintf(stdout, "sealed %d captures and %d journeys anew; %d were current\n", rep.Captures, rep.Journeys, rep.Current)
	return exitOK, nil
}
