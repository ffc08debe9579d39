package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotFound is returned when a record or reference does not exist.
var ErrNotFound = errors.New("capture: not found")

// ErrExists is returned by Create when the ID is taken.
var ErrExists = errors.New("capture: already exists")

// Repository keeps capture records and their indexes in Redis:
//
//	recheck:capture:{id}                      the record, as JSON
//	recheck:school:{school}:captures          sorted set of IDs by creation time
//	recheck:student:{school}:{student}:captures
//	                                          sorted set of a student's IDs
//	recheck:admission:{school}:{student}      the admission photo reference
//	recheck:embedding:{embedder}:{sha256}     a cached face embedding
//
// Updates are optimistic (WATCH/MULTI), so concurrent deliveries of a task
// never lose each other's changes.
type Repository struct {
	rdb redis.UniversalClient
	now func() time.Time
}

// NewRepository returns a repository on rdb.
func NewRepository(rdb redis.UniversalClient) *Repository {
	return &Repository{rdb: rdb, now: time.Now}
}

const prefix = "recheck:"

func captureKey(id string) string { return prefix + "capture:" + id }
func schoolKey(school string) string {
	return prefix + "school:" + school + ":captures"
}
func studentKey(school, student string) string {
	return prefix + "student:" + school + ":" + student + ":captures"
}
func admissionKey(school, student string) string {
	return prefix + "admission:" + school + ":" + student
}
func embeddingKey(embedder, sha string) string {
	return prefix + "embedding:" + embedder + ":" + sha
}

// Create stores a new record and indexes it; it fails with ErrExists when
// the ID is taken.
func (r *Repository) Create(ctx context.Context, rec *Record) error {
	now := r.now().UTC()
	if rec.CreatedAt.IsZero() {
		rec.CreatedAt = now
	}
	rec.UpdatedAt = now
	rec.Version = 1
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("capture: encode %s: %w", rec.ID, err)
	}
	score := float64(rec.CreatedAt.UnixMilli())
	var created *redis.BoolCmd
	_, err = r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		created = p.SetNX(ctx, captureKey(rec.ID), data, 0)
		p.ZAddNX(ctx, schoolKey(rec.School), redis.Z{Score: score, Member: rec.ID})
		p.ZAddNX(ctx, studentKey(rec.School, rec.StudentID), redis.Z{Score: score, Member: rec.ID})
		return nil
	})
	if err != nil {
		return fmt.Errorf("capture: create %s: %w", rec.ID, err)
	}
	if !created.Val() {
		return fmt.Errorf("capture: create %s: %w", rec.ID, ErrExists)
	}
	return nil
}

// Get returns the record with the given ID.
func (r *Repository) Get(ctx context.Context, id string) (*Record, error) {
	data, err := r.rdb.Get(ctx, captureKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("capture %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("capture: get %s: %w", id, err)
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("capture: decode %s: %w", id, err)
	}
	return &rec, nil
}

// Update applies fn to the current record and saves the result, retrying
// when another writer changed the record in between. fn may be called more
// than once; when it returns an error nothing is saved and the error is
// returned. The saved record is returned.
func (r *Repository) Update(ctx context.Context, id string, fn func(*Record) error) (*Record, error) {
	key := captureKey(id)
	var saved *Record
	txf := func(tx *redis.Tx) error {
		data, err := tx.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			return fmt.Errorf("capture %s: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		var rec Record
		if err := json.Unmarshal(data, &rec); err != nil {
			return fmt.Errorf("capture: decode %s: %w", id, err)
		}
		if err := fn(&rec); err != nil {
			return err
		}
		rec.UpdatedAt = r.now().UTC()
		rec.Version++
		out, err := json.Marshal(&rec)
		if err != nil {
			return fmt.Errorf("capture: encode %s: %w", id, err)
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, out, 0)
			return nil
		})
		if err == nil {
			saved = &rec
		}
		return err
	}
	for attempt := 0; attempt < 20; attempt++ {
		err := r.rdb.Watch(ctx, txf, key)
		if errors.Is(err, redis.TxFailedErr) {
			continue // another writer won; read again
		}
		if err != nil {
			return nil, err
		}
		return saved, nil
	}
	return nil, fmt.Errorf("capture: update %s: too much contention", id)
}

// Delete removes a record and its index entries; intake uses it to undo a
// capture it could not enqueue.
func (r *Repository) Delete(ctx context.Context, rec *Record) error {
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, captureKey(rec.ID))
		p.ZRem(ctx, schoolKey(rec.School), rec.ID)
		p.ZRem(ctx, studentKey(rec.School, rec.StudentID), rec.ID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("capture: delete %s: %w", rec.ID, err)
	}
	return nil
}

// SchoolCaptures returns up to limit capture IDs of a school, oldest first,
// starting at offset.
func (r *Repository) SchoolCaptures(ctx context.Context, school string, offset, limit int64) ([]string, error) {
	ids, err := r.rdb.ZRange(ctx, schoolKey(school), offset, offset+limit-1).Result()
	if err != nil {
		return nil, fmt.Errorf("capture: list school %s: %w", school, err)
	}
	return ids, nil
}

// StudentCaptures returns the IDs of a student's captures, oldest first.
func (r *Repository) StudentCaptures(ctx context.Context, school, student string) ([]string, error) {
	ids, err := r.rdb.ZRange(ctx, studentKey(school, student), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("capture: list student captures: %w", err)
	}
	return ids, nil
}

// SetAdmissionPhoto records the reference to a student's admission photo.
func (r *Repository) SetAdmissionPhoto(ctx context.Context, school, student string, ref AdmissionPhoto) error {
	data, err := json.Marshal(ref)
	if err != nil {
		return fmt.Errorf("capture: encode admission photo: %w", err)
	}
	if err := r.rdb.Set(ctx, admissionKey(school, student), data, 0).Err(); err != nil {
		return fmt.Errorf("capture: set admission photo: %w", err)
	}
	return nil
}

// AdmissionPhoto returns the reference to a student's admission photo, or
// an error wrapping ErrNotFound when none is on file.
func (r *Repository) AdmissionPhoto(ctx context.Context, school, student string) (*AdmissionPhoto, error) {
	data, err := r.rdb.Get(ctx, admissionKey(school, student)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("admission photo: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("capture: get admission photo: %w", err)
	}
	var ref AdmissionPhoto
	if err := json.Unmarshal(data, &ref); err != nil {
		return nil, fmt.Errorf("capture: decode admission photo: %w", err)
	}
	return &ref, nil
}

// Embedding returns a cached face embedding of the photo with the given
// SHA-256, computed by the named embedder; ok is false when none is cached.
func (r *Repository) Embedding(ctx context.Context, embedder, sha string) (vec []float32, ok bool, err error) {
	data, err := r.rdb.Get(ctx, embeddingKey(embedder, sha)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("capture: get embedding: %w", err)
	}
	if err := json.Unmarshal(data, &vec); err != nil {
		return nil, false, fmt.Errorf("capture: decode embedding: %w", err)
	}
	return vec, true, nil
}

// SetEmbedding caches a face embedding for ttl. The key includes the
// photo's SHA-256, so a changed admission photo never meets a stale one.
func (r *Repository) SetEmbedding(ctx context.Context, embedder, sha string, vec []float32, ttl time.Duration) error {
	data, err := json.Marshal(vec)
	if err != nil {
		return fmt.Errorf("capture: encode embedding: %w", err)
	}
	if err := r.rdb.Set(ctx, embeddingKey(embedder, sha), data, ttl).Err(); err != nil {
		return fmt.Errorf("capture: set embedding: %w", err)
	}
	return nil
}
