package signing_test

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/intake/signing"
)

func TestStringToSign(t *testing.T) {
	require.Equal(t, "GET\n/v1/captures/abc?x=1\n1780000000\nn0nce-n0nce-n0nce\n"+signing.EmptySHA256,
		signing.StringToSign("GET", "/v1/captures/abc?x=1", "1780000000", "n0nce-n0nce-n0nce", signing.EmptySHA256))
	sum := sha256.Sum256(nil)
	require.Equal(t, hex.EncodeToString(sum[:]), signing.EmptySHA256)
}

// TestSignatureCoversEveryPart: changing any part changes the signature.
func TestSignatureCoversEveryPart(t *testing.T) {
	k := []byte("secret")
	base := signing.Sign(k, "POST", "/v1/captures", "100", "nonce-nonce-nonce", signing.EmptySHA256)
	for name, sig := range map[string]string{
		"secret":    signing.Sign([]byte("secret2"), "POST", "/v1/captures", "100", "nonce-nonce-nonce", signing.EmptySHA256),
		"method":    signing.Sign(k, "PUT", "/v1/captures", "100", "nonce-nonce-nonce", signing.EmptySHA256),
		"target":    signing.Sign(k, "POST", "/v1/captures?x", "100", "nonce-nonce-nonce", signing.EmptySHA256),
		"timestamp": signing.Sign(k, "POST", "/v1/captures", "101", "nonce-nonce-nonce", signing.EmptySHA256),
		"nonce":     signing.Sign(k, "POST", "/v1/captures", "100", "nonce-nonce-nonce2", signing.EmptySHA256),
		"body":      signing.Sign(k, "POST", "/v1/captures", "100", "nonce-nonce-nonce", "0"+signing.EmptySHA256[1:]),
	} {
		require.NotEqual(t, base, sig, name)
	}
	h := signing.Headers("dev", k, "GET", "/v1/x", signing.EmptySHA256, time.Unix(100, 0))
	require.Equal(t, "100", h[signing.HeaderTimestamp])
	require.True(t, signing.ValidNonce(h[signing.HeaderNonce]))
	require.Equal(t, signing.Sign(k, "GET", "/v1/x", "100", h[signing.HeaderNonce], signing.EmptySHA256), h[signing.HeaderSignature])
	require.False(t, signing.ValidNonce("short"))
	require.False(t, signing.ValidSHA256("XYZ"))
}
