package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// configRun runs recheck with env (and the models) as its environment.
func configRun(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

const goodSchools = `{
  "schools": ["cjlu", "zjut"],
  "rules": {"*": {"pass_score": 80}, "cjlu": {"daily_standardizations": 2, "help": {"records_office": "学籍科 0571-86835700"}}},
  "profiles": {"zjut": "ga461"},
  "wechat": {"*": {"approved": {"template_id": "tpl-1", "data": {"phrase1": "phrase", "thing2": "detail", "time3": "time"}}}},
  "callbacks": {"*": {"url": "https://upstream.example.cn/recheck"}, "cjlu": {"records_office_url": "https://office.cjlu.example.cn/hook"}},
  "upstream_keys": {"intake": ["*"], "zjut-only": ["zjut"]}
}`

func configFiles(t *testing.T) (string, map[string]string) {
	dir := t.TempDir()
	env := map[string]string{
		"RECHECK_UPSTREAM_KEYS": write(t, dir, "keys.json", `{"keys":[{"id":"intake","secret":"`+strings.Repeat("a", 32)+`"},{"id":"zjut-only","secret":"`+strings.Repeat("b", 32)+`"}]}`),
		"RECHECK_CALLBACKS":     write(t, dir, "callbacks.json", `{"key_id":"cb","secret":"`+strings.Repeat("c", 32)+`"}`),
	}
	return dir, env
}

// TestConfigCheck: a good document checks with its sections listed; each
// fault is named by section and school (and field where there is one).
func TestConfigCheck(t *testing.T) {
	dir, env := configFiles(t)
	good := write(t, dir, "schools.json", goodSchools)
	code, out, errOut := configRun(t, env, "config", "check", good)
	require.Equal(t, exitOK, code, out+errOut)
	require.Contains(t, out, "ok: 2 schools (cjlu, zjut); sections: rules, profiles, wechat, callbacks, upstream_keys")

	tests := []struct {
		name, from, to string
		want           []string
	}{
		{"unknown school in a section", `"profiles": {"zjut"`, `"profiles": {"zjtu"`, []string{`profiles: "zjtu": not in schools`}},
		{"a rule's field", `"daily_standardizations": 2`, `"daily_standardisations": 2`, []string{"rules", "school cjlu", `unknown field "daily_standardisations"`}},
		{"a rule's value", `"pass_score": 80`, `"pass_score": 180`, []string{"rules", `"*"`, "pass_score"}},
		{"a profile", `"zjut": "ga461"`, `"zjut": "gb2000"`, []string{"profiles", `school "zjut"`, "gb2000"}},
		{"a template", `"thing2": "detail"`, `"thing2": "weather"`, []string{"wechat", `unknown source "weather"`}},
		{"a callback address", `"records_office_url": "https://office.cjlu.example.cn/hook"`, `"records_office_url": "ftp://office"`, []string{"callbacks", "cjlu", "records_office_url"}},
		{"a key the keys file lacks", `"zjut-only": ["zjut"]`, `"zjut-only": ["zjut"], "other": ["cjlu"]`, []string{"upstream_keys: key other is not in RECHECK_UPSTREAM_KEYS"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(goodSchools, tc.from, tc.to, 1)
			require.NotEqual(t, goodSchools, doc, "the fault is in the document")
			code, out, _ := configRun(t, env, "config", "check", write(t, t.TempDir(), "schools.json", doc))
			require.Equal(t, exitBadInput, code, out)
			for _, w := range tc.want {
				require.Contains(t, out, w)
			}
		})
	}

	// A section set both in the document and in its older file.
	both := map[string]string{"RECHECK_SCHOOL_RULES": write(t, dir, "rules.json", `{"*":{}}`)}
	for k, v := range env {
		both[k] = v
	}
	code, out, _ = configRun(t, both, "config", "check", good)
	require.Equal(t, exitBadInput, code)
	require.Contains(t, out, "the rules section of RECHECK_SCHOOLS and RECHECK_SCHOOL_RULES are both set")

	code, _, errOut = configRun(t, env, "config", "check")
	require.Equal(t, exitFailure, code)
	require.Contains(t, errOut, "config check needs the schools document")
}

// TestConfigConvert: the older files become one schools document that
// checks and gives every school the same settings; the older files still
// work meanwhile, each named as deprecated.
func TestConfigConvert(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{
		"RECHECK_SCHOOL_RULES":     write(t, dir, "rules.json", `{"*":{"pass_score":82},"cjlu":{"daily_standardizations":2}}`),
		"RECHECK_SCHOOL_PROFILES":  write(t, dir, "profiles.json", `{"zjut":"ga461"}`),
		"RECHECK_WECHAT_TEMPLATES": write(t, dir, "templates.json", `{"miniprogram_state":"trial","default":{"approved":{"template_id":"tpl-1","data":{"phrase1":"phrase"}}}}`),
		"RECHECK_CALLBACKS":        write(t, dir, "callbacks.json", `{"key_id":"cb","secret":"`+strings.Repeat("c", 32)+`","default":{"url":"https://upstream.example.cn/recheck"},"schools":{"hdu":{"url":"https://hdu.example.cn/cb"}}}`),
		"RECHECK_UPSTREAM_KEYS":    write(t, dir, "keys.json", `{"keys":[{"id":"intake","secret":"`+strings.Repeat("a", 32)+`","schools":["cjlu","zjut","hdu"]}]}`),
	}
	cfg, err := loadConfig(flag.NewFlagSet("test", flag.ContinueOnError), func(k string) string { return env[k] })
	require.NoError(t, err)
	old, err := loadSchools(cfg)
	require.NoError(t, err, "the older files still work")
	require.ElementsMatch(t, []string{"RECHECK_SCHOOL_RULES", "RECHECK_SCHOOL_PROFILES", "RECHECK_WECHAT_TEMPLATES", "RECHECK_CALLBACKS (default, schools)", "RECHECK_UPSTREAM_KEYS (schools)"}, old.Deprecated)

	out := filepath.Join(dir, "schools.json")
	code, stdout, errOut := configRun(t, env, "config", "convert", "--out", out)
	require.Equal(t, exitOK, code, stdout+errOut)
	require.Contains(t, stdout, "wrote "+out+": 3 schools")
	require.Contains(t, stdout, "set RECHECK_WECHAT_STATE=trial")
	code, _, _ = configRun(t, env, "config", "convert", "--out", out)
	require.Equal(t, exitFailure, code, "never over a file")

	// The operator's steps: the document replaces the older files.
	env = map[string]string{
		"RECHECK_SCHOOLS":       out,
		"RECHECK_WECHAT_STATE":  "trial",
		"RECHECK_CALLBACKS":     write(t, dir, "callbacks2.json", `{"key_id":"cb","secret":"`+strings.Repeat("c", 32)+`"}`),
		"RECHECK_UPSTREAM_KEYS": write(t, dir, "keys2.json", `{"keys":[{"id":"intake","secret":"`+strings.Repeat("a", 32)+`"}]}`),
	}
	code, stdout, _ = configRun(t, env, "config", "check")
	require.Equal(t, exitOK, code, stdout)
	cfg, err = loadConfig(flag.NewFlagSet("test", flag.ContinueOnError), func(k string) string { return env[k] })
	require.NoError(t, err)
	now, err := loadSchools(cfg)
	require.NoError(t, err)
	require.Empty(t, now.Deprecated)
	for _, school := range []string{"cjlu", "zjut", "hdu", "other"} {
		require.Equal(t, old.Rules.For(school), now.Rules.For(school), school)
		require.Equal(t, old.Profiles.For(school), now.Profiles.For(school), school)
		require.Equal(t, old.Callbacks.For(school), now.Callbacks.For(school), school)
	}
	require.Equal(t, old.Templates.Default, now.Templates.Default)
	require.Equal(t, "trial", now.Templates.State)
	keys, err := upstreamKeys(cfg)
	require.NoError(t, err)
	require.Equal(t, []string{"cjlu", "zjut", "hdu"}, keys["intake"].Schools)

	// A key's schools in both places is an error, not a silent choice.
	env["RECHECK_UPSTREAM_KEYS"] = write(t, dir, "keys3.json", `{"keys":[{"id":"intake","secret":"`+strings.Repeat("a", 32)+`","schools":["cjlu"]}]}`)
	code, stdout, _ = configRun(t, env, "config", "check")
	require.Equal(t, exitBadInput, code)
	require.Contains(t, stdout, "in both this file and the upstream_keys section")
}
