package main

import (
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/settings"
)

func TestConfigDefaultsEnvAndFlags(t *testing.T) {
	env := map[string]string{
		"HOME":                "/home/student",
		"RECHECK_HTTP_ADDR":   "0.0.0.0:9000",
		"RECHECK_CONCURRENCY": "3",
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	cfg, err := loadConfig(fs, func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, "0.0.0.0:9000", cfg.Intake.Addr, "env overrides the default")
	require.Equal(t, 3, cfg.Worker.Concurrency)
	require.Equal(t, "/home/student/.cache/recheck/models", cfg.Faces.ModelsDir, "defaults expand ${HOME}")
	require.Equal(t, 30*time.Second, cfg.Worker.ShutdownTimeout)
	require.Equal(t, int64(20<<20), cfg.Limits.MaxBytes)
	require.Equal(t, "redis://127.0.0.1:6379/0", cfg.Redis.URL)

	require.NoError(t, fs.Parse([]string{"-concurrency", "5", "-storage", "s3", "-s3-path-style", "-shutdown-timeout", "1m"}))
	require.Equal(t, 5, cfg.Worker.Concurrency, "flags override env")
	require.Equal(t, "s3", cfg.Storage.Backend)
	require.True(t, cfg.Storage.S3.PathStyle)
	require.Equal(t, time.Minute, cfg.Worker.ShutdownTimeout)
	require.ErrorContains(t, cfg.Validate(), "3-63", "s3 without a bucket does not validate")
}

func TestConfigReadsREDIS_URL(t *testing.T) {
	env := map[string]string{"REDIS_URL": "redis://10.0.0.5:6380/2"}
	cfg, err := loadConfig(nil, func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, "redis://10.0.0.5:6380/2", cfg.Redis.URL)
	env["RECHECK_REDIS_URL"] = "redis://10.0.0.6:6379/0"
	cfg, err = loadConfig(nil, func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, "redis://10.0.0.6:6379/0", cfg.Redis.URL, "the prefixed variable wins")
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	env := map[string]string{"RECHECK_SHUTDOWN_TIMEOUT": "soon", "RECHECK_CONCURRENCY": "many"}
	_, err := loadConfig(nil, func(k string) string { return env[k] })
	require.ErrorContains(t, err, "RECHECK_SHUTDOWN_TIMEOUT")
	require.ErrorContains(t, err, "RECHECK_CONCURRENCY")

	cfg, err := loadConfig(nil, func(string) string { return "" })
	require.NoError(t, err)
	cfg.Log.Format = "xml"
	require.ErrorContains(t, cfg.Validate(), "RECHECK_LOG_FORMAT")
}

// TestDocsListEverySetting keeps the settings table of docs/operations.md
// in step with the code: every row exactly as recheck config prints it.
func TestDocsListEverySetting(t *testing.T) {
	doc, err := os.ReadFile("../../docs/operations.md")
	require.NoError(t, err)
	for _, row := range strings.Split(strings.TrimSpace(configTable()), "\n")[2:] {
		row = strings.ReplaceAll(row, "`(empty)`", "(empty)")
		require.Contains(t, string(doc), row, "docs/operations.md's settings table must have this row (recheck config prints the table)")
	}
	for _, s := range settings.List(&Config{}) {
		require.True(t, strings.Contains(string(doc), "`"+s.Env+"`"), "docs/operations.md does not document %s", s.Env)
	}
}

// TestRedisAckReplicas: auto waits for one replica with Sentinels (not
// strictly: alone, the primary acknowledges) and for none with one
// server; a number holds strictly; anything else, and a wait as long as a
// command's bound, is refused at start.
func TestRedisAckReplicas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, replicas string
		want          int
		strict        bool
		err           string
	}{
		{"redis-sentinel://s1:26379,s2:26379/recheck", "auto", 1, false, ""},
		{"redis://127.0.0.1:6379/0", "auto", 0, false, ""},
		{"redis://127.0.0.1:6379/0", "", 0, false, ""},
		{"redis-sentinel://s1:26379/recheck", "0", 0, true, ""},
		{"redis-sentinel://s1:26379/recheck", "1", 1, true, ""},
		{"redis://127.0.0.1:6379/0", "2", 2, true, ""},
		{"redis://127.0.0.1:6379/0", "two", 0, false, "RECHECK_REDIS_ACK_REPLICAS"},
		{"redis://127.0.0.1:6379/0", "-1", 0, false, "RECHECK_REDIS_ACK_REPLICAS"},
	}
	for _, tc := range tests {
		c := RedisConfig{URL: tc.url, AckReplicas: tc.replicas}
		n, strict, err := c.Replicas()
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, tc.replicas)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tc.want, n, "%s %s", tc.url, tc.replicas)
		require.Equal(t, tc.strict, strict, "%s %s", tc.url, tc.replicas)
	}
	cfg, err := loadConfig(nil, func(k string) string {
		return map[string]string{"RECHECK_REDIS_ACK_WAIT": "5s", "RECHECK_REDIS_ACK_REPLICAS": "many"}[k]
	})
	require.NoError(t, err)
	err = cfg.Validate()
	require.ErrorContains(t, err, "RECHECK_REDIS_ACK_WAIT must be positive and shorter")
	require.ErrorContains(t, err, "RECHECK_REDIS_ACK_REPLICAS must be auto or a number")
}
