package main

import (
	"context"
	"fmt"
	"io"
	stdlog "log"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"github.com/rs/zerolog/log"
)

// newLogger builds the process logger from the configuration. The first
// one a process builds is installed as the libraries' logger too: zerolog's
// global logger (libvips messages go there), go-redis's and the standard
// log package's. Those are process globals, set once: a test that runs
// several commands at once in one process would otherwise race on them.
func newLogger(cfg LogConfig, w io.Writer) (zerolog.Logger, error) {
	level, err := zerolog.ParseLevel(cfg.Level)
	if err != nil || level == zerolog.NoLevel {
		return zerolog.Nop(), fmt.Errorf("RECHECK_LOG_LEVEL: unknown level %q", cfg.Level)
	}
	globalsOnce.Do(func() { zerolog.TimeFieldFormat = time.RFC3339Nano })
	out := w
	if cfg.Format == "console" {
		out = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05.000"}
	}
	l := zerolog.New(out).Level(level).With().Timestamp().Str("service", "recheck").Logger()
	installOnce.Do(func() {
		log.Logger = l
		redis.SetLogger(redisLogger{l})
		// Libraries that print with the standard log package (asynq's
		// queue metrics when Redis is away) write structured lines too.
		stdlog.SetFlags(0)
		stdlog.SetOutput(l.With().Str("component", "stdlog").Logger())
	})
	// No zerolog.SetGlobalLevel: it is the process's, and an offline
	// command run at warn beside a service in one test process silenced
	// the service's info lines (its notices); every logger carries its own
	// level instead.
	return l, nil
}

// globalsOnce and installOnce guard the process-wide settings of newLogger.
var globalsOnce, installOnce sync.Once

// redisLogger routes go-redis's own messages (connection retries) to the
// process logger at debug level; failures reach callers as errors anyway.
type redisLogger struct{ l zerolog.Logger }

func (r redisLogger) Printf(_ context.Context, format string, v ...any) {
	r.l.Debug().Str("component", "go-redis").Msgf(format, v...)
}
