package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/recheck/recheck/callback"
	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/ctid"
	"github.com/recheck/recheck/ctid/ctidsim"
	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/intake"
	"github.com/recheck/recheck/internal/redisconn"
	"github.com/recheck/recheck/internal/settings"
	"github.com/recheck/recheck/notify/wechat"
	"github.com/recheck/recheck/ops"
	"github.com/recheck/recheck/schools"
	"github.com/recheck/recheck/seal"
	"github.com/recheck/recheck/storage"
	"github.com/recheck/recheck/vision"
	"github.com/recheck/recheck/worker"
)

// Config is the whole configuration: every field comes from an environment
// variable (tag env) with a documented default (tag default) and is mirrored
// by a flag of the same name without the RECHECK_ prefix, in lower case with
// dashes (RECHECK_HTTP_ADDR is -http-addr).
type Config struct {
	Schools   schools.Config
	Redis     RedisConfig
	Log       LogConfig
	Storage   storage.Config
	Seal      seal.Config
	Limits    imaging.Limits
	Profiles  imaging.ProfileConfig
	Rules     capture.RulesConfig
	Faces     facematch.Config
	Vision    vision.Config
	CTID      ctid.Config
	CTIDSim   ctidsim.Settings
	WeChat    wechat.Config
	Callbacks callback.Config
	Ops       ops.Config
	Intake    intake.Config
	Worker    worker.Config

	// perSchool is what Validate read from the schools document (and the
	// older files), for the roles to use without reading it again.
	perSchool *schoolSettings
}

// RedisConfig locates Redis.
type RedisConfig struct {
	// URL is the Redis URL; REDIS_URL is read when RECHECK_REDIS_URL is unset.
	URL string `env:"RECHECK_REDIS_URL" default:"redis://127.0.0.1:6379/0" help:"Redis URL: redis://, rediss:// or unix:// for one server, redis-sentinel://[[user]:password@]host:port[,host:port…]/master[/db] (rediss-sentinel:// for TLS) for the primary Sentinels name, followed through failovers; REDIS_URL is used when this is unset" secret:"true"`
	// AckReplicas is how many replicas must confirm a change before it is
	// acknowledged: "auto" is 1 with Sentinels, 0 otherwise.
	AckReplicas string `env:"RECHECK_REDIS_ACK_REPLICAS" default:"auto" help:"replicas that must confirm a change (Redis WAIT) before the API answers 2xx or a worker reports a transition: auto (with a redis-sentinel:// URL one, or none while no replica is connected at all; without Sentinels none), or a number, strictly (503 while fewer confirm); docs/deployment.md says what each choice can lose"`
	// AckWait bounds the wait for those replicas.
	AckWait time.Duration `env:"RECHECK_REDIS_ACK_WAIT" default:"1s" help:"how long a change waits for RECHECK_REDIS_ACK_REPLICAS; unconfirmed by then, the request answers 503 with Retry-After and the task is retried"`
}

// Replicas is the number of replicas that confirm a change (AckReplicas,
// with auto resolved by the URL) and whether that holds strictly, also
// while no replica is connected.
func (c RedisConfig) Replicas() (n int, strict bool, err error) {
	if c.AckReplicas == "" || c.AckReplicas == "auto" {
		if redisconn.IsSentinel(c.URL) {
			return 1, false, nil
		}
		return 0, false, nil
	}
	n, err = strconv.Atoi(c.AckReplicas)
	if err != nil || n < 0 || n > 16 {
		return 0, false, fmt.Errorf("RECHECK_REDIS_ACK_REPLICAS must be auto or a number from 0 to 16, got %q", c.AckReplicas)
	}
	return n, true, nil
}

// LogConfig configures logging.
type LogConfig struct {
	// Format is "json" (production) or "console" (development).
	Format string `env:"RECHECK_LOG_FORMAT" default:"json" help:"log format: json or console"`
	// Level is the minimum level logged.
	Level string `env:"RECHECK_LOG_LEVEL" default:"info" help:"log level: debug, info, warn or error"`
}

// Validate checks every part of the configuration, the schools document
// and the files it replaces included (and gives the intake the upstream
// keys' schools from the document).
func (c *Config) Validate() error {
	var errs []error
	if s, err := loadSchools(c); err != nil {
		errs = append(errs, err)
	} else {
		c.perSchool = s
		c.Intake.KeySchools = s.KeySchools
	}
	for _, v := range []interface{ Validate() error }{c.Storage, c.Seal, c.Limits, c.Faces, c.Vision, c.CTID, c.CTIDSim, c.WeChat, c.Ops, c.Intake, c.Worker} {
		if err := v.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Redis.URL == "" {
		errs = append(errs, errors.New("RECHECK_REDIS_URL is empty"))
	}
	if _, _, err := c.Redis.Replicas(); err != nil {
		errs = append(errs, err)
	}
	if c.Redis.AckWait <= 0 || c.Redis.AckWait >= redisconn.CommandTimeout {
		errs = append(errs, fmt.Errorf("RECHECK_REDIS_ACK_WAIT must be positive and shorter than a command's bound (%s), got %s", redisconn.CommandTimeout, c.Redis.AckWait))
	}
	if c.Log.Format != "json" && c.Log.Format != "console" {
		errs = append(errs, fmt.Errorf("RECHECK_LOG_FORMAT must be json or console, got %q", c.Log.Format))
	}
	return errors.Join(errs...)
}

// loadConfig fills a Config from defaults, then the environment (getenv;
// REDIS_URL stands in for an unset RECHECK_REDIS_URL), and registers a
// flag per setting on fs so that flags parsed later override both.
func loadConfig(fs *flag.FlagSet, getenv func(string) string) (*Config, error) {
	cfg := &Config{}
	return cfg, settings.Load(cfg, fs, getenv, map[string]string{"RECHECK_REDIS_URL": "REDIS_URL"})
}

// configTable writes the settings as a Markdown table for docs/operations.md.
func configTable() string { return settings.Table(&Config{}) }
