package wechat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrRefreshLimited is returned when the token must be refreshed by force
// but WeChat's limits forbid it now (a forced refresh at most every 30 s,
// 20 a day): the message is retried later.
var ErrRefreshLimited = errors.New("wechat: a forced token refresh is not allowed yet (30 s apart, 20 a day)")

// tokens is the access token every worker shares through Redis: read by
// all, refreshed by one at a time (a lock) before it expires.
type tokens struct {
	rdb    redis.UniversalClient
	prefix string
	fetch  func(ctx context.Context, force bool) (string, time.Duration, error)
	now    func() time.Time
	// before is how long before expiry the token is refreshed.
	before time.Duration
	// lockTTL bounds one refresh; wait is how often a worker without the
	// lock looks again.
	lockTTL, wait time.Duration
}

func (t *tokens) key(k string) string { return t.prefix + k }

// read returns the shared token and its expiry.
func (t *tokens) read(ctx context.Context) (string, time.Time, error) {
	v, err := t.rdb.HGetAll(ctx, t.key("token")).Result()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("wechat: read token: %w", err)
	}
	ms, _ := strconv.ParseInt(v["expires"], 10, 64)
	return v["token"], time.UnixMilli(ms), nil
}

func (t *tokens) store(ctx context.Context, tok string, ttl time.Duration) error {
	exp := t.now().Add(ttl)
	_, err := t.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, t.key("token"), "token", tok, "expires", exp.UnixMilli())
		p.Expire(ctx, t.key("token"), ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("wechat: store token: %w", err)
	}
	return nil
}

var unlock = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0`)

// locked runs fn holding the refresh lock; ok is false when another worker
// holds it.
func (t *tokens) locked(ctx context.Context, fn func() error) (bool, error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	me := hex.EncodeToString(b)
	ok, err := t.rdb.SetNX(ctx, t.key("lock"), me, t.lockTTL).Result()
	if err != nil {
		return false, fmt.Errorf("wechat: token lock: %w", err)
	}
	if !ok {
		return false, nil
	}
	defer unlock.Run(context.WithoutCancel(ctx), t.rdb, []string{t.key("lock")}, me)
	return true, fn()
}

// Get returns a token valid for a while yet, refreshing the shared one
// when it expires within before (one worker fetches; the others keep using
// the old one while it lasts, or wait for the new one).
func (t *tokens) Get(ctx context.Context) (string, error) {
	for {
		tok, exp, err := t.read(ctx)
		if err != nil {
			return "", err
		}
		now := t.now()
		if tok != "" && now.Before(exp.Add(-t.before)) {
			return tok, nil
		}
		var fresh string
		got, err := t.locked(ctx, func() error {
			tok, exp, err := t.read(ctx)
			if err != nil {
				return err
			}
			if tok != "" && t.now().Before(exp.Add(-t.before)) {
				fresh = tok // refreshed while we waited for the lock
				return nil
			}
			tok, ttl, err := t.fetch(ctx, false)
			if err != nil {
				return err
			}
			fresh = tok
			return t.store(ctx, tok, ttl)
		})
		if err != nil {
			return "", err
		}
		if got {
			return fresh, nil
		}
		if tok != "" && now.Before(exp) {
			return tok, nil // another worker refreshes; this one still works
		}
		if err := sleep(ctx, t.wait); err != nil {
			return "", err
		}
	}
}

// Invalidate is called when WeChat refused bad as invalid or expired. It
// returns the shared token when another worker has replaced bad already;
// otherwise one worker forces a refresh, within WeChat's limits.
func (t *tokens) Invalidate(ctx context.Context, bad string) (string, error) {
	for {
		tok, _, err := t.read(ctx)
		if err != nil {
			return "", err
		}
		if tok != "" && tok != bad {
			return tok, nil
		}
		var fresh string
		got, err := t.locked(ctx, func() error {
			tok, _, err := t.read(ctx)
			if err != nil {
				return err
			}
			if tok != "" && tok != bad {
				fresh = tok
				return nil
			}
			if err := t.allowForced(ctx); err != nil {
				return err
			}
			tok, ttl, err := t.fetch(ctx, true)
			if err != nil {
				return err
			}
			fresh = tok
			return t.store(ctx, tok, ttl)
		})
		if err != nil {
			return "", err
		}
		if got {
			return fresh, nil
		}
		if err := sleep(ctx, t.wait); err != nil {
			return "", err
		}
	}
}

// allowForced takes one forced refresh out of WeChat's allowance: 30 s
// apart, 20 a day (the day in China).
func (t *tokens) allowForced(ctx context.Context) error {
	ok, err := t.rdb.SetNX(ctx, t.key("forced"), "1", 30*time.Second).Result()
	if err != nil {
		return fmt.Errorf("wechat: forced refresh limit: %w", err)
	}
	if !ok {
		return ErrRefreshLimited
	}
	day := t.key("forced:" + t.now().UTC().Add(8*time.Hour).Format("20060102"))
	n, err := t.rdb.Incr(ctx, day).Result()
	if err != nil {
		return fmt.Errorf("wechat: forced refresh count: %w", err)
	}
	t.rdb.Expire(ctx, day, 25*time.Hour)
	if n > 20 {
		return ErrRefreshLimited
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
