package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheckCmd: recheck healthcheck. Asks this container's process for
// /readyz, on the intake API's address and then on the worker's ops
// address (one of them listens, whatever the role), and exits 0 when it
// answers 200: the image's HEALTHCHECK, which has no curl.
func healthcheckCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return exitFailure, err
	}
	if _, err := parseArgs(fs, args); err != nil {
		return exitFailure, err
	}
	client := &http.Client{Timeout: 4 * time.Second}
	var last error
	for _, addr := range []string{cfg.Intake.Addr, cfg.Ops.Addr} {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			last = fmt.Errorf("%s: %w", addr, err)
			continue
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
		resp, err := client.Do(req)
		if err != nil {
			last = err
			continue
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			fmt.Fprintf(stdout, "ready (%s)\n", addr)
			return exitOK, nil
		}
		return exitFailure, fmt.Errorf("not ready (%s): %s", addr, body)
	}
	return exitFailure, fmt.Errorf("nothing answers /readyz: %w", last)
}
