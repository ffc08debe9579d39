package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/internal/keyspace"
	"github.com/recheck/recheck/texts"
)

// claimTTL is how long an Idempotency-Key is held while its request is being
// processed; a request that crashes midway frees the key after it.
const claimTTL = 2 * time.Minute

// idemClaim is what an Idempotency-Key maps to.
type idemClaim struct {
	CaptureID   string `json:"capture_id"`
	Fingerprint string `json:"fingerprint"`
}

// idemScope is an Idempotency-Key within its scope: the upstream key that
// sent it and the school it is for. Two upstream keys (or one key for two
// schools) using the same Idempotency-Key never meet: neither learns that
// the other used it, nor claims it first.
func idemScope(upstream, school, key string) string {
	return upstream + "\x00" + school + "\x00" + key
}

func idemKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return keyspace.Idempotency(hex.EncodeToString(sum[:]))
}

// validIdempotencyKey accepts 1-255 printable ASCII characters.
func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// claim tries to bind key to a new capture. It returns the existing claim
// when the key is already bound (won is false).
func (a *API) claim(ctx context.Context, key string, c idemClaim) (existing idemClaim, won bool, err error) {
	data, _ := json.Marshal(c)
	ok, err := a.deps.Redis.SetNX(ctx, idemKey(key), data, claimTTL).Result()
	if err != nil {
		return idemClaim{}, false, fmt.Errorf("intake: claim idempotency key: %w", err)
	}
	if ok {
		return c, true, nil
	}
	raw, err := a.deps.Redis.Get(ctx, idemKey(key)).Bytes()
	if errors.Is(err, redis.Nil) { // expired in between: try once more
		return a.claim(ctx, key, c)
	}
	if err != nil {
		return idemClaim{}, false, fmt.Errorf("intake: read idempotency key: %w", err)
	}
	if err := json.Unmarshal(raw, &existing); err != nil {
		return idemClaim{}, false, fmt.Errorf("intake: decode idempotency key: %w", err)
	}
	return existing, false, nil
}

// confirm keeps a claim for the configured TTL once its capture exists.
func (a *API) confirm(ctx context.Context, key string) error {
	return a.deps.Redis.Expire(ctx, idemKey(key), a.cfg.IdempotencyTTL).Err()
}

// releaseScript deletes a claim only while it is still the one given: a
// late release never frees a claim a later request has taken since.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// release frees the claim c of a request that failed, so that the
// upstream's retry is processed instead of answered request_in_progress
// (see settle for when Redis does not answer). Without a key it does
// nothing.
func (a *API) release(ctx context.Context, key string, c idemClaim) {
	a.settle(ctx, c.CaptureID, func(ctx context.Context) error { return a.unclaim(ctx, key, c) })
}

// unclaim deletes the claim c of key, if it is still c.
func (a *API) unclaim(ctx context.Context, key string, c idemClaim) error {
	if key == "" {
		return nil
	}
	data, _ := json.Marshal(c)
	return releaseScript.Run(ctx, a.deps.Redis, []string{idemKey(key)}, data).Err()
}

// settle runs the clean-up of a failed request, now and, while it fails
// (often because Redis is down: the very outage that failed the request),
// again in the background, backing off to 5 s, for as long as a claim
// lives. A short outage then holds an Idempotency-Key for seconds, not
// the whole claimTTL.
func (a *API) settle(ctx context.Context, id string, cleanUp func(context.Context) error) {
	if cleanUp(ctx) == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), claimTTL)
		defer cancel()
		for delay := 250 * time.Millisecond; ; delay = min(2*delay, 5*time.Second) {
			select {
			case <-ctx.Done():
				zerolog.Ctx(ctx).Error().Str("capture_id", id).Msg("could not clean up after a failed submission: its claim expires on its own; its original may remain")
				return
			case <-time.After(delay):
			}
			if err := cleanUp(ctx); err == nil {
				zerolog.Ctx(ctx).Info().Str("capture_id", id).Msg("cleaned up after a failed submission once Redis answered")
				return
			}
		}
	}()
}

// fingerprint identifies a request's content, so that a key reused for a
// different photo or student is refused instead of replayed.
func fingerprint(f *captureForm) string {
	h := sha256.New()
	for _, s := range []string{f.School, f.Cohort, f.StudentID, f.OpenID, string(f.DocType), f.DocNumber, f.Name} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(f.Photo)
	return hex.EncodeToString(h.Sum(nil))
}

var errKeyReused = &apiError{
	Status: http.StatusConflict, Code: "idempotency_key_reused",
	Message:   "this Idempotency-Key was used for a different request",
	MessageZH: texts.APIErrors.Text("idempotency_key_reused"),
}
