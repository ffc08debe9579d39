// Package redistest starts a private redis-server for a test, on a unix
// socket in the test's temporary directory, so that test packages and tests
// run in parallel without sharing keys or ports.
package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a running private redis-server.
type Server struct {
	// Socket is the unix socket path the server listens on.
	Socket string
	// URL is the server's address as a unix:// URL that go-redis parses.
	URL string
	// Client is a connected client, closed when the test ends.
	Client *redis.Client
	// TCPURL is the server's redis:// URL on 127.0.0.1 when Options.TCP
	// asked for one (for a process that cannot reach the socket, such as
	// one in a container).
	TCPURL string

	bin, dir string
	opts     Options
	port     int
	mu       sync.Mutex
	cmd      *exec.Cmd
}

// Options choose how the server keeps its data.
type Options struct {
	// AOF runs the server with an append-only file fsynced every second,
	// as production does, so that Restart keeps what was written.
	AOF bool
	// TCP also listens on a free port of 127.0.0.1 (TCPURL).
	TCP bool
}

// Options returns fresh go-redis options for the server.
func (s *Server) Options() *redis.Options {
	return &redis.Options{Network: "unix", Addr: s.Socket}
}

// Start launches redis-server for t, keeping nothing on disk, and stops it
// when t ends. It fails the test when redis-server is not installed (make
// test installs it).
func Start(t testing.TB) *Server { return StartWith(t, Options{}) }

// StartWith launches redis-server for t with the given options.
func StartWith(t testing.TB, o Options) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redistest: redis-server not found (run `make test`, which installs it): %v", err)
	}
	// Unix socket paths are limited to about 100 bytes: use a short dir.
	dir, err := os.MkdirTemp("", "rt")
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &Server{Socket: filepath.Join(dir, "r.sock"), bin: bin, dir: dir, opts: o}
	s.URL = fmt.Sprintf("unix://%s", s.Socket)
	if o.TCP {
		s.port = freePorts(t, 1)[0]
		s.TCPURL = fmt.Sprintf("redis://127.0.0.1:%d/0", s.port)
	}
	s.launch(t)
	t.Cleanup(s.Kill)
	s.Client = redis.NewClient(&redis.Options{Network: "unix", Addr: s.Socket})
	t.Cleanup(func() { s.Client.Close() })
	s.wait(t)
	return s
}

func (s *Server) launch(t testing.TB) {
	t.Helper()
	args := []string{"--port", fmt.Sprint(s.port), "--bind", "127.0.0.1", "--unixsocket", s.Socket, "--unixsocketperm", "700",
		"--save", "", "--dir", s.dir, "--logfile", filepath.Join(s.dir, "redis.log")}
	if s.opts.AOF {
		args = append(args, "--appendonly", "yes", "--appendfsync", "everysec")
	} else {
		args = append(args, "--appendonly", "no")
	}
	cmd := exec.Command(s.bin, args...)
	// The server dies with the test binary, even when a test times out.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("redistest: start redis-server: %v", err)
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
}

func (s *Server) wait(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.Client.Ping(context.Background()).Err()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			t.Fatalf("redistest: redis-server did not answer: %v\n%s", err, log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Kill stops the server with SIGKILL, as a crash would: what it had not
// written to its append-only file is lost.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Stop shuts the server down as an operator's restart does (SIGTERM): it
// writes out its append-only file first.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Restart stops the server (gracefully, or with SIGKILL when crash is set)
// and starts it again on the same socket and data directory; with AOF it
// loads what it had written. Clients reconnect on their own.
func (s *Server) Restart(t testing.TB, crash bool) {
	t.Helper()
	if crash {
		s.Kill()
	} else {
		s.Stop()
	}
	_ = os.Remove(s.Socket)
	s.launch(t)
	s.wait(t)
}

// Relaunch starts a stopped server again on the same socket and data
// directory (after Stop or Kill: a test that keeps Redis down a while).
func (s *Server) Relaunch(t testing.TB) {
	t.Helper()
	_ = os.Remove(s.Socket)
	s.launch(t)
	s.wait(t)
}

// Dump saves the server's data to an uncompressed RDB file and returns its
// bytes: everything Redis holds, as a backup of it would, for tests that
// look for what must not be there.
func (s *Server) Dump(t testing.TB) []byte {
	t.Helper()
	ctx := context.Background()
	if err := s.Client.ConfigSet(ctx, "rdbcompression", "no").Err(); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	if err := s.Client.Save(ctx).Err(); err != nil {
		t.Fatalf("redistest: SAVE: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(s.dir, "dump.rdb"))
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return raw
}
