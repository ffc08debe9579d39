package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"

	"github.com/recheck/recheck/ctid/ctidsim"
	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
)

// ctidSimCmd: recheck ctid-sim [--addr A] [--latency D] [--error-rate F]
// [--outage]. Serves the CTID simulator: the gateway protocol, backed by
// RECHECK_CTID_SIM_REGISTRY, comparing portraits with recheck's matcher.
// Requests must be signed with RECHECK_CTID_APP_ID and RECHECK_CTID_KEY, or
// the development pair when those are unset.
func ctidSimCmd(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("ctid-sim", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return err
	}
	addr := fs.String("addr", "127.0.0.1:8090", "listen address")
	latency := fs.Duration("latency", 0, "added to every answer")
	errRate := fs.Float64("error-rate", 0, "chance (0-1) that a request fails with 503")
	outage := fs.Bool("outage", false, "fail every request with 503")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := cfg.CTIDSim.Validate(); err != nil {
		return err
	}
	if *errRate < 0 || *errRate > 1 {
		return usageError{"--error-rate must be 0-1"}
	}
	l, err := newLogger(cfg.Log, stderr)
	if err != nil {
		return err
	}
	imaging.Startup()
	m, err := facematch.NewMatcher(cfg.Faces, 2)
	if err != nil {
		return err
	}
	defer m.Close()
	key, app := cfg.CTID.Key, cfg.CTID.AppID
	if key == "" {
		key = ctidsim.DevKey
	}
	if app == "" {
		app = ctidsim.DevAppID
	}
	sim, err := ctidsim.New(ctidsim.Config{
		Registry: cfg.CTIDSim.Registry, Unknown: cfg.CTIDSim.Unknown, Key: key, AppID: app,
		Latency: *latency, ErrorRate: *errRate, Outage: *outage, Comparer: m,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("ctid-sim: listen on %s: %w", *addr, err)
	}
	l.Info().Str("addr", "http://"+ln.Addr().String()).Str("registry", cfg.CTIDSim.Registry).Msg("CTID simulator listening")
	return serveUntilDone(ctx, ln, sim)
}
