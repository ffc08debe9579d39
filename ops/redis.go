package ops

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// RedisCheck is the readiness check of Redis, which every role needs: it
// answers a ping.
func RedisCheck(rdb redis.UniversalClient) Check {
	return Check{Name: "redis", Run: func(ctx context.Context) (string, error) {
		if err := rdb.Ping(ctx).Err(); err != nil {
			return "", fmt.Errorf("redis ping: %w", err)
		}
		return "answers", nil
	}}
}
