package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/internal/keyspace"
)

// ResealReport counts what Reseal rewrote.
type ResealReport struct {
	// Captures and Journeys count the documents sealed anew; Current
	// those already sealed with the primary key.
	Captures int `json:"captures"`
	Journeys int `json:"journeys"`
	Current  int `json:"current"`
	// Seen is how many documents were looked at so far.
	Seen int `json:"seen"`
}

// count adds one document to the report.
func (rep *ResealReport) count(resealed, journey bool) {
	switch {
	case resealed && journey:
		rep.Journeys++
	case resealed:
		rep.Captures++
	default:
		rep.Current++
	}
}

// sealedFields are a stored document's personal fields, as stored: a
// capture's or a journey's (the fields of the other are empty).
type sealedFields struct {
	OpenID   string `json:"openid"`
	Document struct {
		Name   string `json:"name"`
		Number string `json:"number"`
	} `json:"document"`
	Decision *struct {
		Reason string `json:"reason"`
	} `json:"decision"`
	History []struct {
		Note string `json:"note"`
	} `json:"history"`
	Case *struct {
		Note string `json:"note"`
	} `json:"case"`
	Closed []struct {
		Note string `json:"note"`
	} `json:"closed_cases"`
	AdmissionPhotos []struct {
		Reason string `json:"reason"`
	} `json:"admission_photos"`
	IdentityChanges []struct {
		Reason string `json:"reason"`
	} `json:"identity_changes"`
}

// current reports whether every sealed value of a stored document is
// sealed with the primary key.
func (r *Repository) current(data []byte) bool {
	var f sealedFields
	if json.Unmarshal(data, &f) != nil {
		return false
	}
	values := []string{f.OpenID, f.Document.Name, f.Document.Number}
	if f.Decision != nil {
		values = append(values, f.Decision.Reason)
	}
	if f.Case != nil {
		values = append(values, f.Case.Note)
	}
	for _, e := range f.History {
		values = append(values, e.Note)
	}
	for _, c := range f.Closed {
		values = append(values, c.Note)
	}
	for _, a := range f.AdmissionPhotos {
		values = append(values, a.Reason)
	}
	for _, c := range f.IdentityChanges {
		values = append(values, c.Reason)
	}
	for _, v := range values {
		if !r.sealer.Current(v) {
			return false
		}
	}
	return true
}

// Reseal seals every capture and journey anew with the primary key, in
// Redis and in storage (run after adding a key: recheck rotate-key). A
// document is rewritten in Redis atomically without a new version, then
// its durable copy is written from Redis; a copy only in storage is
// rewritten in place. It is safe to run while the service works, and again
// after an interruption.
func (r *Repository) Reseal(ctx context.Context, progress func(ResealReport)) (ResealReport, error) {
	var rep ResealReport
	seen := map[string]bool{}
	visit := func(key string, journey bool) error {
		if seen[key] {
			return nil
		}
		seen[key] = true
		rep.Seen++
		done, err := r.resealRedis(ctx, key, journey)
		if err != nil {
			return err
		}
		rep.count(done, journey)
		if progress != nil && rep.Seen%500 == 0 {
			progress(rep)
		}
		return nil
	}
	// Everything in Redis.
	for _, pattern := range []string{keyspace.CapturePattern, keyspace.JourneyPattern} {
		iter := r.rdb.Scan(ctx, 0, pattern, 500).Iterator()
		for iter.Next(ctx) {
			if err := visit(iter.Val(), strings.HasPrefix(iter.Val(), keyspace.JourneyPrefix)); err != nil {
				return rep, err
			}
		}
		if err := iter.Err(); err != nil {
			return rep, fmt.Errorf("capture: reseal: scan Redis: %w", err)
		}
	}
	// Durable copies whose documents Redis does not hold.
	keys, err := r.store.List(ctx, "schools/")
	if err != nil {
		return rep, fmt.Errorf("capture: reseal: list storage: %w", err)
	}
	for _, key := range keys {
		parts := strings.Split(key, "/")
		if len(parts) != 5 || (parts[4] != "result.json" && parts[4] != "journey.json") {
			continue
		}
		journey := parts[4] == "journey.json"
		rkey := keyspace.Capture(parts[3])
		if journey {
			rkey = keyspace.Journey(parts[1], parts[3])
		}
		if seen[rkey] {
			continue
		}
		seen[rkey] = true
		rep.Seen++
		done, err := r.resealStored(ctx, key, journey)
		if err != nil {
			return rep, err
		}
		rep.count(done, journey)
	}
	if progress != nil {
		progress(rep)
	}
	return rep, nil
}

// resealRedis seals a Redis document anew when it is not current, then
// writes its durable copy.
func (r *Repository) resealRedis(ctx context.Context, key string, journey bool) (bool, error) {
	changed := false
	var school, student, id string
	err := r.rdb.Watch(ctx, func(tx *redis.Tx) error {
		data, err := tx.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			return nil
		}
		if err != nil {
			return err
		}
		var out []byte
		if journey {
			var j capture.Journey
			if err := r.decodeJourney(data, &j); err != nil {
				return err
			}
			school, student = j.School, j.StudentID
			if r.current(data) {
				return nil
			}
			if out, err = r.encodeJourney(&j, false); err != nil {
				return err
			}
		} else {
			rec, err := r.decodeRecord(data)
			if err != nil {
				return err
			}
			id = rec.ID
			if r.current(data) {
				return nil
			}
			if out, err = r.encodeRecord(rec, false); err != nil {
				return err
			}
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, out, 0)
			return nil
		})
		changed = err == nil
		return err
	}, key)
	if err != nil {
		return false, fmt.Errorf("capture: reseal %s: %w", key, err)
	}
	// The durable copy follows Redis, also when only it was stale.
	if journey && school != "" {
		return changed, r.SyncJourney(ctx, school, student)
	}
	if id != "" {
		return changed, r.Sync(ctx, id)
	}
	return changed, nil
}

// resealStored rewrites a durable copy that Redis does not hold.
func (r *Repository) resealStored(ctx context.Context, key string, journey bool) (bool, error) {
	data, err := r.store.Get(ctx, key)
	if err != nil {
		return false, fmt.Errorf("capture: reseal: read %s: %w", key, err)
	}
	if r.current(data) {
		return false, nil
	}
	var out []byte
	if journey {
		var j capture.Journey
		if err := r.decodeJourney(data, &j); err != nil {
			return false, fmt.Errorf("capture: reseal %s: %w", key, err)
		}
		out, err = r.encodeJourney(&j, true)
	} else {
		rec, derr := r.decodeRecord(data)
		if derr != nil {
			return false, fmt.Errorf("capture: reseal %s: %w", key, derr)
		}
		out, err = r.encodeRecord(rec, true)
	}
	if err != nil {
		return false, err
	}
	if err := r.store.Put(ctx, key, out); err != nil {
		return false, fmt.Errorf("capture: reseal: write %s: %w", key, err)
	}
	return true, nil
}
