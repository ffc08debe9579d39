package intake_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/intake"
	"github.com/recheck/recheck/worker/workertest"
)

// blockingChecker holds every check until release is closed, and says when
// one has started.
type blockingChecker struct {
	started chan struct{}
	release chan struct{}
}

func (c *blockingChecker) CheckQuality(ctx context.Context, _ string, _ []byte) (capture.QualityVerdict, error) {
	c.started <- struct{}{}
	select {
	case <-c.release:
	case <-ctx.Done():
		return capture.QualityVerdict{}, ctx.Err()
	}
	return capture.QualityVerdict{Passed: true}, nil
}

// TestPrecheckNeverQueues: with every precheck slot busy, the next one is
// answered 503 with Retry-After at once instead of waiting.
func TestPrecheckNeverQueues(t *testing.T) {
	t.Parallel()
	chk := &blockingChecker{started: make(chan struct{}, 1), release: make(chan struct{})}
	b := setup(t, func(c *intake.Config, d *intake.Deps) { c.PrecheckSlots = 1; d.Quality = chk })
	url := b.srv.URL + "/v1/schools/cjlu/students/S1/precheck"
	body := func() *http.Request {
		buf, ct := multipartBody(t, nil, workertest.Photo("person=alice"))
		req := mustReq(t, http.MethodPost, url, buf)
		req.Header.Set("Content-Type", ct)
		return req
	}
	first := make(chan int, 1)
	go func() {
		resp, err := signingClient.Do(body())
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	<-chk.started
	resp, out := b.do(t, body())
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, out)
	require.Equal(t, "busy", errorOf(t, out)["code"])
	require.Equal(t, "1", resp.Header.Get("Retry-After"))
	close(chk.release)
	require.Equal(t, http.StatusOK, <-first, "the first one finished")
	resp, out = b.do(t, body())
	require.Equal(t, http.StatusOK, resp.StatusCode, "a slot is free again: %v", out)
}

// TestPrecheckRefusesBadInput: a precheck reads the photo as a capture does
// and names what is wrong.
func TestPrecheckRefusesBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t, func(_ *intake.Config, d *intake.Deps) { d.Quality = &workertest.Standardizer{} })
	url := b.srv.URL + "/v1/schools/cjlu/students/S1/precheck"
	tests := []struct {
		name   string
		fields map[string]string
		photo  []byte
		status int
		code   string
	}{
		{"no photo", nil, nil, http.StatusBadRequest, "missing_field"},
		{"not a photo", nil, []byte("definitely not a photo"), http.StatusUnsupportedMediaType, "unsupported_format"},
		{"an unknown field", map[string]string{"name": "张三"}, workertest.Photo("person=alice"), http.StatusBadRequest, "unknown_field"},
	}
	for _, tc := range tests {
		buf, ct := multipartBody(t, tc.fields, tc.photo)
		req := mustReq(t, http.MethodPost, url, buf)
		req.Header.Set("Content-Type", ct)
		resp, out := b.do(t, req)
		require.Equal(t, tc.status, resp.StatusCode, "%s: %v", tc.name, out)
		require.Equal(t, tc.code, errorOf(t, out)["code"], tc.name)
		require.NotEmpty(t, errorOf(t, out)["message_zh"], tc.name)
	}
	resp, out := b.do(t, mustReq(t, http.MethodPost, url, nil))
	require.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode, out)
}
