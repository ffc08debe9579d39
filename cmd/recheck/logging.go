package main

import (
	"context"
	"fmt"
	"io"
	stdlog "log"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/rs/zerolog/log"
)

// newLogger builds the process logger from the configuration and installs
// it as zerolog's global logger (libvips messages go there).
func newLogger(cfg LogConfig, w io.Writer) (zerolog.Logger, error) {
	level, err := zerolog.ParseLevel(cfg.Level)
	if err != nil || level == zerolog.NoLevel {
		return zerolog.Nop(), fmt.Errorf("RECHECK_LOG_LEVEL: unknown level %q", cfg.Level)
	}
	zerolog.TimeFieldFormat = time.RFC3339Nano
	out := w
	if cfg.Format == "console" {
		out = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05.000"}
	}
	l := zerolog.New(out).Level(level).With().Timestamp().Str("service", "recheck").Logger()
	log.Logger = l
	redis.SetLogger(redisLogger{l})
	// Libraries that print with the standard log package (asynq's queue
	// metrics when Redis is away) write structured lines too.
	stdlog.SetFlags(0)
	stdlog.SetOutput(l.With().Str("component", "stdlog").Logger())
	zerolog.SetGlobalLevel(level)
	return l, nil
}

// redisLogger routes go-redis's own messages (connection retries) to the
// process logger at debug level; failures reach callers as errors anyway.
type redisLogger struct{ l zerolog.Logger }

func (r redisLogger) Printf(_ context.Context, format string, v ...any) {
	r.l.Debug().Str("component", "go-redis").Msgf(format, v...)
}
