// Package redisconn opens recheck's Redis connection from
// RECHECK_REDIS_URL: a single server (redis://, rediss://, unix://, as
// go-redis reads them), or the primary that Redis Sentinels name
// (redis-sentinel://, rediss-sentinel://), which the client follows to a
// promoted replica after a failover without a restart. Every role and
// command opens its connection here, so the asynq queues and recheck's own
// records always talk to the same primary.
package redisconn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Open returns a client for raw. A Sentinel URL reads
//
//	redis-sentinel://[[user]:password@]host:port[,host:port…]/master[/db][?sentinel_username=…&sentinel_password=…]
//
// with the user and password of the primary (and replicas), the Sentinels'
// addresses, the master's name as the Sentinels know it, and the database;
// rediss-sentinel:// connects to the primary with TLS. The client is not
// connected yet: the first command dials.
//
// Every command, pipeline and transaction of the client, its retries and
// dials (a failover client's questions to the Sentinels included) is
// bounded by CommandTimeout: where Redis is cut off silently (packets
// dropped, not refused), a request fails after seconds (the API answers
// 503) instead of waiting out each timeout of each retry in turn.
func Open(raw string) (*redis.Client, error) { return open(raw, CommandTimeout) }

func open(raw string, timeout time.Duration) (*redis.Client, error) {
	var c *redis.Client
	if !IsSentinel(raw) {
		opts, err := redis.ParseURL(raw)
		if err != nil {
			return nil, fmt.Errorf("RECHECK_REDIS_URL: %w", err)
		}
		opts.ContextTimeoutEnabled = true
		c = redis.NewClient(opts)
	} else {
		opts, err := ParseSentinel(raw)
		if err != nil {
			return nil, err
		}
		opts.ContextTimeoutEnabled = true
		c = redis.NewFailoverClient(opts)
	}
	c.AddHook(deadline{timeout})
	return c, nil
}

// CommandTimeout bounds each command, pipeline or transaction of a client
// of Open, its retries included: longer than any command recheck sends
// takes (WAIT included: RECHECK_REDIS_ACK_WAIT must be shorter), short
// enough for an HTTP client's patience.
const CommandTimeout = 5 * time.Second

// deadline is a go-redis hook that gives each command, pipeline and
// transaction a deadline of d (or keeps the caller's sooner one).
type deadline struct{ d time.Duration }

func (h deadline) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h deadline) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		ctx, cancel := context.WithTimeout(ctx, h.d)
		defer cancel()
		return next(ctx, cmd)
	}
}

func (h deadline) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		ctx, cancel := context.WithTimeout(ctx, h.d)
		defer cancel()
		return next(ctx, cmds)
	}
}

// IsSentinel reports whether raw names Sentinels rather than a server.
func IsSentinel(raw string) bool {
	return strings.HasPrefix(raw, "redis-sentinel://") || strings.HasPrefix(raw, "rediss-sentinel://")
}

// ParseSentinel reads a Sentinel URL (see Open) into go-redis's failover
// options.
func ParseSentinel(raw string) (*redis.FailoverOptions, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("RECHECK_REDIS_URL: %s: %s", Redact(raw), fmt.Sprintf(format, args...))
	}
	u, hosts, err := splitSentinel(raw)
	if err != nil {
		return nil, errors.New("RECHECK_REDIS_URL: not a URL (redis-sentinel://[[user]:password@]host:port[,host:port…]/master[/db])")
	}
	opts := &redis.FailoverOptions{}
	if u.Scheme == "rediss-sentinel" {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if u.User != nil {
		opts.Username = u.User.Username()
		opts.Password, _ = u.User.Password()
	}
	for _, addr := range strings.Split(hosts, ",") {
		host, port, err := net.SplitHostPort(addr)
		if err != nil || host == "" || port == "" {
			return nil, bad("sentinel address %q must be host:port", addr)
		}
		opts.SentinelAddrs = append(opts.SentinelAddrs, addr)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) == 0 || parts[0] == "" {
		return nil, bad("the master's name is missing (…/master[/db])")
	}
	if len(parts) > 2 {
		return nil, bad("the path must be /master or /master/db")
	}
	opts.MasterName = parts[0]
	if len(parts) == 2 {
		if opts.DB, err = strconv.Atoi(parts[1]); err != nil || opts.DB < 0 {
			return nil, bad("database %q is not a number", parts[1])
		}
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "sentinel_username":
			opts.SentinelUsername = q.Get(k)
		case "sentinel_password":
			opts.SentinelPassword = q.Get(k)
		default:
			return nil, bad("unknown parameter %q (sentinel_username, sentinel_password)", k)
		}
	}
	return opts, nil
}

// splitSentinel parses a Sentinel URL whose host part is a list of
// addresses (which net/url refuses when one is IPv6): the URL with a
// placeholder host, and the list.
func splitSentinel(raw string) (*url.URL, string, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return nil, "", errors.New("no scheme")
	}
	authority, path := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	userinfo, hosts := "", authority
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, hosts = authority[:i+1], authority[i+1:]
	}
	u, err := url.Parse(scheme + "://" + userinfo + sentinelsHost + path)
	return u, hosts, err
}

// Redact returns raw with its passwords hidden, for messages.
func Redact(raw string) string {
	if !IsSentinel(raw) {
		u, err := url.Parse(raw)
		if err != nil {
			return "(unparsable URL)"
		}
		return u.Redacted()
	}
	u, hosts, err := splitSentinel(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	q := u.Query()
	if q.Has("sentinel_password") {
		q.Set("sentinel_password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return strings.Replace(u.Redacted(), sentinelsHost, hosts, 1)
}

// AsynqOpt returns raw as asynq's connection option, for what opens its own
// connections (the queue UI): a server's, or the Sentinels' failover one.
func AsynqOpt(raw string) (asynq.RedisConnOpt, error) {
	if IsSentinel(raw) {
		o, err := ParseSentinel(raw)
		if err != nil {
			return nil, err
		}
		return asynq.RedisFailoverClientOpt{MasterName: o.MasterName, SentinelAddrs: o.SentinelAddrs,
			SentinelPassword: o.SentinelPassword, Username: o.Username, Password: o.Password, DB: o.DB, TLSConfig: o.TLSConfig}, nil
	}
	o, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("RECHECK_REDIS_URL: %w", err)
	}
	return asynq.RedisClientOpt{Network: o.Network, Addr: o.Addr, Username: o.Username, Password: o.Password, DB: o.DB, TLSConfig: o.TLSConfig}, nil
}

// sentinelsHost stands for the list of Sentinel addresses while net/url
// reads the rest of a Sentinel URL.
const sentinelsHost = "sentinels.invalid"
