package client_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/intake/client"
)

// TestLargeBodyAsksBeforeSending: a photo goes with "Expect:
// 100-continue", so a service that turns it away without reading it (busy,
// overloaded) is an answer, not a connection reset halfway through 20 MB.
func TestLargeBodyAsksBeforeSending(t *testing.T) {
	var asked, small atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Expect") == "100-continue" {
			asked.Add(1)
		}
		if r.Method != http.MethodPut {
			small.Add(1)
			w.WriteHeader(http.StatusOK)
			return
		}
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(http.StatusServiceUnavailable) // the body is never read
	}))
	defer srv.Close()
	c := client.New(srv.URL, "k", "secret")
	photo := bytes.Repeat([]byte{0xAB}, 20<<20)
	for range 20 {
		resp, err := c.Do(context.Background(), http.MethodPut, "/v1/schools/s/students/x/admission-photo", photo, "image/jpeg", nil)
		require.NoError(t, err, "an answer, not a reset")
		require.Equal(t, http.StatusServiceUnavailable, resp.Status)
	}
	require.EqualValues(t, 20, asked.Load())
	resp, err := c.Do(context.Background(), http.MethodPost, "/v1/captures/x/confirm", []byte(`{"admission_photo":"mine"}`), "application/json", nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.Status)
	require.EqualValues(t, 20, asked.Load(), "small bodies are sent at once")
	require.EqualValues(t, 1, small.Load())
}
