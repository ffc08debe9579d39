package main

import (
	"context"
	"strings"

	"github.com/redis/go-redis/v9"
)

// redisWarnings reads the Redis server's settings and says what makes it
// lose acknowledged work: no append-only file (a restart loses every record
// since the last snapshot, or all of them), or an eviction policy (Redis
// would drop records and queued tasks under memory pressure; asynq needs
// noeviction). A server that hides its configuration (CONFIG disabled, as
// on some managed services) gets one warning saying it could not check.
func redisWarnings(ctx context.Context, rdb redis.UniversalClient) []string {
	cfg, err := rdb.ConfigGet(ctx, "*").Result()
	if err != nil || len(cfg) == 0 {
		return []string{"cannot read the Redis configuration (CONFIG GET): make sure it runs with appendonly yes and maxmemory-policy noeviction"}
	}
	var out []string
	if cfg["appendonly"] != "yes" {
		out = append(out, "Redis runs without an append-only file (appendonly "+cfg["appendonly"]+"): a restart loses records, counters and queued tasks acknowledged since the last snapshot; run it with --appendonly yes (recheck reindex rebuilds records from storage, not queued work)")
	}
	if p := cfg["maxmemory-policy"]; p != "" && p != "noeviction" {
		out = append(out, "Redis evicts keys under memory pressure (maxmemory-policy "+p+"): records and queued tasks may vanish; asynq needs maxmemory-policy noeviction")
	}
	if fs := cfg["appendfsync"]; cfg["appendonly"] == "yes" && strings.EqualFold(fs, "no") {
		out = append(out, "Redis leaves fsync of its append-only file to the OS (appendfsync no): a crash can lose more than a second of work; use everysec")
	}
	return out
}
