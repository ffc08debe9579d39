package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/recheck/recheck/notify/wechat/wechatsim"
)

// wechatSimCmd: recheck wechat-sim [--addr A] [--latency D] [--refuse
// OPENIDS] [--inject CODES] [--templates IDS] [--pages PAGES]. Serves the
// WeChat simulator: stable_token and subscribe/send with WeChat's error
// codes and value limits, GET /sim/messages lists what it received and
// POST /sim/inject {"codes":[-1,45009]} makes the next sends fail.
func wechatSimCmd(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("wechat-sim", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return err
	}
	addr := fs.String("addr", "127.0.0.1:8091", "listen address")
	latency := fs.Duration("latency", 0, "added to every answer")
	refuse := fs.String("refuse", "", "comma-separated openids that answer 43101 (not subscribed)")
	inject := fs.String("inject", "", "comma-separated error codes the next sends answer, one each (e.g. -1,45009,40001)")
	templates := fs.String("templates", "", "comma-separated template IDs it knows (empty: any)")
	pages := fs.String("pages", "", "comma-separated mini program pages it knows (empty: any)")
	ttl := fs.Duration("token-ttl", 7200*time.Second, "lifetime of the tokens it issues")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	codes, err := parseCodes(*inject)
	if err != nil {
		return err
	}
	l, err := newLogger(cfg.Log, stderr)
	if err != nil {
		return err
	}
	app, secret := cfg.WeChat.AppID, cfg.WeChat.Secret
	if app == "" || secret == "" {
		app, secret = wechatsim.DevAppID, wechatsim.DevSecret
	}
	sim := wechatsim.New(wechatsim.Config{AppID: app, Secret: secret, TokenTTL: *ttl, Templates: list(*templates), Pages: list(*pages)})
	sim.SetLatency(*latency)
	sim.Inject(codes...)
	for _, o := range list(*refuse) {
		sim.Refuse(o)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("wechat-sim: listen on %s: %w", *addr, err)
	}
	l.Info().Str("addr", "http://"+ln.Addr().String()).Str("appid", app).Msg("WeChat simulator listening")
	return serveUntilDone(ctx, ln, sim)
}

func list(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func parseCodes(s string) ([]int, error) {
	var out []int
	for _, v := range list(s) {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, usageError{fmt.Sprintf("--inject: %q is not an error code", v)}
		}
		out = append(out, n)
	}
	return out, nil
}
