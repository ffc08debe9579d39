package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/recheck/recheck/internal/keyspace"
)

// loginThrottle slows password guessing down, in Redis so that every
// intake process counts the same attempts. Per user name (known or not,
// so that the answers do not tell which exist): after the n-th wrong
// password in a row the next attempt must wait 2^(n-1) seconds (capped at
// maxDelay), and after lockAfter the name is locked until an admin or the
// records office lifts it, whatever password comes. Per client address:
// the same doubling wait once more than addrFree wrong passwords came from
// it within an hour, so that staff behind one school NAT may mistype
// without locking each other out.
type loginThrottle struct {
	redis redis.UniversalClient
	now   func() time.Time
	// lockAfter wrong passwords in a row lock a name.
	lockAfter int
	// addrFree wrong passwords from one address pass without a wait.
	addrFree int
	maxDelay time.Duration
}

// Defaults of the login throttle.
const (
	defaultLockAfter = 10
	defaultAddrFree  = 10
	defaultMaxDelay  = 10 * time.Minute
	// userWindow and addrWindow are how long failures are remembered.
	userWindow = 24 * time.Hour
	addrWindow = time.Hour
	// auditKeep is how many login events the audit list keeps.
	auditKeep = 10000
)

// throttleUserKey is the Redis key of a name's failures: by the name's
// SHA-256, since a name typed is sometimes a password.
func throttleUserKey(name string) string {
	sum := sha256.Sum256([]byte(name))
	return keyspace.LoginUser(hex.EncodeToString(sum[:16]))
}

// throttleState is where a name and an address stand.
type throttleState struct {
	// Locked is true while the name is locked.
	Locked bool
	// Wait is how long the client must wait before its next attempt.
	Wait time.Duration
}

// doubling is the wait after n failures counted from free: none up to
// free, then 1 s, 2 s, 4 s, … up to max.
func doubling(n, free int, max time.Duration) time.Duration {
	if n <= free {
		return 0
	}
	d := time.Second << min(n-free-1, 30)
	return min(d, max)
}

// state reads the throttle of a name and an address.
func (t *loginThrottle) state(ctx context.Context, name, addr string) (throttleState, error) {
	var u, a *redis.SliceCmd
	_, err := t.redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		u = p.HMGet(ctx, throttleUserKey(name), "fails", "last", "locked")
		a = p.HMGet(ctx, keyspace.LoginAddr(addr), "fails", "last")
		return nil
	})
	if err != nil {
		return throttleState{}, fmt.Errorf("intake: read login throttle: %w", err)
	}
	num := func(v any) int64 {
		s, _ := v.(string)
		n, _ := strconv.ParseInt(s, 10, 64)
		return n
	}
	uv, av := u.Val(), a.Val()
	if num(uv[2]) == 1 {
		return throttleState{Locked: true}, nil
	}
	now := t.now()
	rest := func(fails, last int64, free int) time.Duration {
		d := doubling(int(fails), free, t.maxDelay) - now.Sub(time.UnixMilli(last))
		return max(d, 0)
	}
	return throttleState{Wait: max(rest(num(uv[0]), num(uv[1]), 0), rest(num(av[0]), num(av[1]), t.addrFree))}, nil
}

// failed counts a wrong password for a name from an address and reports
// whether the name is locked now. A user's lock lasts until lifted; an
// unknown name's (locked alike, so that answers do not tell which names
// exist) ends with the failures' window, so guessed names do not pile up.
func (t *loginThrottle) failed(ctx context.Context, name, addr string, known bool) (bool, error) {
	now := strconv.FormatInt(t.now().UnixMilli(), 10)
	var fails *redis.IntCmd
	_, err := t.redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
		fails = p.HIncrBy(ctx, throttleUserKey(name), "fails", 1)
		p.HSet(ctx, throttleUserKey(name), "last", now)
		p.Expire(ctx, throttleUserKey(name), userWindow)
		p.HIncrBy(ctx, keyspace.LoginAddr(addr), "fails", 1)
		p.HSet(ctx, keyspace.LoginAddr(addr), "last", now)
		p.Expire(ctx, keyspace.LoginAddr(addr), addrWindow)
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("intake: count a failed login: %w", err)
	}
	if fails.Val() < int64(t.lockAfter) {
		return false, nil
	}
	_, err = t.redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, throttleUserKey(name), "locked", 1)
		if known {
			p.Persist(ctx, throttleUserKey(name)) // locked until lifted
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("intake: lock %s: %w", name, err)
	}
	return true, nil
}

// succeeded forgets a name's failures after a right password.
func (t *loginThrottle) succeeded(ctx context.Context, name string) error {
	return t.redis.Del(ctx, throttleUserKey(name)).Err()
}

// unlock lifts a name's lock and forgets its failures; it reports whether
// the name was locked.
func (t *loginThrottle) unlock(ctx context.Context, name string) (bool, error) {
	locked, err := t.redis.HGet(ctx, throttleUserKey(name), "locked").Result()
	if err != nil && err != redis.Nil {
		return false, fmt.Errorf("intake: read the lock of %s: %w", name, err)
	}
	if err := t.redis.Del(ctx, throttleUserKey(name)).Err(); err != nil {
		return false, fmt.Errorf("intake: unlock %s: %w", name, err)
	}
	return locked == "1", nil
}

// loginEvent is one entry of the login audit: who tried, from where, how
// it ended. Never the password.
type loginEvent struct {
	At      time.Time `json:"at"`
	User    string    `json:"user"`
	Addr    string    `json:"addr"`
	Via     string    `json:"via"`
	Outcome string    `json:"outcome"`
}

// audit appends a login event to the audit list (the newest auditKeep
// kept).
func (t *loginThrottle) audit(ctx context.Context, e loginEvent) error {
	data, _ := json.Marshal(e)
	_, err := t.redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, keyspace.AuditLogins, data)
		p.LTrim(ctx, keyspace.AuditLogins, 0, auditKeep-1)
		return nil
	})
	return err
}

// clientAddr is the address a request came from, without its port. A
// reverse proxy in front hides it; its own address is then what counts.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
