package intake

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/redistest"
)

// TestReleaseFreesOnlyItsOwnClaim: a release that comes late (retried
// after an outage) finds the key taken by a later request and leaves that
// claim alone; the holder's own release frees it.
func TestReleaseFreesOnlyItsOwnClaim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rs := redistest.Start(t)
	a := &API{cfg: Config{IdempotencyTTL: time.Hour}, deps: Deps{Redis: rs.Client}}
	first := idemClaim{CaptureID: "c1", Fingerprint: "f"}
	_, won, err := a.claim(ctx, "k", first)
	require.NoError(t, err)
	require.True(t, won)
	// The first claim expired; a later request holds the key now.
	require.NoError(t, rs.Client.Del(ctx, idemKey("k")).Err())
	later := idemClaim{CaptureID: "c2", Fingerprint: "f"}
	_, won, err = a.claim(ctx, "k", later)
	require.NoError(t, err)
	require.True(t, won)

	a.release(ctx, "k", first)
	held, _, err := a.claim(ctx, "k", idemClaim{CaptureID: "c3", Fingerprint: "f"})
	require.NoError(t, err)
	require.Equal(t, later, held, "the later request keeps its claim")

	a.release(ctx, "k", later)
	n, err := rs.Client.Exists(ctx, idemKey("k")).Result()
	require.NoError(t, err)
	require.Zero(t, n, "its own release frees the key")
}
