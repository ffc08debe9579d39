package notify

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/recheck/recheck/internal/keyspace"
)

// Mark is what the ledger knows of one delivery.
type Mark struct {
	// State is "" (never tried), MarkSending (an attempt began and its
	// outcome is unknown) or MarkSent.
	State string
	// MsgID is the channel's message ID of a sent delivery.
	MsgID string
	// Attempts counts the attempts begun, this one included.
	Attempts int
}

// The ledger's states.
const (
	MarkSending = "sending"
	MarkSent    = "sent"
)

// Ledger records each delivery's progress in Redis, apart from (and
// before) the capture's own bookkeeping: "sending" just before the call
// to the channel, "sent" with its message ID the moment it answers. A task
// redelivered after a crash between the channel's answer and the
// bookkeeping finds "sent" and only completes the bookkeeping; one that
// finds "sending" cannot know whether the channel delivered (WeChat has no
// idempotency key) and sends again. That is the one case in which a
// student can get a message twice: the channel accepted it and its answer
// never reached the ledger (the process died in the instant between the
// answer and the one Redis write after it, or the answer was lost in
// transit and the call timed out).
type Ledger struct {
	rdb redis.UniversalClient
	// TTL is how long a mark is kept; longer than any task's retries.
	TTL time.Duration
}

// NewLedger returns a ledger on rdb keeping marks for 30 days.
func NewLedger(rdb redis.UniversalClient) *Ledger {
	return &Ledger{rdb: rdb, TTL: 30 * 24 * time.Hour}
}

// Begin reads delivery id's mark and, unless it was sent, marks an attempt
// as sending; it returns the mark as it was before (State MarkSent: do
// not send again).
func (l *Ledger) Begin(ctx context.Context, id string) (Mark, error) {
	if id == "" {
		return Mark{}, fmt.Errorf("notify: a delivery needs an ID")
	}
	key := keyspace.Delivery(id)
	var prior Mark
	err := l.rdb.Watch(ctx, func(tx *redis.Tx) error {
		v, err := tx.HGetAll(ctx, key).Result()
		if err != nil {
			return err
		}
		prior = Mark{State: v["state"], MsgID: v["msgid"]}
		prior.Attempts, _ = strconv.Atoi(v["attempts"])
		if prior.State == MarkSent {
			return nil
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, key, "state", MarkSending, "at", time.Now().UnixMilli())
			p.HIncrBy(ctx, key, "attempts", 1)
			p.Expire(ctx, key, l.TTL)
			return nil
		})
		return err
	}, key)
	if err != nil {
		return Mark{}, fmt.Errorf("notify: begin delivery %s: %w", id, err)
	}
	return prior, nil
}

// Sent marks delivery id as sent with the channel's message ID.
func (l *Ledger) Sent(ctx context.Context, id, msgID string) error {
	key := keyspace.Delivery(id)
	_, err := l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, "state", MarkSent, "msgid", msgID, "at", time.Now().UnixMilli())
		p.Expire(ctx, key, l.TTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("notify: mark delivery %s sent: %w", id, err)
	}
	return nil
}

// Forget drops delivery id's mark: a delivery that failed for good and is
// recorded on the capture needs it no more.
func (l *Ledger) Forget(ctx context.Context, id string) error {
	if err := l.rdb.Del(ctx, keyspace.Delivery(id)).Err(); err != nil {
		return fmt.Errorf("notify: forget delivery %s: %w", id, err)
	}
	return nil
}
