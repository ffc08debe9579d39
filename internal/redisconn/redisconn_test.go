package redisconn_test

import (
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/redisconn"
)

func TestParseSentinel(t *testing.T) {
	t.Parallel()
	o, err := redisconn.ParseSentinel("rediss-sentinel://app:pw@10.0.0.1:26379,10.0.0.2:26379,[::1]:26379/recheck/2?sentinel_password=sp&sentinel_username=su")
	require.NoError(t, err)
	require.Equal(t, "recheck", o.MasterName)
	require.Equal(t, []string{"10.0.0.1:26379", "10.0.0.2:26379", "[::1]:26379"}, o.SentinelAddrs)
	require.Equal(t, "app", o.Username)
	require.Equal(t, "pw", o.Password)
	require.Equal(t, 2, o.DB)
	require.Equal(t, "su", o.SentinelUsername)
	require.Equal(t, "sp", o.SentinelPassword)
	require.NotNil(t, o.TLSConfig)

	plain, err := redisconn.ParseSentinel("redis-sentinel://127.0.0.1:26379/mymaster")
	require.NoError(t, err)
	require.Nil(t, plain.TLSConfig)
	require.Zero(t, plain.DB)

	for raw, want := range map[string]string{
		"redis-sentinel://127.0.0.1:26379":                  "master's name is missing",
		"redis-sentinel://127.0.0.1:26379/":                 "master's name is missing",
		"redis-sentinel://127.0.0.1/m":                      `sentinel address "127.0.0.1" must be host:port`,
		"redis-sentinel://127.0.0.1:26379/m/x":              `database "x" is not a number`,
		"redis-sentinel://127.0.0.1:26379/m/1/2":            "the path must be /master or /master/db",
		"redis-sentinel://127.0.0.1:26379/m?master=x":       `unknown parameter "master"`,
		"redis-sentinel://:secret@127.0.0.1:26379/m?x=1":    "xxxxx",
		"redis-sentinel://h:1/m?sentinel_password=hidden&a": "sentinel_password=xxxxx",
	} {
		_, err := redisconn.ParseSentinel(raw)
		require.ErrorContains(t, err, want, raw)
		require.NotContains(t, err.Error(), "secret", "passwords stay out of messages")
		require.NotContains(t, err.Error(), "hidden", "passwords stay out of messages")
	}
}

func TestOpenChoosesTheClient(t *testing.T) {
	t.Parallel()
	c, err := redisconn.Open("redis://127.0.0.1:6399/3")
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:6399", c.Options().Addr)
	require.NoError(t, c.Close())
	c, err = redisconn.Open("redis-sentinel://127.0.0.1:26399/mymaster")
	require.NoError(t, err)
	require.NoError(t, c.Close())
	_, err = redisconn.Open("http://127.0.0.1:6379")
	require.ErrorContains(t, err, "RECHECK_REDIS_URL")

	o, err := redisconn.AsynqOpt("redis-sentinel://:pw@127.0.0.1:26399/mymaster/1")
	require.NoError(t, err)
	require.Equal(t, asynq.RedisFailoverClientOpt{MasterName: "mymaster", SentinelAddrs: []string{"127.0.0.1:26399"}, Password: "pw", DB: 1}, o)
	o, err = redisconn.AsynqOpt("redis://127.0.0.1:6399/3")
	require.NoError(t, err)
	require.Equal(t, asynq.RedisClientOpt{Network: "tcp", Addr: "127.0.0.1:6399", DB: 3}, o)
}
