package redisconn

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCommandDeadline: a Redis that accepts connections and never answers
// (a host whose packets are dropped mid-connection looks the same) fails
// a command with the client's deadline, its retries included, instead of
// waiting out each read timeout of each retry; the caller's own sooner
// deadline still wins.
func TestCommandDeadline(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	c, err := open("redis://"+ln.Addr().String()+"/0", 200*time.Millisecond)
	require.NoError(t, err)
	defer c.Close()
	err = c.Set(context.Background(), "k", "v", 0).Err()
	require.ErrorIs(t, err, context.DeadlineExceeded)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, c.Ping(ctx).Err(), context.Canceled)
}
