// Package settings binds a configuration struct to environment variables
// and flags through its field tags (env, default, help, secret): defaults,
// then the environment, then flags; and prints them as a Markdown table.
package settings

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Setting is one configurable field: its environment variable, default
// (which may name other variables, $HOME), help, and whether it is secret.
type Setting struct {
	Env, Default, Help string
	Secret             bool
	value              reflect.Value
}

// List lists the configurable fields of cfg (a pointer to a struct),
// walking nested structs: the fields with an env tag.
func List(cfg any) []Setting {
	var out []Setting
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f, fv := t.Field(i), v.Field(i)
			if env := f.Tag.Get("env"); env != "" {
				out = append(out, Setting{Env: env, Default: f.Tag.Get("default"), Help: f.Tag.Get("help"), Secret: f.Tag.Get("secret") == "true", value: fv})
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

// FlagName is the flag mirroring an environment variable.
func FlagName(env string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(env, "RECHECK_")), "_", "-")
}

// Load fills cfg (a pointer to a struct) from its defaults, then the
// environment (getenv; aliases names an older variable read when a
// setting's own is unset), and registers a flag per setting on fs (when
// not nil) so that flags parsed later override both. It names every
// setting it could not parse.
func Load(cfg any, fs *flag.FlagSet, getenv func(string) string, aliases map[string]string) error {
	var errs []error
	for _, s := range List(cfg) {
		raw := os.Expand(s.Default, getenv)
		if v := getenv(s.Env); v != "" {
			raw = v
		} else if alias := aliases[s.Env]; alias != "" && getenv(alias) != "" {
			raw = getenv(alias)
		}
		if err := setValue(s.value, raw); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.Env, err))
			continue
		}
		if fs != nil {
			fs.Var(fieldValue{s.value}, FlagName(s.Env), s.Help+" (env "+s.Env+")")
		}
	}
	return errors.Join(errs...)
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

// Table writes the settings of cfg as a Markdown table (variable, flag,
// default, meaning) for the operations doc.
func Table(cfg any) string {
	var b strings.Builder
	b.WriteString("| variable | flag | default | meaning |\n|---|---|---|---|\n")
	for _, st := range List(cfg) {
		def := st.Default
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(&b, "| `%s` | `-%s` | `%s` | %s |\n", st.Env, FlagName(st.Env), def, st.Help)
	}
	return b.String()
}
