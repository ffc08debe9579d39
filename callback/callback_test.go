package callback_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/callback"
	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/intake/signing"
)

const secret = "callback-secret-callback-secret-0004"

func settings(url string) *callback.Settings {
	return &callback.Settings{KeyID: "cb1", Secret: secret, Default: callback.Endpoints{URL: url},
		Schools: map[string]callback.Endpoints{"cjlu": {RecordsOfficeURL: url + "/office"}}}
}

// capturing records the last request a sender made, and answers 204.
type capturing struct {
	req  *http.Request
	body []byte
}

func (c *capturing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.body, _ = io.ReadAll(r.Body)
	c.req = r
	w.WriteHeader(http.StatusNoContent)
}

func TestVerifyRefusesWhatWasNotSignedSo(t *testing.T) {
	t.Parallel()
	rec := &capturing{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	s := callback.NewSender(settings(srv.URL + "/hook?x=1"))
	p := callback.Payload{DeliveryID: "c1:2:upstream", CaptureID: "c1", School: "zju", State: capture.Rejected}
	_, err := s.Send(context.Background(), capture.TargetUpstream, p)
	require.NoError(t, err)

	verify := func(mutate func(r *http.Request, body []byte) []byte, secrets map[string]string, now time.Time) error {
		r := rec.req.Clone(context.Background())
		r.Header = rec.req.Header.Clone()
		body := mutate(r, bytes.Clone(rec.body))
		r.Body = io.NopCloser(bytes.NewReader(body))
		_, err := callback.Verify(r, secrets, now)
		return err
	}
	same := func(r *http.Request, b []byte) []byte { return b }
	keys := map[string]string{"cb1": secret}
	require.NoError(t, verify(same, keys, time.Now()))
	tests := []struct {
		name    string
		mutate  func(*http.Request, []byte) []byte
		secrets map[string]string
		now     time.Time
		want    string
	}{
		{"wrong secret", same, map[string]string{"cb1": "another-secret-another-secret-0000"}, time.Now(), "signature does not match"},
		{"unknown key", same, map[string]string{"cb2": secret}, time.Now(), "unknown key"},
		{"late", same, keys, time.Now().Add(10 * time.Minute), "off this clock"},
		{"tampered body", func(r *http.Request, b []byte) []byte { return bytes.Replace(b, []byte("zju"), []byte("cjl"), 1) }, keys, time.Now(), "SHA-256"},
		{"other path", func(r *http.Request, b []byte) []byte { r.URL.RawQuery = "x=2"; return b }, keys, time.Now(), "signature does not match"},
		{"other delivery header", func(r *http.Request, b []byte) []byte {
			r.Header.Set(callback.HeaderDelivery, "c1:3:upstream")
			return b
		}, keys, time.Now(), "delivery ID"},
		{"no nonce", func(r *http.Request, b []byte) []byte { r.Header.Del(signing.HeaderNonce); return b }, keys, time.Now(), "Nonce"},
	}
	for _, tc := range tests {
		err := verify(tc.mutate, tc.secrets, tc.now)
		require.ErrorContains(t, err, tc.want, tc.name)
	}
}

func TestSettings(t *testing.T) {
	t.Parallel()
	s := settings("https://upstream.example.edu/hook")
	require.NoError(t, s.Validate())
	require.Equal(t, []string{capture.TargetUpstream}, s.Targets("zju", capture.Approved, ""))
	require.Empty(t, s.Targets("zju", capture.Queued, ""), "queued is not called back")
	require.Equal(t, []string{capture.TargetUpstream}, s.Targets("zju", capture.Escalated, ""), "zju has no records office")
	require.Equal(t, []string{capture.TargetUpstream, capture.TargetRecordsOffice}, s.Targets("cjlu", capture.Escalated, ""))
	require.Equal(t, []string{capture.TargetUpstream, capture.TargetRecordsOffice}, s.Targets("cjlu", capture.OnHold, string(capture.HoldAdmissionPhotoMissing)),
		"no admission photo on file is the office's case")
	require.Empty(t, s.Targets("cjlu", capture.OnHold, string(capture.HoldCTIDUnavailable)), "waiting for CTID calls nobody")
	require.Equal(t, []string{capture.TargetUpstream}, s.Targets("cjlu", capture.Superseded, ""))
	require.Equal(t, "https://upstream.example.edu/hook/office", s.URL("cjlu", capture.TargetRecordsOffice))

	bad := &callback.Settings{KeyID: "", Secret: "short", Default: callback.Endpoints{URL: "ftp://x"}}
	err := bad.Validate()
	for _, want := range []string{"key_id is empty", "at least 32 characters", `default.url: "ftp://x"`} {
		require.ErrorContains(t, err, want)
	}
}

func TestSendReportsTheReceiversStatus(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	s := callback.NewSender(settings(srv.URL))
	code, err := s.Send(context.Background(), capture.TargetUpstream, callback.Payload{DeliveryID: "d", School: "zju"})
	require.Equal(t, http.StatusServiceUnavailable, code)
	var se *callback.StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, "down for maintenance", se.Body)
	_, err = s.Send(context.Background(), capture.TargetRecordsOffice, callback.Payload{DeliveryID: "d", School: "zju"})
	require.ErrorIs(t, err, callback.ErrNoURL)
}
