package loadtest

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/intake/client"
)

// TestRetryBusy: back-pressure (503, 429 with a short Retry-After, 409
// request_in_progress) is sent again; answers and refusals are returned.
func TestRetryBusy(t *testing.T) {
	answer := func(status int, retryAfter, body string) *client.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		return &client.Response{Status: status, Header: h, Body: []byte(body)}
	}
	for _, tc := range []struct {
		name    string
		answers []*client.Response
		want    int
		sends   int
	}{
		{"busy, then accepted", []*client.Response{answer(503, "1", `{}`), answer(202, "", `{}`)}, 202, 2},
		{"overloaded, then accepted", []*client.Response{answer(429, "1", `{}`), answer(202, "", `{}`)}, 202, 2},
		{"claim still held after an outage, then replayed", []*client.Response{
			answer(409, "1", `{"error":{"code":"request_in_progress"}}`), answer(202, "", `{}`)}, 202, 2},
		{"key reused for another request", []*client.Response{answer(409, "", `{"error":{"code":"idempotency_key_reused"}}`)}, 409, 1},
		{"daily quota", []*client.Response{answer(429, "86400", `{"error":{"code":"daily_limit_reached"}}`)}, 429, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sends := 0
			resp, err := retryBusy(context.Background(), func() (*client.Response, error) {
				sends++
				return tc.answers[sends-1], nil
			})
			require.NoError(t, err)
			require.Equal(t, tc.want, resp.Status)
			require.Equal(t, tc.sends, sends)
		})
	}
}
