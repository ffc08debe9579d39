package storage

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// Ready reports whether store takes writes: a small object named after the
// host is written and deleted (the readiness check of every role).
func Ready(ctx context.Context, store Store) (string, error) {
	host, _ := os.Hostname()
	key := "ops/readyz-" + strings.Map(func(r rune) rune {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
			return r
		}
		return '-'
	}, strings.ToLower(host))
	if err := store.Put(ctx, key, []byte("ok")); err != nil {
		return "", fmt.Errorf("storage not writable: %w", err)
	}
	if err := store.Delete(ctx, key); err != nil {
		return "", fmt.Errorf("storage: delete the probe: %w", err)
	}
	return "writable", nil
}
