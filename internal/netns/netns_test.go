package netns_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/netns"
)

func command(argv []string) *exec.Cmd { return exec.Command(argv[0], argv[1:]...) }

// TestHosts: a server on one host answers the test and another host;
// cut, it answers no one; restored, it answers again; partitioned from
// the other host, it still answers the test but not that host.
func TestHosts(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: makes network namespaces")
	}
	n := netns.New(t)
	a, b := n.Host(t, "a"), n.Host(t, "b")
	cmd := command(append(a.Wrap(), "redis-server", "--bind", a.IP, "--port", "7001", "--save", "", "--appendonly", "no", "--protected-mode", "no"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := fmt.Sprintf("%s:7001", a.IP)
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, MaxRetries: -1})
	defer rdb.Close()
	fromTest := func() error { return rdb.Ping(context.Background()).Err() }
	fromB := func() error {
		out, err := command(append(b.Wrap(), "timeout", "2", "redis-cli", "-h", a.IP, "-p", "7001", "ping")).CombinedOutput()
		if err == nil && !strings.Contains(string(out), "PONG") {
			err = fmt.Errorf("%s", out)
		}
		return err
	}
	for deadline := time.Now().Add(10 * time.Second); fromTest() != nil; time.Sleep(50 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "the server on host a never answered")
	}
	require.NoError(t, fromB(), "host b reaches host a")

	a.Cut(t)
	require.Error(t, fromTest(), "a cut host answers no one")
	a.Restore(t)
	for deadline := time.Now().Add(10 * time.Second); fromTest() != nil; time.Sleep(50 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "the restored host never answered")
	}

	b.Partition(t, a)
	require.Error(t, fromB(), "a partitioned host does not reach its peer")
	require.NoError(t, fromTest(), "others still do")
	b.Heal(t)
	require.NoError(t, fromB())
}
