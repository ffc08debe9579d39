package ctid_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/ctid"
	"github.com/recheck/recheck/ctid/ctidsim"
)

// stubComparer scores by the first byte of the portrait, so tests choose
// the answer: 'S' same (95), 'U' uncertain (70), 'D' different (20), 'X'
// no usable face (an error).
type stubComparer struct{}

func (stubComparer) ComparePortraits(_ context.Context, a, _ []byte) (float64, error) {
	switch a[0] {
	case 'S':
		return 95, nil
	case 'U':
		return 70, nil
	case 'D':
		return 20, nil
	}
	return 0, errors.New("no single face")
}

const key = "test-key"

type simBundle struct {
	srv      *httptest.Server
	requests *atomic.Int64
	cfg      ctid.Config
}

// startSim runs the simulator over real HTTP with a registry of three
// people; wrap may inject faults in front of it.
func startSim(t *testing.T, sc ctidsim.Config, wrap func(http.Handler) http.Handler) simBundle {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "zhang.jpg"), []byte("registry photo"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "registry.json"), []byte(`{
		"11010519491231002X": {"name": "张三", "photo": "zhang.jpg"},
		"420102200503010028": {"name": "李四", "photo": ""}
	}`), 0o644))
	sc.Registry, sc.Key, sc.AppID, sc.Comparer = dir, key, "recheck-test", stubComparer{}
	if sc.Unknown == "" {
		sc.Unknown = "not_found"
	}
	sim, err := ctidsim.New(sc)
	require.NoError(t, err)
	var n atomic.Int64
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return simBundle{srv: srv, requests: &n, cfg: ctid.Config{AppID: "recheck-test", Key: key, Timeout: 2 * time.Second, Retries: 2}}
}

func TestCTIDOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, person, number string
		portrait             string
		unknown              string
		want                 ctid.Outcome
		portraitResult       string
	}{
		{"same person", "张三", "11010519491231002X", "S", "", ctid.Pass, ctid.PortraitSame},
		{"look-alike or poor photo", "张三", "11010519491231002X", "U", "", ctid.Suspected, ctid.PortraitUncertain},
		{"someone else", "张三", "11010519491231002X", "D", "", ctid.NotSamePerson, ctid.PortraitDifferent},
		{"no usable face", "张三", "11010519491231002X", "X", "", ctid.Suspected, ctid.PortraitLowQuality},
		{"wrong name", "张四", "11010519491231002X", "S", "", ctid.IdentityInvalid, ""},
		{"not in the database", "王五", "420120200212010101", "S", "", ctid.IdentityInvalid, ""},
		{"no photo on file", "李四", "420102200503010028", "S", "", ctid.IdentityInvalid, ctid.PortraitNoPhoto},
		{"development: unknown people pass", "王五", "420120200212010101", "D", "pass", ctid.Pass, ctid.PortraitSame},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := startSim(t, ctidsim.Config{Unknown: tc.unknown}, nil)
			v := ctid.NewClient(b.srv.URL, b.cfg).Verify(context.Background(), tc.person, tc.number, []byte(tc.portrait+"jpeg"))
			require.Equal(t, tc.want, v.Outcome, "%+v", v)
			require.NotEmpty(t, v.Serial)
			if tc.portraitResult != "" {
				require.Equal(t, tc.portraitResult, v.PortraitResult)
			}
			require.Equal(t, int64(2), b.requests.Load(), "apply and auth, no retries")
		})
	}
}

func TestCTIDFaults(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("outage: unavailable after the retries", func(t *testing.T) {
		b := startSim(t, ctidsim.Config{Outage: true}, nil)
		v := ctid.NewClient(b.srv.URL, b.cfg).Verify(ctx, "张三", "11010519491231002X", []byte("S"))
		require.Equal(t, ctid.Unavailable, v.Outcome)
		require.Contains(t, v.Detail, "503")
		require.Equal(t, int64(1+b.cfg.Retries), b.requests.Load(), "retried, then gave up")
	})
	t.Run("a passing 5xx is retried away", func(t *testing.T) {
		var failures atomic.Int64
		b := startSim(t, ctidsim.Config{}, func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if failures.Add(1) <= 2 {
					w.WriteHeader(http.StatusBadGateway)
					return
				}
				next.ServeHTTP(w, r)
			})
		})
		v := ctid.NewClient(b.srv.URL, b.cfg).Verify(ctx, "张三", "11010519491231002X", []byte("S"))
		require.Equal(t, ctid.Pass, v.Outcome, "%+v", v)
		require.Equal(t, int64(4), b.requests.Load())
	})
	t.Run("429 is retried", func(t *testing.T) {
		var failures atomic.Int64
		b := startSim(t, ctidsim.Config{}, func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if failures.Add(1) == 1 {
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				next.ServeHTTP(w, r)
			})
		})
		require.Equal(t, ctid.Pass, ctid.NewClient(b.srv.URL, b.cfg).Verify(ctx, "张三", "11010519491231002X", []byte("S")).Outcome)
	})
	t.Run("timeout", func(t *testing.T) {
		b := startSim(t, ctidsim.Config{Latency: 500 * time.Millisecond}, nil)
		cfg := b.cfg
		cfg.Timeout, cfg.Retries = 100*time.Millisecond, 1
		v := ctid.NewClient(b.srv.URL, cfg).Verify(ctx, "张三", "11010519491231002X", []byte("S"))
		require.Equal(t, ctid.Unavailable, v.Outcome)
		require.Contains(t, v.Detail, "Timeout")
	})
	t.Run("gateway down", func(t *testing.T) {
		srv := httptest.NewServer(nil)
		url := srv.URL
		srv.Close()
		cfg := ctid.Config{AppID: "recheck-test", Key: key, Timeout: time.Second, Retries: 1}
		require.Equal(t, ctid.Unavailable, ctid.NewClient(url, cfg).Verify(ctx, "张三", "11010519491231002X", []byte("S")).Outcome)
	})
	t.Run("wrong key: refused, not retried, unavailable", func(t *testing.T) {
		b := startSim(t, ctidsim.Config{}, nil)
		cfg := b.cfg
		cfg.Key = "not-the-key"
		v := ctid.NewClient(b.srv.URL, cfg).Verify(ctx, "张三", "11010519491231002X", []byte("S"))
		require.Equal(t, ctid.Unavailable, v.Outcome)
		require.Contains(t, v.Detail, "signature invalid")
		require.Equal(t, int64(1), b.requests.Load())
	})
	t.Run("cancelled", func(t *testing.T) {
		b := startSim(t, ctidsim.Config{Latency: time.Second}, nil)
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		require.Equal(t, ctid.Unavailable, ctid.NewClient(b.srv.URL, b.cfg).Verify(cctx, "张三", "11010519491231002X", []byte("S")).Outcome)
	})
}

// TestSimulatorRefusesReplays sends one signed request twice, and a serial
// twice: both second times are refused.
func TestSimulatorRefusesReplays(t *testing.T) {
	t.Parallel()
	b := startSim(t, ctidsim.Config{}, nil)
	body := []byte(`{"app_id":"recheck-test","auth_mode":"0x42"}`)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	send := func() int {
		req, err := http.NewRequest(http.MethodPost, b.srv.URL+"/v1/apply", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set(ctid.HeaderAppID, "recheck-test")
		req.Header.Set(ctid.HeaderTimestamp, ts)
		req.Header.Set(ctid.HeaderNonce, "n-1")
		req.Header.Set(ctid.HeaderSignature, ctid.Signature([]byte(key), http.MethodPost, "/v1/apply", ts, "n-1", body))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusOK, send())
	require.Equal(t, http.StatusUnauthorized, send(), "the same nonce again is a replay")
}

func TestSignatureCoversEveryPart(t *testing.T) {
	t.Parallel()
	base := ctid.Signature([]byte("k"), "POST", "/v1/auth", "100", "n", []byte("{}"))
	for name, sig := range map[string]string{
		"key":       ctid.Signature([]byte("k2"), "POST", "/v1/auth", "100", "n", []byte("{}")),
		"method":    ctid.Signature([]byte("k"), "PUT", "/v1/auth", "100", "n", []byte("{}")),
		"path":      ctid.Signature([]byte("k"), "POST", "/v1/apply", "100", "n", []byte("{}")),
		"timestamp": ctid.Signature([]byte("k"), "POST", "/v1/auth", "101", "n", []byte("{}")),
		"nonce":     ctid.Signature([]byte("k"), "POST", "/v1/auth", "100", "m", []byte("{}")),
		"body":      ctid.Signature([]byte("k"), "POST", "/v1/auth", "100", "n", []byte("{ }")),
	} {
		require.NotEqual(t, base, sig, name)
	}
	require.Len(t, base, 64)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	gateway := ctid.Config{URL: "https://ctid.example.cn", AppID: "a", Key: "k", Timeout: time.Second, Retries: 2}
	require.NoError(t, gateway.Validate())
	require.NoError(t, gateway.Require())
	tests := map[string]func(c *ctid.Config){
		"RECHECK_CTID_KEY":     func(c *ctid.Config) { c.Key = "" },
		"RECHECK_CTID_APP_ID":  func(c *ctid.Config) { c.AppID = "" },
		"http(s) URL or sim":   func(c *ctid.Config) { c.URL = "ctid.example.cn" },
		"RECHECK_CTID_TIMEOUT": func(c *ctid.Config) { c.Timeout = 0 },
		"RECHECK_CTID_RETRIES": func(c *ctid.Config) { c.Retries = 11 },
	}
	for want, mutate := range tests {
		c := gateway
		mutate(&c)
		require.ErrorContains(t, c.Validate(), want)
	}
	sim := ctid.Config{URL: ctid.Sim, Timeout: time.Second}
	require.NoError(t, sim.Validate(), "the simulator needs no key")
	require.True(t, sim.Simulated())
	none := ctid.Config{Timeout: time.Second}
	require.NoError(t, none.Validate(), "an intake-only process needs no gateway")
	require.ErrorIs(t, none.Require(), ctid.ErrNotConfigured, "a worker does")
	require.ErrorContains(t, none.Require(), "RECHECK_CTID_URL=sim")
}
