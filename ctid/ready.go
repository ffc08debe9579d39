package ctid

import (
	"context"
	"fmt"
	"net"
	"net/url"
)

// Ready reports whether the CTID gateway at gateway can be reached over
// TCP, or that cfg chose the simulator deliberately (development only). It
// sends no request: the gateway counts and bills its calls.
func Ready(ctx context.Context, cfg Config, gateway string) (string, error) {
	if cfg.Simulated() {
		return "simulated (RECHECK_CTID_URL=sim): development only", nil
	}
	u, err := url.Parse(gateway)
	if err != nil {
		return "", fmt.Errorf("ctid: %w", err)
	}
	host := u.Host
	if u.Port() == "" {
		host += map[string]string{"https": ":443", "http": ":80"}[u.Scheme]
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return "", fmt.Errorf("ctid gateway unreachable: %w", err)
	}
	conn.Close()
	return "reachable: " + u.Host, nil
}
