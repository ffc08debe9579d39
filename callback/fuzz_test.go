package callback

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/recheck/recheck/intake/signing"
)

// FuzzVerify: whatever headers and body arrive, Verify never panics and
// accepts a callback only when its signature is the HMAC of exactly what
// arrived, with the known secret.
func FuzzVerify(f *testing.F) {
	const secret = "callback-secret-callback-secret-0004"
	now := time.Unix(1785400000, 0)
	body := []byte(`{"delivery_id":"c1:2:upstream","event":"capture.approved","capture_id":"c1","school":"cjlu"}`)
	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := signing.Sign([]byte(secret), "POST", "/hook", ts, "0123456789abcdef0123456789abcdef", digest)
	f.Add("cb1", ts, "0123456789abcdef0123456789abcdef", digest, sig, "c1:2:upstream", "/hook", body)
	f.Add("cb1", "x", "short", "zz", "", "", "/", []byte("{"))
	f.Fuzz(func(t *testing.T, key, tsText, nonce, dig, signature, delivery, target string, body []byte) {
		r, err := http.NewRequest(http.MethodPost, "http://receiver.example"+target, bytes.NewReader(body))
		if err != nil {
			return
		}
		for k, v := range map[string]string{signing.HeaderKey: key, signing.HeaderTimestamp: tsText, signing.HeaderNonce: nonce,
			signing.HeaderContentSHA256: dig, signing.HeaderSignature: signature, HeaderDelivery: delivery} {
			r.Header.Set(k, v)
		}
		p, err := Verify(r, map[string]string{"cb1": secret}, now)
		if err != nil {
			return
		}
		sum := sha256.Sum256(body)
		want := signing.Sign([]byte(secret), "POST", r.URL.RequestURI(), tsText, nonce, hex.EncodeToString(sum[:]))
		if key != "cb1" || signature != want || p.DeliveryID != delivery {
			t.Fatalf("accepted a callback not signed so: key %q signature %q", key, signature)
		}
	})
}
