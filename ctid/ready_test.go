package ctid_test

import (
	"context"
	"net"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/ctid"
)

// TestReady: the simulator is said to be one; a gateway that accepts
// connections is reachable; one that does not is not ready, named.
func TestReady(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(nil)
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String()
	ln.Close()
	for _, tc := range []struct {
		name, url, gateway, want, err string
	}{
		{"simulator", ctid.Sim, "http://127.0.0.1:1", "simulated", ""},
		{"reachable", srv.URL, srv.URL, "reachable: " + srv.Listener.Addr().String(), ""},
		{"unreachable", closed, closed, "", "ctid gateway unreachable"},
		{"bad URL", "::", "::", "", "ctid:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ctid.Ready(context.Background(), ctid.Config{URL: tc.url}, tc.gateway)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Contains(t, s, tc.want)
		})
	}
}
