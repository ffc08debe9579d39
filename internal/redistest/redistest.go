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
}

// Options returns fresh go-redis options for the server.
func (s *Server) Options() *redis.Options {
	return &redis.Options{Network: "unix", Addr: s.Socket}
}

// Start launches redis-server for t and stops it when t ends. It fails the
// test when redis-server is not installed (make test installs it).
func Start(t testing.TB) *Server {
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
	sock := filepath.Join(dir, "r.sock")
	cmd := exec.Command(bin,
		"--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
		"--save", "", "--appendonly", "no", "--dir", dir,
		"--logfile", filepath.Join(dir, "redis.log"))
	// The server dies with the test binary, even when a test times out.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("redistest: start redis-server: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	client := redis.NewClient(&redis.Options{Network: "unix", Addr: sock})
	t.Cleanup(func() { client.Close() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := client.Ping(context.Background()).Err()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			t.Fatalf("redistest: redis-server did not answer: %v\n%s", err, log)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return &Server{Socket: sock, URL: fmt.Sprintf("unix://%s", sock), Client: client}
}
