package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/recheck/recheck/callback"
	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/ctid"
	"github.com/recheck/recheck/ctid/ctidsim"
	"github.com/recheck/recheck/engines"
	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/intake"
	"github.com/recheck/recheck/notify/wechat"
	"github.com/recheck/recheck/ops"
	"github.com/recheck/recheck/seal"
	"github.com/recheck/recheck/storage"
	"github.com/recheck/recheck/worker"
)

// Config is the whole configuration: every field comes from an environment
// variable (tag env) with a documented default (tag default) and is mirrored
// by a flag of the same name without the RECHECK_ prefix, in lower case with
// dashes (RECHECK_HTTP_ADDR is -http-addr).
type Config struct {
	Redis     RedisConfig
	Log       LogConfig
	Storage   storage.Config
	Seal      seal.Config
	Limits    imaging.Limits
	Profiles  imaging.ProfileConfig
	Rules     capture.RulesConfig
	Faces     facematch.Config
	Engines   engines.Config
	CTID      ctid.Config
	CTIDSim   ctidsim.Settings
	WeChat    wechat.Config
	Callbacks callback.Config
	Ops       ops.Config
	Intake    intake.Config
	Worker    worker.Config
}

// RedisConfig locates Redis.
type RedisConfig struct {
	// URL is the Redis URL; REDIS_URL is read when RECHECK_REDIS_URL is unset.
	URL string `env:"RECHECK_REDIS_URL" default:"redis://127.0.0.1:6379/0" help:"Redis URL (redis://, rediss:// or unix://); REDIS_URL is used when this is unset" secret:"true"`
}

// LogConfig configures logging.
type LogConfig struct {
	// Format is "json" (production) or "console" (development).
	Format string `env:"RECHECK_LOG_FORMAT" default:"json" help:"log format: json or console"`
	// Level is the minimum level logged.
	Level string `env:"RECHECK_LOG_LEVEL" default:"info" help:"log level: debug, info, warn or error"`
}

// Validate checks every part of the configuration.
func (c *Config) Validate() error {
	var errs []error
	for _, v := range []interface{ Validate() error }{c.Storage, c.Seal, c.Limits, c.Profiles, c.Rules, c.Faces, c.Engines, c.CTID, c.CTIDSim, c.WeChat, c.Callbacks, c.Ops, c.Intake, c.Worker} {
		if err := v.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Redis.URL == "" {
		errs = append(errs, errors.New("RECHECK_REDIS_URL is empty"))
	}
	if c.Log.Format != "json" && c.Log.Format != "console" {
		errs = append(errs, fmt.Errorf("RECHECK_LOG_FORMAT must be json or console, got %q", c.Log.Format))
	}
	return errors.Join(errs...)
}

// setting is one configurable field.
type setting struct {
	env, def, help string
	secret         bool
	value          reflect.Value
}

// settings lists the configurable fields of cfg (a pointer to a struct),
// walking nested structs.
func settings(cfg any) []setting {
	var out []setting
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f, fv := t.Field(i), v.Field(i)
			if env := f.Tag.Get("env"); env != "" {
				out = append(out, setting{env: env, def: f.Tag.Get("default"), help: f.Tag.Get("help"), secret: f.Tag.Get("secret") == "true", value: fv})
				continue
			}
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Time{}) {
				walk(fv)
			}
		}
	}
	walk(reflect.ValueOf(cfg).Elem())
	return out
}

// flagName is the flag mirroring an environment variable.
func flagName(env string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(env, "RECHECK_")), "_", "-")
}

// loadConfig fills a Config from defaults, then the environment (getenv),
// and registers a flag per setting on fs so that flags parsed later override
// both.
func loadConfig(fs *flag.FlagSet, getenv func(string) string) (*Config, error) {
	cfg := &Config{}
	var errs []error
	for _, s := range settings(cfg) {
		raw := os.Expand(s.def, getenv)
		if v := getenv(s.env); v != "" {
			raw = v
		} else if s.env == "RECHECK_REDIS_URL" && getenv("REDIS_URL") != "" {
			raw = getenv("REDIS_URL")
		}
		if err := setValue(s.value, raw); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.env, err))
			continue
		}
		if fs != nil {
			fs.Var(fieldValue{s.value}, flagName(s.env), s.help+" (env "+s.env+")")
		}
	}
	return cfg, errors.Join(errs...)
}

// setValue parses raw into v according to v's type.
func setValue(v reflect.Value, raw string) error {
	switch {
	case v.Type() == reflect.TypeOf(time.Duration(0)):
		if raw == "" {
			raw = "0"
		}
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("not a duration (like 30s or 5m): %q", raw)
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(raw)
	case v.Kind() == reflect.Bool:
		if raw == "" {
			raw = "false"
		}
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("not a boolean: %q", raw)
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int || v.Kind() == reflect.Int64:
		if raw == "" {
			raw = "0"
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer: %q", raw)
		}
		v.SetInt(n)
	case v.Kind() == reflect.Float64:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return fmt.Errorf("not a number: %q", raw)
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("unsupported setting type %s", v.Type())
	}
	return nil
}

// fieldValue adapts a config field to flag.Value.
type fieldValue struct{ v reflect.Value }

func (f fieldValue) String() string {
	if !f.v.IsValid() {
		return ""
	}
	if f.v.Type() == reflect.TypeOf(time.Duration(0)) {
		return time.Duration(f.v.Int()).String()
	}
	return fmt.Sprint(f.v.Interface())
}

func (f fieldValue) Set(s string) error { return setValue(f.v, s) }

func (f fieldValue) IsBoolFlag() bool { return f.v.IsValid() && f.v.Kind() == reflect.Bool }

// configTable writes the settings as a Markdown table for the README.
func configTable() string {
	var b strings.Builder
	b.WriteString("| variable | flag | default | meaning |\n|---|---|---|---|\n")
	for _, st := range settings(&Config{}) {
		def := st.def
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(&b, "| `%s` | `-%s` | `%s` | %s |\n", st.env, flagName(st.env), def, st.help)
	}
	return b.String()
}
