package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// MasterName is the name the Sentinels of StartSentinels monitor.
const MasterName = "recheck"

// Sentinels is a primary and a replica, each with an append-only file
// fsynced every second, watched by three Sentinels (quorum two, a primary
// declared down after one second), as docs/deployment.md deploys them.
type Sentinels struct {
	// URL is the redis-sentinel:// URL of the three Sentinels and the
	// master name, as RECHECK_REDIS_URL takes it.
	URL string
	// PrimaryAddr and ReplicaAddr are the servers' host:port at start.
	PrimaryAddr, ReplicaAddr string
	// Addrs are the Sentinels' host:port.
	Addrs []string

	mu      sync.Mutex
	servers map[string]*exec.Cmd
	argv    map[string][]string
	dir     string
}

// SentinelOptions place the servers.
type SentinelOptions struct {
	// Host is the address every server binds (default 127.0.0.1).
	Host string
	// Wrap prefixes each server's command line (e.g. ip netns exec NAME:
	// the servers on a host of their own).
	Wrap []string
}

// StartSentinels starts the five servers for t and returns once the
// replica is in sync and every Sentinel knows the replica and the other
// two (a failover before that only makes the first election fail). It
// skips the test when redis-server is not installed.
func StartSentinels(t testing.TB, o SentinelOptions) *Sentinels {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed (make setup installs it)")
	}
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	dir, err := os.MkdirTemp("", "rs")
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	s := &Sentinels{servers: map[string]*exec.Cmd{}, argv: map[string][]string{}, dir: dir}
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, c := range s.servers {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
		os.RemoveAll(dir)
	})
	ports := freePorts(t, 5)
	s.PrimaryAddr = net.JoinHostPort(o.Host, fmt.Sprint(ports[0]))
	s.ReplicaAddr = net.JoinHostPort(o.Host, fmt.Sprint(ports[1]))
	data := []string{"--bind", o.Host, "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--protected-mode", "no"}
	s.start(t, o.Wrap, "primary", append([]string{"--port", fmt.Sprint(ports[0])}, data...)...)
	s.start(t, o.Wrap, "replica", append([]string{"--port", fmt.Sprint(ports[1]), "--replicaof", o.Host, fmt.Sprint(ports[0])}, data...)...)
	for i, port := range ports[2:] {
		conf := filepath.Join(dir, fmt.Sprintf("sentinel-%d.conf", i))
		if err := os.WriteFile(conf, []byte(fmt.Sprintf(`port %d
bind %s
protected-mode no
sentinel monitor %s %s %d 2
sentinel down-after-milliseconds %s 1000
sentinel failover-timeout %s 5000
sentinel parallel-syncs %s 1
`, port, o.Host, MasterName, o.Host, ports[0], MasterName, MasterName, MasterName)), 0o600); err != nil {
			t.Fatalf("redistest: %v", err)
		}
		s.start(t, o.Wrap, fmt.Sprintf("sentinel-%d", i), conf, "--sentinel")
		s.Addrs = append(s.Addrs, net.JoinHostPort(o.Host, fmt.Sprint(port)))
	}
	s.URL = "redis-sentinel://" + strings.Join(s.Addrs, ",") + "/" + MasterName

	ctx := context.Background()
	replica := redis.NewClient(&redis.Options{Addr: s.ReplicaAddr})
	defer replica.Close()
	WaitUntil(t, 30*time.Second, "the replica is in sync", func() bool {
		info, _ := replica.Info(ctx, "replication").Result()
		return strings.Contains(info, "master_link_status:up")
	})
	for _, addr := range s.Addrs {
		sc := redis.NewSentinelClient(&redis.Options{Addr: addr})
		WaitUntil(t, 30*time.Second, "sentinel "+addr+" knows the others and the replica", func() bool {
			m, err := sc.Master(ctx, MasterName).Result()
			return err == nil && m["num-other-sentinels"] == "2" && m["num-slaves"] == "1"
		})
		sc.Close()
	}
	return s
}

// start launches one server, logging into the Sentinels' directory.
func (s *Sentinels) start(t testing.TB, wrap []string, name string, args ...string) {
	t.Helper()
	argv := append(append(append([]string{}, wrap...), "redis-server"), args...)
	argv = append(argv, "--dir", s.dir, "--logfile", filepath.Join(s.dir, name+".log"))
	if name == "primary" || name == "replica" {
		argv = append(argv, "--appendfilename", name+".aof", "--appenddirname", name+"-aof")
	}
	s.mu.Lock()
	s.argv[name] = argv
	s.mu.Unlock()
	s.launch(t, name)
}

// launch starts a server with the command line it was first given.
func (s *Sentinels) launch(t testing.TB, name string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	argv := s.argv[name]
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("redistest: start %s: %v", name, err)
	}
	s.servers[name] = cmd
}

// KillPrimary kills the primary started first with SIGKILL, as a crash of
// its machine would: what it had not sent to the replica is lost.
func (s *Sentinels) KillPrimary() { s.kill("primary") }

// kill kills a server with SIGKILL and waits for it.
func (s *Sentinels) kill(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.servers[name]; c != nil {
		_ = c.Process.Kill()
		_ = c.Wait()
		delete(s.servers, name)
	}
}

// RestartPrimary starts the killed first primary again on its address and
// append-only file, as its machine's service manager would: the Sentinels
// make it a replica of the primary they promoted.
func (s *Sentinels) RestartPrimary(t testing.TB) { t.Helper(); s.launch(t, "primary") }

// KillReplica kills the replica started first with SIGKILL: the primary
// has no replica connected.
func (s *Sentinels) KillReplica() { s.kill("replica") }

// PauseReplica stops the replica (SIGSTOP) until ResumeReplica: it keeps
// its connections but acknowledges nothing, as a replica on a congested or
// cut link does.
func (s *Sentinels) PauseReplica() { s.signal("replica", syscall.SIGSTOP) }

// ResumeReplica lets a paused replica go on (SIGCONT).
func (s *Sentinels) ResumeReplica() { s.signal("replica", syscall.SIGCONT) }

func (s *Sentinels) signal(name string, sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.servers[name]; c != nil {
		_ = c.Process.Signal(sig)
	}
}

// Server returns a Server whose URL is the Sentinels' and whose Client
// follows the primary they name, for tests written against a Server; its
// Kill, Stop and Restart do nothing (use KillPrimary).
func (s *Sentinels) Server(t testing.TB) *Server {
	t.Helper()
	c := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: MasterName, SentinelAddrs: s.Addrs})
	t.Cleanup(func() { c.Close() })
	return &Server{URL: s.URL, Client: c}
}

// Log returns what a server logged (name: primary, replica, sentinel-0…),
// for a failed test's message.
func (s *Sentinels) Log(name string) string {
	raw, _ := os.ReadFile(filepath.Join(s.dir, name+".log"))
	return string(raw)
}

// freePorts returns n TCP ports nothing listens on now.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var out []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}

// WaitUntil polls ok every 50 ms until it holds, failing the test with
// what after within.
func WaitUntil(t testing.TB, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("redistest: %s: not within %s", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
