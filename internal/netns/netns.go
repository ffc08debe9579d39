// Package netns makes test hosts on one machine: each host is a network
// namespace with its own address on a bridge the test creates, so that
// processes started in it (Wrap) talk to each other over a network that
// the test can cut (a host's link down) or partition (one host dropping
// another's packets, with nftables). Everything is removed when the test
// ends. It needs root and Debian's iproute2 and nftables; New skips the
// test without them.
package netns

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// Net is a bridge in the test's own namespace and the hosts on it.
type Net struct {
	id     string
	bridge string
	// Gateway is the bridge's address: the test process reaches the hosts
	// from it.
	Gateway string
	prefix  string
	mu      sync.Mutex
	next    int
}

// Host is one network namespace on the bridge.
type Host struct {
	// Name is the host's name in the test; NS its namespace's.
	Name, NS string
	// IP is its address on the bridge.
	IP   string
	link string
	net  *Net
}

// run runs a command and fails the test with its output when it fails.
func run(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("netns: %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// New makes a bridge with a /24 of 10.78.0.0/16 picked at random, or skips
// the test when it cannot (not root, no ip or nft command).
func New(t testing.TB) *Net {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("netns: test hosts need root")
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("netns: %s is not installed (make chaos installs iproute2 and nftables)", tool)
		}
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	n := &Net{id: hex.EncodeToString(b[:2]), next: 2}
	n.bridge = "rc" + n.id + "br"
	n.prefix = fmt.Sprintf("10.78.%d.", 1+int(b[2])%250)
	n.Gateway = n.prefix + "1"
	run(t, "ip", "link", "add", n.bridge, "type", "bridge")
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", n.bridge).Run() })
	run(t, "ip", "addr", "add", n.Gateway+"/24", "dev", n.bridge)
	run(t, "ip", "link", "set", n.bridge, "up")
	return n
}

// Host adds a host: a namespace with loopback up and a veth link to the
// bridge, with the next address.
func (n *Net) Host(t testing.TB, name string) *Host {
	t.Helper()
	n.mu.Lock()
	i := n.next
	n.next++
	n.mu.Unlock()
	h := &Host{Name: name, NS: fmt.Sprintf("rc-%s-%s", n.id, name), IP: fmt.Sprintf("%s%d", n.prefix, i),
		link: fmt.Sprintf("rc%s%d", n.id, i), net: n}
	run(t, "ip", "netns", "add", h.NS)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", h.NS).Run() })
	peer := h.link + "p"
	run(t, "ip", "link", "add", h.link, "type", "veth", "peer", "name", peer)
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", h.link).Run() })
	run(t, "ip", "link", "set", peer, "netns", h.NS)
	run(t, "ip", "link", "set", h.link, "master", n.bridge)
	run(t, "ip", "link", "set", h.link, "up")
	run(t, "ip", "-n", h.NS, "link", "set", "lo", "up")
	run(t, "ip", "-n", h.NS, "addr", "add", h.IP+"/24", "dev", peer)
	run(t, "ip", "-n", h.NS, "link", "set", peer, "up")
	return h
}

// Wrap is the command prefix that runs a program on the host.
func (h *Host) Wrap() []string { return []string{"ip", "netns", "exec", h.NS} }

// Cut takes the host's link to the bridge down: it reaches nothing and
// nothing reaches it, its processes and their connections stay.
func (h *Host) Cut(t testing.TB) { t.Helper(); run(t, "ip", "link", "set", h.link, "down") }

// Restore brings a cut host's link up again.
func (h *Host) Restore(t testing.TB) { t.Helper(); run(t, "ip", "link", "set", h.link, "up") }

// Partition drops, on h, every packet to or from peer: silently, as a
// broken switch or firewall does, so connections hang until their
// timeouts rather than fail at once.
func (h *Host) Partition(t testing.TB, peer *Host) {
	t.Helper()
	rules := fmt.Sprintf(`table inet recheck_partition {
	chain out { type filter hook output priority 0; ip daddr %s drop; }
	chain in { type filter hook input priority 0; ip saddr %s drop; }
}
`, peer.IP, peer.IP)
	cmd := exec.Command("ip", "netns", "exec", h.NS, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("netns: partition %s from %s: %v\n%s", h.Name, peer.Name, err, out)
	}
}

// Heal removes h's partitions.
func (h *Host) Heal(t testing.TB) {
	t.Helper()
	run(t, "ip", "netns", "exec", h.NS, "nft", "delete", "table", "inet", "recheck_partition")
}
