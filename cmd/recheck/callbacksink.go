package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"

	"github.com/recheck/recheck/callback"
)

// callbackSinkCmd: recheck callback-sink [--addr A] [--key-id K --secret S]
// [--fail 500,503]. Receives callbacks, verifies each with the key of
// RECHECK_CALLBACKS (or --key-id and --secret), answers 401 to a bad
// signature, and prints each new delivery as one JSON line; --fail makes
// the first requests fail with those statuses.
func callbackSinkCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("callback-sink", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return err
	}
	addr := fs.String("addr", "127.0.0.1:8092", "listen address")
	keyID := fs.String("key-id", "", "the callback key's ID (default: RECHECK_CALLBACKS's)")
	secret := fs.String("secret", "", "the callback key's secret (default: RECHECK_CALLBACKS's)")
	failList := fs.String("fail", "", "comma-separated HTTP statuses the first requests answer")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if *keyID == "" && cfg.Callbacks.File != "" {
		s, err := callback.Load(cfg.Callbacks.File)
		if err != nil {
			return err
		}
		*keyID, *secret = s.KeyID, s.Secret
	}
	if *keyID == "" || *secret == "" {
		return usageError{"callback-sink needs the key: set RECHECK_CALLBACKS, or --key-id and --secret"}
	}
	var fails []int
	for _, v := range list(*failList) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 400 || n > 599 {
			return usageError{fmt.Sprintf("--fail: %q is not an HTTP error status", v)}
		}
		fails = append(fails, n)
	}
	l, err := newLogger(cfg.Log, stderr)
	if err != nil {
		return err
	}
	sink := callback.NewSink(map[string]string{*keyID: *secret})
	sink.Fail(fails...)
	var mu sync.Mutex
	enc := json.NewEncoder(stdout)
	sink.OnAccept = func(p callback.Payload) {
		mu.Lock()
		defer mu.Unlock()
		_ = enc.Encode(p)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("callback-sink: listen on %s: %w", *addr, err)
	}
	l.Info().Str("addr", "http://"+ln.Addr().String()).Str("key_id", *keyID).Msg("callback sink listening")
	return serveUntilDone(ctx, ln, sink)
}
