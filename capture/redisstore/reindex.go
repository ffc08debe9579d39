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

// ReindexReport counts what Reindex read and rebuilt.
type ReindexReport struct {
	// Captures, Journeys and AdmissionPhotos count the durable copies
	// written back to Redis; Current those Redis already held at the same
	// or a newer version (left alone).
	Captures        int `json:"captures"`
	Journeys        int `json:"journeys"`
	AdmissionPhotos int `json:"admission_photos"`
	Current         int `json:"current"`
	// Dispatched counts the follow-ups handed to the queues again: the
	// stages of unfinished captures and the messages not yet delivered.
	Dispatched int `json:"dispatched"`
	// Unreadable lists the durable copies that could not be read.
	Unreadable []string `json:"unreadable"`
	// Seen is how many stored objects were looked at so far, of Total.
	Seen  int `json:"seen"`
	Total int `json:"total"`
}

// Reindex rebuilds Redis from the durable copies in storage: every capture
// record with its indexes, every journey with its counters and open case,
// every admission photo reference; school "" means every school. A copy
// Redis holds at the same or a newer version is left alone. For what it
// rebuilt it dispatches the follow-ups again, including those of tasks
// that were retrying or archived when the queues were lost, so nothing
// waits forever. progress, when not nil, is called now and then.
func (r *Repository) Reindex(ctx context.Context, school string, progress func(ReindexReport)) (ReindexReport, error) {
	rep := ReindexReport{Unreadable: []string{}}
	prefix := "schools/"
	if school != "" {
		if !capture.ValidID(school) {
			return rep, &capture.InvalidError{Field: "school", Message: "not a school code"}
		}
		prefix += school + "/"
	}
	keys, err := r.store.List(ctx, prefix)
	if err != nil {
		return rep, fmt.Errorf("capture: reindex: list %s: %w", prefix, err)
	}
	rep.Total = len(keys)
	for i, key := range keys {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rep.Seen = i + 1
		parts := strings.Split(key, "/")
		var err error
		switch {
		case len(parts) == 5 && parts[2] == "captures" && parts[4] == "result.json":
			err = r.reindexCapture(ctx, key, &rep)
		case len(parts) == 5 && parts[2] == "students" && parts[4] == "journey.json":
			err = r.reindexJourney(ctx, key, &rep)
		case len(parts) == 5 && parts[2] == "students" && parts[4] == "admission.json":
			err = r.reindexAdmission(ctx, key, parts[1], parts[3], &rep)
		default:
			continue
		}
		var ue *unreadableError
		if errors.As(err, &ue) {
			rep.Unreadable = append(rep.Unreadable, key)
			continue
		}
		if err != nil {
			return rep, err
		}
		if progress != nil && rep.Seen%500 == 0 {
			progress(rep)
		}
	}
	if progress != nil {
		progress(rep)
	}
	return rep, nil
}

type unreadableError struct{ err error }

func (e *unreadableError) Error() string { return e.err.Error() }

// readJSON reads a stored document into v; a document that does not decode
// is unreadable, not a failure of the whole run.
func (r *Repository) readJSON(ctx context.Context, key string, v any) error {
	data, err := r.store.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("capture: reindex: read %s: %w", key, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &unreadableError{err}
	}
	return nil
}

func (r *Repository) reindexCapture(ctx context.Context, key string, rep *ReindexReport) error {
	raw, err := r.store.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("capture: reindex: read %s: %w", key, err)
	}
	decoded, err := r.decodeRecord(raw)
	if err != nil {
		return &unreadableError{err}
	}
	rec := *decoded
	if !capture.ValidID(rec.ID) || !capture.ValidID(rec.School) || !capture.ValidID(rec.StudentID) {
		return &unreadableError{errors.New("not a capture record")}
	}
	rec.Normalize()
	old, err := r.Get(ctx, rec.ID)
	if err != nil && !errors.Is(err, capture.ErrNotFound) {
		return err
	}
	if old != nil && old.Version >= rec.Version {
		rep.Current++
		return nil
	}
	data, err := r.encodeRecord(&rec, false)
	if err != nil {
		return fmt.Errorf("capture: reindex: encode %s: %w", rec.ID, err)
	}
	entered := rec.CreatedAt
	if len(rec.History) > 0 {
		entered = rec.Last().At
	}
	_, err = r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, keyspace.Capture(rec.ID), data, 0)
		if old != nil {
			p.ZRem(ctx, keyspace.SchoolState(old.School, string(old.State)), rec.ID)
		}
		p.ZAdd(ctx, keyspace.SchoolState(rec.School, string(rec.State)), redis.Z{Score: float64(entered.UnixMilli()), Member: rec.ID})
		p.ZAdd(ctx, keyspace.SchoolCaptures(rec.School), redis.Z{Score: float64(rec.CreatedAt.UnixMilli()), Member: rec.ID})
		p.ZAdd(ctx, keyspace.StudentCaptures(rec.School, rec.StudentID), redis.Z{Score: float64(rec.CreatedAt.UnixMilli()), Member: rec.ID})
		return nil
	})
	if err != nil {
		return fmt.Errorf("capture: reindex %s: %w", rec.ID, err)
	}
	rep.Captures++
	for _, f := range rec.Followups(true) {
		if err := r.dispatch.Dispatch(ctx, f); err != nil {
			return fmt.Errorf("capture: reindex: dispatch %s of %s: %w", f.Kind, rec.ID, err)
		}
		rep.Dispatched++
	}
	return nil
}

func (r *Repository) reindexJourney(ctx context.Context, key string, rep *ReindexReport) error {
	raw, err := r.store.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("capture: reindex: read %s: %w", key, err)
	}
	var j capture.Journey
	if err := r.decodeJourney(raw, &j); err != nil {
		return &unreadableError{err}
	}
	if !capture.ValidID(j.School) || !capture.ValidID(j.StudentID) {
		return &unreadableError{errors.New("not a journey")}
	}
	j.Normalize()
	old, stored, err := r.getJourney(ctx, r.rdb, j.School, j.StudentID)
	if err != nil {
		return err
	}
	if stored && old.Version >= j.Version {
		rep.Current++
		return nil
	}
	data, err := r.encodeJourney(&j, false)
	if err != nil {
		return fmt.Errorf("capture: reindex: encode journey: %w", err)
	}
	_, err = r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, keyspace.Journey(j.School, j.StudentID), data, 0)
		if j.Identity != nil {
			// The document index: the first journey that claims a number
			// keeps it, as at submission.
			p.SetNX(ctx, keyspace.Document(j.School, j.Identity.NumberHMAC), j.StudentID, 0)
			p.SAdd(ctx, keyspace.DocumentSchools(j.Identity.NumberHMAC), j.School)
		}
		if j.Case != nil {
			p.ZAdd(ctx, keyspace.SchoolCases(j.School), redis.Z{Score: float64(j.Case.OpenedAt.UnixMilli()), Member: j.StudentID})
		} else {
			p.ZRem(ctx, keyspace.SchoolCases(j.School), j.StudentID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("capture: reindex journey: %w", err)
	}
	rep.Journeys++
	for _, f := range j.Followups() {
		if err := r.dispatch.Dispatch(ctx, f); err != nil {
			return fmt.Errorf("capture: reindex: dispatch journey notice: %w", err)
		}
		rep.Dispatched++
	}
	return nil
}

func (r *Repository) reindexAdmission(ctx context.Context, key, school, student string, rep *ReindexReport) error {
	var ref capture.AdmissionPhoto
	if err := r.readJSON(ctx, key, &ref); err != nil {
		return err
	}
	if ref.SHA256 == "" || ref.Key != capture.AdmissionKey(school, student, ref.SHA256) {
		return &unreadableError{errors.New("not an admission photo reference of this student")}
	}
	old, err := r.AdmissionPhoto(ctx, school, student)
	if err != nil && !errors.Is(err, capture.ErrNotFound) {
		return err
	}
	if old != nil && !old.UpdatedAt.Before(ref.UpdatedAt) {
		rep.Current++
		return nil
	}
	data, err := json.Marshal(&ref)
	if err != nil {
		return fmt.Errorf("capture: reindex: encode admission photo: %w", err)
	}
	if err := r.rdb.Set(ctx, keyspace.Admission(school, student), data, 0).Err(); err != nil {
		return fmt.Errorf("capture: reindex admission photo: %w", err)
	}
	rep.AdmissionPhotos++
	return nil
}
