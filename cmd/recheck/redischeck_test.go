package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/redistest"
)

func TestRedisWarnings(t *testing.T) {
	ctx := context.Background()
	volatile := redistest.Start(t)
	w := redisWarnings(ctx, volatile.Client)
	require.Len(t, w, 1)
	require.Contains(t, w[0], "appendonly")

	require.NoError(t, volatile.Client.ConfigSet(ctx, "maxmemory-policy", "allkeys-lru").Err())
	require.Len(t, redisWarnings(ctx, volatile.Client), 2, "eviction is warned about too")

	durable := redistest.StartWith(t, redistest.Options{AOF: true})
	require.Empty(t, redisWarnings(ctx, durable.Client), "AOF and noeviction: nothing to say")
}
