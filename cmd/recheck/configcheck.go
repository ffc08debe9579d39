package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/recheck/recheck/schools"
)

// configCmd: recheck config [check [FILE] | convert --out FILE]. Without a
// step it prints every setting; check validates the schools document
// (FILE, or RECHECK_SCHOOLS) with the settings it goes with and names
// each fault's section and school; convert writes a schools document from
// the older files.
func configCmd(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 {
		_, err := io.WriteString(stdout, configTable())
		return exitOK, err
	}
	switch args[0] {
	case "check":
		return configCheckCmd(args[1:], getenv, stdout)
	case "convert":
		return configConvertCmd(args[1:], getenv, stdout, stderr)
	}
	return exitFailure, usageError{fmt.Sprintf("config: unknown step %q: check [FILE] or convert --out FILE", args[0])}
}

func configCheckCmd(args []string, getenv func(string) string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return exitFailure, err
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitFailure, err
	}
	if len(pos) > 1 {
		return exitFailure, usageError{"config check takes one schools document"}
	}
	if len(pos) == 1 {
		cfg.Schools.File = pos[0]
	}
	if cfg.Schools.File == "" {
		return exitFailure, usageError{"config check needs the schools document: recheck config check FILE (or RECHECK_SCHOOLS)"}
	}
	doc, err := schools.Load(cfg.Schools.File)
	if err == nil {
		var per *schoolSettings
		per, err = resolveSchools(cfg, doc)
		if err == nil && cfg.Intake.UpstreamKeys != "" {
			_, err = upstreamKeys(cfg)
		}
		if err == nil {
			listed := "none of their own: every section's \"*\" applies"
			if len(doc.Schools) > 0 {
				listed = strings.Join(doc.Schools, ", ")
			}
			fmt.Fprintf(stdout, "%s: ok: %d schools (%s); sections: %s\n", cfg.Schools.File, len(doc.Schools), listed, strings.Join(sections(doc), ", "))
			for _, d := range per.Deprecated {
				fmt.Fprintf(stdout, "warning: %s is still read; move it into the schools document (recheck config convert)\n", d)
			}
			return exitOK, nil
		}
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(stdout, line)
	}
	return exitBadInput, nil
}

// sections names the sections a document has.
func sections(d *schools.Document) []string {
	var out []string
	for _, name := range []string{schools.SectionRules, schools.SectionProfiles, schools.SectionWeChat, schools.SectionCallbacks} {
		if d.Section(name) != nil {
			out = append(out, name)
		}
	}
	if d.UpstreamKeys != nil {
		out = append(out, schools.SectionUpstreamKeys)
	}
	if out == nil {
		out = []string{"none"}
	}
	return out
}

func configConvertCmd(args []string, getenv func(string) string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("config convert", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return exitFailure, err
	}
	out := fs.String("out", "", "the schools document to write (required; never over a file)")
	if _, err := parseArgs(fs, args); err != nil {
		return exitFailure, err
	}
	if *out == "" {
		return exitFailure, usageError{"config convert needs --out FILE"}
	}
	doc, steps, err := convertOlderFiles(cfg)
	if err != nil {
		return exitFailure, err
	}
	raw, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return exitFailure, err
	}
	if _, err := schools.Parse(raw); err != nil {
		return exitFailure, fmt.Errorf("config convert: the converted document does not check: %w", err)
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return exitFailure, fmt.Errorf("config convert: %w", err)
	}
	if _, err := f.Write(append(raw, '\n')); err != nil {
		f.Close()
		return exitFailure, err
	}
	if err := f.Close(); err != nil {
		return exitFailure, err
	}
	fmt.Fprintf(stdout, "wrote %s: %d schools. Then:\n", *out, len(doc.Schools))
	steps = append(steps, "set RECHECK_SCHOOLS="+*out+" and run: recheck config check")
	for i, s := range steps {
		fmt.Fprintf(stdout, "  %d. %s\n", i+1, s)
	}
	return exitOK, nil
}

// convertOlderFiles builds a schools document from the older files cfg
// names, and the steps left to the operator (unsetting them, removing the
// addresses and schools that moved).
func convertOlderFiles(cfg *Config) (*schools.Document, []string, error) {
	doc := &schools.Document{}
	var steps []string
	known := map[string]bool{}
	add := func(school string) {
		if school != schools.Wildcard {
			known[school] = true
		}
	}
	readObject := func(env, path string, v any) error {
		raw, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("%s: %w", env, err)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("%s: %s: %w", env, path, err)
		}
		return nil
	}
	if p := cfg.Rules.File; p != "" {
		if err := readObject("RECHECK_SCHOOL_RULES", p, &doc.Rules); err != nil {
			return nil, nil, err
		}
		steps = append(steps, "unset RECHECK_SCHOOL_RULES")
	}
	if p := cfg.Profiles.SchoolsFile; p != "" {
		var entries map[string]json.RawMessage
		if err := readObject("RECHECK_SCHOOL_PROFILES", p, &entries); err != nil {
			return nil, nil, err
		}
		for school, e := range entries {
			var name string
			if json.Unmarshal(e, &name) == nil && strings.HasSuffix(name, ".json") && !filepath.IsAbs(name) {
				abs, err := filepath.Abs(filepath.Join(filepath.Dir(p), name))
				if err != nil {
					return nil, nil, err
				}
				e, _ = json.Marshal(abs)
			}
			if doc.Profiles == nil {
				doc.Profiles = map[string]json.RawMessage{}
			}
			doc.Profiles[school] = e
		}
		steps = append(steps, "unset RECHECK_SCHOOL_PROFILES")
	}
	if p := cfg.WeChat.Templates; p != "" {
		var t struct {
			State   string                     `json:"miniprogram_state"`
			Lang    string                     `json:"lang"`
			Default json.RawMessage            `json:"default"`
			Schools map[string]json.RawMessage `json:"schools"`
		}
		if err := readObject("RECHECK_WECHAT_TEMPLATES", p, &t); err != nil {
			return nil, nil, err
		}
		doc.WeChat = map[string]json.RawMessage{}
		if len(t.Default) > 0 {
			doc.WeChat[schools.Wildcard] = t.Default
		}
		for school, e := range t.Schools {
			doc.WeChat[school] = e
		}
		steps = append(steps, "unset RECHECK_WECHAT_TEMPLATES")
		if t.State != "" && t.State != "formal" {
			steps = append(steps, "set RECHECK_WECHAT_STATE="+t.State)
		}
	}
	if p := cfg.Callbacks.File; p != "" {
		var c struct {
			Default json.RawMessage            `json:"default"`
			Schools map[string]json.RawMessage `json:"schools"`
		}
		if err := readObject("RECHECK_CALLBACKS", p, &c); err != nil {
			return nil, nil, err
		}
		if len(c.Default) > 0 || len(c.Schools) > 0 {
			doc.Callbacks = map[string]json.RawMessage{}
			if len(c.Default) > 0 {
				doc.Callbacks[schools.Wildcard] = c.Default
			}
			for school, e := range c.Schools {
				doc.Callbacks[school] = e
			}
			steps = append(steps, "remove default and schools from "+p+" (RECHECK_CALLBACKS keeps key_id, secret and public_url)")
		}
	}
	if p := cfg.Intake.UpstreamKeys; p != "" {
		var f struct {
			Keys []struct {
				ID      string   `json:"id"`
				Schools []string `json:"schools"`
			} `json:"keys"`
		}
		if err := readObject("RECHECK_UPSTREAM_KEYS", p, &f); err != nil {
			return nil, nil, err
		}
		for _, k := range f.Keys {
			if len(k.Schools) == 0 {
				continue
			}
			if doc.UpstreamKeys == nil {
				doc.UpstreamKeys = map[string][]string{}
			}
			doc.UpstreamKeys[k.ID] = k.Schools
			for _, s := range k.Schools {
				add(s)
			}
		}
		if doc.UpstreamKeys != nil {
			steps = append(steps, "remove each key's schools from "+p+" (it keeps the ids and secrets)")
		}
	}
	for _, sec := range []map[string]json.RawMessage{doc.Rules, doc.Profiles, doc.WeChat, doc.Callbacks} {
		for school := range sec {
			add(school)
		}
	}
	doc.Schools = []string{}
	for s := range known {
		doc.Schools = append(doc.Schools, s)
	}
	sort.Strings(doc.Schools)
	return doc, steps, nil
}
