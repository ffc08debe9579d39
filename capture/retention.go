package capture

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Purged records that a capture's photos were deleted and its personal
// fields erased under the retention rule; the record itself (states,
// history, scores) stays for the school's statistics and audits.
type Purged struct {
	At time.Time `json:"at"`
}

// PurgeReport counts what Purge did.
type PurgeReport struct {
	Captures int `json:"captures"`
	Journeys int `json:"journeys"`
}

// finalStates are the states whose captures retention purges.
var finalStates = []State{Rejected, Blocked, Approved, ReviewRejected, Escalated}

// Purge applies the retention rule to captures final before cutoff: their
// original and standardized photos are deleted from storage and their
// names, document numbers and openids erased (the keyed hash of the number
// stays); journeys not changed since cutoff lose their openid. At most
// limit captures are purged per call (the workers call it periodically).
// Deleting the files first makes a purge interrupted midway finish on the
// next call.
func (l *Lifecycle) Purge(ctx context.Context, cutoff time.Time, limit int) (PurgeReport, error) {
	var rep PurgeReport
	n, err := l.store.EnteredBefore(ctx, finalStates, cutoff, limit, func(id string) (bool, error) {
		return l.purgeCapture(ctx, id)
	})
	rep.Captures = n
	if err != nil {
		return rep, fmt.Errorf("capture: purge: %w", err)
	}
	n, err = l.store.EachJourney(ctx, limit, func(school, student string) (bool, error) {
		_, err := l.store.Do(ctx, school, student, func(t Tx) error {
			j := t.Journey()
			if j.OpenID == "" || !j.UpdatedAt.Before(cutoff) {
				return errUnchanged
			}
			j.OpenID = ""
			return nil
		})
		switch {
		case errors.Is(err, errUnchanged):
			return false, nil
		case err != nil && !errors.Is(err, ErrNotSynced):
			return false, err
		}
		return true, nil
	})
	rep.Journeys = n
	return rep, err
}

// purgeCapture deletes a final capture's photos and erases its personal
// fields; a capture already purged is left alone.
func (l *Lifecycle) purgeCapture(ctx context.Context, id string) (bool, error) {
	rec, err := l.store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if rec.Purged != nil || !rec.State.Final() {
		return false, nil
	}
	for _, key := range []string{OriginalKey(rec.School, rec.ID), StandardizedKey(rec.School, rec.ID)} {
		if err := l.store.DeleteFile(ctx, key); err != nil {
			return false, fmt.Errorf("capture: purge %s: %w", id, err)
		}
	}
	_, err = l.change(ctx, id, func(t Tx, rec *Record) error {
		if rec.Purged != nil {
			return errUnchanged
		}
		rec.Document.Name, rec.Document.Number, rec.OpenID = "", "", ""
		rec.Purged = &Purged{At: t.Now()}
		return nil
	})
	if err != nil && !errors.Is(err, ErrNotSynced) {
		return false, err
	}
	return true, nil
}
