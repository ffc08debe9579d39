// Package redisstore is the capture.Store recheck runs on: records,
// journeys and admission photo references live in Redis (every key in
// internal/keyspace), each change is one optimistic transaction, and an
// outbox sees that the durable copy in object storage is written and the
// follow-ups dispatched even when a process dies in between. It also
// rebuilds Redis from storage (Reindex) and reseals personal data with a
// new key (Reseal).
package redisstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/internal/keyspace"
	"github.com/recheck/recheck/storage"
)

// Repository keeps the records, journeys and admission photo references in
// Redis, writes their durable copies to object storage and dispatches the
// work their states call for:
//
//	recheck:capture:{id}                       a record, as JSON
//	recheck:journey:{school}:{student}         a student's journey, as JSON
//	recheck:admission:{school}:{student}       the admission photo reference
//	recheck:school:{school}:captures           a school's capture IDs by creation time
//	recheck:school:{school}:state:{state}      a school's capture IDs in a state, by time of entry
//	recheck:school:{school}:cases              students with an open records-office case, by opening time
//	recheck:student:{school}:{student}:captures a student's capture IDs by creation time
//	recheck:embedding:{embedder}:{sha256}      a cached face embedding
//	recheck:school:{school}:document:{hmac}    the student who registered a document (by its keyed hash)
//	recheck:document:{hmac}:schools            the schools a document was registered at
//	recheck:outbox                             changes whose durable copy or follow-ups are not confirmed
//
// A change is one optimistic transaction (WATCH/MULTI) over a student's
// journey and any of their captures, so the rules are checked and applied
// atomically and concurrent writers never lose each other's changes.
type Repository struct {
	rdb       redis.UniversalClient
	store     storage.Store
	dispatch  capture.Dispatcher
	sealer    Sealer
	now       func() time.Time
	callbacks capture.CallbackTargets
	replicas  int
	wait      time.Duration
	strict    bool
	alone     func()
}

// Params are what a Repository works with.
type Params struct {
	// Redis holds the live records, indexes and counters.
	Redis redis.UniversalClient
	// Store receives the durable copies (result.json, journey.json,
	// admission.json).
	Store storage.Store
	// Dispatcher enqueues the follow-ups of saved changes; nil dispatches
	// nothing (read-only tools).
	Dispatcher capture.Dispatcher
	// Sealer seals names, document numbers and openids at rest; nil keeps
	// them clear (tests only: the service refuses to start without keys).
	Sealer Sealer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Callbacks names the webhooks each new transition owes; nil owes
	// none.
	Callbacks capture.CallbackTargets
	// Replicas is how many replicas must confirm a change (Redis WAIT on
	// the transaction's own connection) before it is acknowledged; 0
	// acknowledges what the primary committed.
	Replicas int
	// ReplicaWait bounds that wait (default one second); a change not
	// confirmed by then is reported as capture.ErrNotReplicated.
	ReplicaWait time.Duration
	// Strict refuses to acknowledge a change while no replica is connected
	// at all (after a failover, until the old primary returns as a
	// replica); otherwise such a change is acknowledged on the primary
	// alone, and Alone is called.
	Strict bool
	// Alone is called for each change acknowledged without a replica
	// (a metric: a second failure now would lose it).
	Alone func()
}

// New returns a repository.
func New(p Params) *Repository {
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Dispatcher == nil {
		p.Dispatcher = noDispatch{}
	}
	if p.Sealer == nil {
		p.Sealer = clearText{}
	}
	if p.ReplicaWait <= 0 {
		p.ReplicaWait = time.Second
	}
	if p.Alone == nil {
		p.Alone = func() {}
	}
	return &Repository{rdb: p.Redis, store: p.Store, dispatch: p.Dispatcher, sealer: p.Sealer, now: p.Now,
		callbacks: p.Callbacks, replicas: p.Replicas, wait: p.ReplicaWait, strict: p.Strict, alone: p.Alone}
}

// Now returns the repository's clock reading.
func (r *Repository) Now() time.Time { return r.now() }

// Get returns the record with the given ID.
func (r *Repository) Get(ctx context.Context, id string) (*capture.Record, error) {
	return r.getRecord(ctx, r.rdb, id)
}

func (r *Repository) getRecord(ctx context.Context, c redis.Cmdable, id string) (*capture.Record, error) {
	data, err := c.Get(ctx, keyspace.Capture(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("capture %s: %w", id, capture.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("capture: get %s: %w", id, err)
	}
	rec, err := r.decodeRecord(data)
	if err != nil {
		return nil, fmt.Errorf("capture: decode %s: %w", id, err)
	}
	return rec, nil
}

// Journey returns a student's journey; a student without captures has an
// empty one.
func (r *Repository) Journey(ctx context.Context, school, student string) (*capture.Journey, error) {
	j, _, err := r.getJourney(ctx, r.rdb, school, student)
	return j, err
}

// getJourney returns a student's journey and whether one is stored.
func (r *Repository) getJourney(ctx context.Context, c redis.Cmdable, school, student string) (*capture.Journey, bool, error) {
	data, err := c.Get(ctx, keyspace.Journey(school, student)).Bytes()
	j := &capture.Journey{School: school, StudentID: student}
	if errors.Is(err, redis.Nil) {
		j.Normalize()
		return j, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("capture: get journey: %w", err)
	}
	if err := r.decodeJourney(data, j); err != nil {
		return nil, false, fmt.Errorf("capture: decode journey: %w", err)
	}
	return j, true, nil
}

// AdmissionPhoto returns the reference to a student's admission photo, or
// an error wrapping ErrNotFound when none is on file.
func (r *Repository) AdmissionPhoto(ctx context.Context, school, student string) (*capture.AdmissionPhoto, error) {
	return getAdmission(ctx, r.rdb, school, student)
}

func getAdmission(ctx context.Context, c redis.Cmdable, school, student string) (*capture.AdmissionPhoto, error) {
	data, err := c.Get(ctx, keyspace.Admission(school, student)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("admission photo: %w", capture.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("capture: get admission photo: %w", err)
	}
	var ref capture.AdmissionPhoto
	if err := json.Unmarshal(data, &ref); err != nil {
		return nil, fmt.Errorf("capture: decode admission photo: %w", err)
	}
	return &ref, nil
}

// SchoolCaptures returns up to limit capture IDs of a school, oldest first,
// starting at offset.
func (r *Repository) SchoolCaptures(ctx context.Context, school string, offset, limit int64) ([]string, error) {
	ids, err := r.rdb.ZRange(ctx, keyspace.SchoolCaptures(school), offset, offset+limit-1).Result()
	if err != nil {
		return nil, fmt.Errorf("capture: list school %s: %w", school, err)
	}
	return ids, nil
}

// StudentCaptures returns the IDs of a student's captures, oldest first.
func (r *Repository) StudentCaptures(ctx context.Context, school, student string) ([]string, error) {
	ids, err := r.rdb.ZRange(ctx, keyspace.StudentCaptures(school, student), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("capture: list student captures: %w", err)
	}
	return ids, nil
}

// Embedding returns a cached face embedding of the photo with the given
// SHA-256, computed by the named embedder; ok is false when none is cached.
func (r *Repository) Embedding(ctx context.Context, embedder, sha string) (vec []float32, ok bool, err error) {
	data, err := r.rdb.Get(ctx, keyspace.Embedding(embedder, sha)).Bytes()
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
	if err := r.rdb.Set(ctx, keyspace.Embedding(embedder, sha), data, ttl).Err(); err != nil {
		return fmt.Errorf("capture: set embedding: %w", err)
	}
	return nil
}

// txn is one atomic change to a student's journey, their captures and their
// admission photo reference. Everything read through it is watched: when
// another writer changes any of it before the commit, the whole change is
// run again on fresh data.
type txn struct {
	repo            *Repository
	ctx             context.Context
	rtx             *redis.Tx
	now             time.Time
	school, student string
	journey         *capture.Journey
	journeyRaw      []byte
	recs            map[string]*loaded
	order           []string
	created         []*capture.Record
	admission       *capture.AdmissionPhoto
	// owns and disowns are the documents (keyed hashes) this change
	// registers to the student, and those it gives up.
	owns, disowns []string
}

type loaded struct {
	rec   *capture.Record
	raw   []byte
	state capture.State
	// events is how many events the record had when loaded.
	events int
}

// Now is the time of the change: every event it records carries it.
func (t *txn) Now() time.Time { return t.now }

// Journey returns the student's journey, to read and change.
func (t *txn) Journey() *capture.Journey { return t.journey }

// Load returns a capture of the student, to read and change; it fails with
// ErrNotFound for an unknown ID or a capture of another student.
func (t *txn) Load(id string) (*capture.Record, error) {
	if l, ok := t.recs[id]; ok {
		return l.rec, nil
	}
	if err := t.rtx.Watch(t.ctx, keyspace.Capture(id)).Err(); err != nil {
		return nil, fmt.Errorf("capture: watch %s: %w", id, err)
	}
	data, err := t.rtx.Get(t.ctx, keyspace.Capture(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("capture %s: %w", id, capture.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("capture: get %s: %w", id, err)
	}
	rec, err := t.repo.decodeRecord(data)
	if err != nil {
		return nil, fmt.Errorf("capture: decode %s: %w", id, err)
	}
	if rec.School != t.school || rec.StudentID != t.student {
		return nil, fmt.Errorf("capture %s belongs to another student: %w", id, capture.ErrNotFound)
	}
	raw, _ := json.Marshal(rec) // clear, for the comparison at commit
	t.recs[id] = &loaded{rec: rec, raw: raw, state: rec.State, events: len(rec.History)}
	t.order = append(t.order, id)
	return rec, nil
}

// Create adds a new capture of the student; the commit fails with ErrExists
// when its ID is taken.
func (t *txn) Create(rec *capture.Record) error {
	if rec.School != t.school || rec.StudentID != t.student {
		return fmt.Errorf("capture: create %s for another student", rec.ID)
	}
	if err := t.rtx.Watch(t.ctx, keyspace.Capture(rec.ID)).Err(); err != nil {
		return fmt.Errorf("capture: watch %s: %w", rec.ID, err)
	}
	n, err := t.rtx.Exists(t.ctx, keyspace.Capture(rec.ID)).Result()
	if err != nil {
		return fmt.Errorf("capture: create %s: %w", rec.ID, err)
	}
	if n > 0 {
		return fmt.Errorf("capture: create %s: %w", rec.ID, capture.ErrExists)
	}
	t.created = append(t.created, rec)
	return nil
}

// current returns the journey's current capture (its latest), nil when the
// student has none.
func (t *txn) Current() (*capture.Record, error) {
	id := t.journey.Latest
	if id == "" {
		return nil, nil
	}
	rec, err := t.Load(id)
	if errors.Is(err, capture.ErrNotFound) {
		return nil, nil
	}
	return rec, err
}

// DocumentOwner returns the student of the school who registered the
// document with keyed hash hmac ("" when none), watched like everything the
// transaction reads.
func (t *txn) DocumentOwner(hmac string) (string, error) {
	key := keyspace.Document(t.school, hmac)
	if err := t.rtx.Watch(t.ctx, key).Err(); err != nil {
		return "", fmt.Errorf("capture: watch document: %w", err)
	}
	owner, err := t.rtx.Get(t.ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("capture: read document: %w", err)
	}
	return owner, nil
}

// Own registers the document with keyed hash hmac to the student, and
// gives up the one with old (when set and not hmac).
func (t *txn) Own(hmac, old string) {
	t.owns = append(t.owns, hmac)
	if old != "" && old != hmac {
		t.disowns = append(t.disowns, old)
	}
}

// CaptureIDs returns the IDs of the student's captures, oldest first.
func (t *txn) CaptureIDs() ([]string, error) {
	key := keyspace.StudentCaptures(t.school, t.student)
	if err := t.rtx.Watch(t.ctx, key).Err(); err != nil {
		return nil, fmt.Errorf("capture: watch captures: %w", err)
	}
	ids, err := t.rtx.ZRange(t.ctx, key, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("capture: list student captures: %w", err)
	}
	return ids, nil
}

// Admission returns the admission photo reference on file, or an error
// wrapping ErrNotFound.
func (t *txn) Admission() (*capture.AdmissionPhoto, error) {
	if t.admission != nil {
		return t.admission, nil
	}
	if err := t.rtx.Watch(t.ctx, keyspace.Admission(t.school, t.student)).Err(); err != nil {
		return nil, fmt.Errorf("capture: watch admission photo: %w", err)
	}
	return getAdmission(t.ctx, t.rtx, t.school, t.student)
}

// SetAdmission records a new admission photo reference.
func (t *txn) SetAdmission(ref capture.AdmissionPhoto) { t.admission = &ref }

// Do runs fn as one atomic change of a student's journey, captures and
// admission photo reference, then writes the durable copies and
// dispatches the follow-ups (see Sync). fn may run more than once (when
// another writer got in between), so it must do nothing but read and
// change what the Tx gives it. An error from fn aborts the change.
//
// The changes are committed when Do returns a nil error or one wrapping
// ErrNotSynced (the durable copy or a follow-up could not be done now; the
// outbox keeps them until a later Sync succeeds).
func (r *Repository) Do(ctx context.Context, school, student string, fn func(capture.Tx) error) (*capture.Changes, error) {
	var changes *capture.Changes
	txf := func(rtx *redis.Tx) error {
		j, stored, err := r.getJourney(ctx, rtx, school, student)
		if err != nil {
			return err
		}
		var raw []byte
		if stored {
			raw, _ = json.Marshal(j) // clear, for the comparison at commit
		}
		t := &txn{repo: r, ctx: ctx, rtx: rtx, now: r.now().UTC(), school: school, student: student,
			journey: j, journeyRaw: raw, recs: map[string]*loaded{}}
		if err := fn(t); err != nil {
			return err
		}
		changes, err = t.commit()
		return err
	}
	for attempt := 0; ; attempt++ {
		err := r.rdb.Watch(ctx, txf, keyspace.Journey(school, student))
		if errors.Is(err, redis.TxFailedErr) {
			if attempt < 50 {
				continue // another writer won; run again on fresh data
			}
			return nil, fmt.Errorf("capture: change for %s/%s: too much contention", school, student)
		}
		if err != nil {
			return nil, err
		}
		break
	}
	return changes, r.syncChanges(ctx, changes)
}

// commit writes what the transaction changed, with the indexes and the
// outbox marks, in one MULTI/EXEC.
func (t *txn) commit() (*capture.Changes, error) {
	ch := &capture.Changes{School: t.school, StudentID: t.student}
	now := t.now
	ms := float64(now.UnixMilli())
	type write struct {
		key  string
		data []byte
	}
	var writes []write
	var marks []any
	var idx []func(redis.Pipeliner)

	for _, rec := range t.created {
		rec.CreatedAt, rec.UpdatedAt, rec.Version = now, now, 1
		t.repo.owe(rec, 0)
		rec.Normalize()
		data, err := t.repo.encodeRecord(rec, false)
		if err != nil {
			return nil, fmt.Errorf("capture: encode %s: %w", rec.ID, err)
		}
		writes = append(writes, write{keyspace.Capture(rec.ID), data})
		marks = append(marks, outboxRecord(rec.ID), outboxMark(rec.Version, now))
		rec := rec
		idx = append(idx, func(p redis.Pipeliner) {
			p.ZAdd(t.ctx, keyspace.SchoolCaptures(rec.School), redis.Z{Score: ms, Member: rec.ID})
			p.ZAdd(t.ctx, keyspace.StudentCaptures(rec.School, rec.StudentID), redis.Z{Score: ms, Member: rec.ID})
			p.ZAdd(t.ctx, keyspace.SchoolState(rec.School, string(rec.State)), redis.Z{Score: ms, Member: rec.ID})
		})
		ch.Records = append(ch.Records, rec)
	}
	for _, id := range t.order {
		l := t.recs[id]
		t.repo.owe(l.rec, l.events)
		l.rec.Normalize()
		data, err := json.Marshal(l.rec)
		if err != nil {
			return nil, fmt.Errorf("capture: encode %s: %w", id, err)
		}
		if bytes.Equal(data, l.raw) {
			continue
		}
		l.rec.Version++
		l.rec.UpdatedAt = now
		if data, err = t.repo.encodeRecord(l.rec, false); err != nil {
			return nil, fmt.Errorf("capture: encode %s: %w", id, err)
		}
		writes = append(writes, write{keyspace.Capture(id), data})
		marks = append(marks, outboxRecord(id), outboxMark(l.rec.Version, now))
		if l.state != l.rec.State {
			rec, from := l.rec, l.state
			idx = append(idx, func(p redis.Pipeliner) {
				p.ZRem(t.ctx, keyspace.SchoolState(rec.School, string(from)), rec.ID)
				p.ZAdd(t.ctx, keyspace.SchoolState(rec.School, string(rec.State)), redis.Z{Score: ms, Member: rec.ID})
			})
		}
		ch.Records = append(ch.Records, l.rec)
	}
	j := t.journey
	j.Normalize()
	jdata, err := json.Marshal(j)
	if err != nil {
		return nil, fmt.Errorf("capture: encode journey: %w", err)
	}
	if !bytes.Equal(jdata, t.journeyRaw) {
		j.Version++
		j.UpdatedAt = now
		if jdata, err = t.repo.encodeJourney(j, false); err != nil {
			return nil, fmt.Errorf("capture: encode journey: %w", err)
		}
		writes = append(writes, write{keyspace.Journey(t.school, t.student), jdata})
		marks = append(marks, outboxJourney(t.school, t.student), outboxMark(j.Version, now))
		idx = append(idx, func(p redis.Pipeliner) {
			if j.Case != nil {
				p.ZAdd(t.ctx, keyspace.SchoolCases(t.school), redis.Z{Score: float64(j.Case.OpenedAt.UnixMilli()), Member: t.student})
			} else {
				p.ZRem(t.ctx, keyspace.SchoolCases(t.school), t.student)
			}
		})
		ch.Journey = j
	}
	if t.admission != nil {
		data, err := json.Marshal(t.admission)
		if err != nil {
			return nil, fmt.Errorf("capture: encode admission photo: %w", err)
		}
		writes = append(writes, write{keyspace.Admission(t.school, t.student), data})
		marks = append(marks, outboxAdmission(t.school, t.student), outboxMark(0, now))
		ch.Admission = t.admission
	}
	for _, h := range t.owns {
		h := h
		idx = append(idx, func(p redis.Pipeliner) {
			p.Set(t.ctx, keyspace.Document(t.school, h), t.student, 0)
			p.SAdd(t.ctx, keyspace.DocumentSchools(h), t.school)
		})
	}
	for _, h := range t.disowns {
		h := h
		idx = append(idx, func(p redis.Pipeliner) { p.Del(t.ctx, keyspace.Document(t.school, h)) })
	}
	if len(writes) == 0 && len(t.owns)+len(t.disowns) == 0 {
		return ch, nil
	}
	_, err = t.rtx.TxPipelined(t.ctx, func(p redis.Pipeliner) error {
		for _, w := range writes {
			p.Set(t.ctx, w.key, w.data, 0)
		}
		for _, f := range idx {
			f(p)
		}
		if len(marks) > 0 {
			p.HSet(t.ctx, keyspace.Outbox, marks...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := t.repo.replicated(t.ctx, t.rtx); err != nil {
		return nil, err
	}
	return ch, nil
}

// replicated waits until the configured number of replicas has every write
// the connection c sent (WAIT counts the writes of the connection it runs
// on, so it must be the transaction's own). A replica that is connected
// but does not confirm in time fails the change (ErrNotReplicated); with
// no replica connected at all, the change stands on the primary alone
// unless the repository is strict.
func (r *Repository) replicated(ctx context.Context, c *redis.Tx) error {
	if r.replicas <= 0 {
		return nil
	}
	cmd := redis.NewIntCmd(ctx, "wait", r.replicas, r.wait.Milliseconds())
	_ = c.Process(ctx, cmd)
	n, err := cmd.Result()
	if err != nil {
		return fmt.Errorf("%w: WAIT: %w", capture.ErrNotReplicated, err)
	}
	if n >= int64(r.replicas) {
		return nil
	}
	if !r.strict && n == 0 && connectedReplicas(ctx, c) == 0 {
		r.alone()
		return nil
	}
	return fmt.Errorf("%w: %d of %d replicas within %s", capture.ErrNotReplicated, n, r.replicas, r.wait)
}

// connectedReplicas is the primary's count of connected replicas, -1 when
// it cannot be read.
func connectedReplicas(ctx context.Context, c redis.Cmdable) int {
	info, err := c.Info(ctx, "replication").Result()
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "connected_slaves:"); ok {
			if n, err := strconv.Atoi(v); err == nil {
				return n
			}
		}
	}
	return -1
}

// ListState returns up to limit IDs of a school's captures in state, in the
// order they entered it, after the cursor (empty: from the start), and the
// cursor of the next page (empty: no more).
func (r *Repository) ListState(ctx context.Context, school string, s capture.State, cursor string, limit int) ([]string, string, error) {
	return r.page(ctx, keyspace.SchoolState(school, string(s)), cursor, limit)
}

// OpenCases returns up to limit students of a school with an open
// records-office case, oldest case first, after the cursor, and the next
// cursor.
func (r *Repository) OpenCases(ctx context.Context, school, cursor string, limit int) ([]string, string, error) {
	return r.page(ctx, keyspace.SchoolCases(school), cursor, limit)
}

// page reads a sorted set in score order from a cursor "<score>:<member>"
// (exclusive), so that members leaving the set while a client pages do not
// make it skip others.
func (r *Repository) page(ctx context.Context, key, cursor string, limit int) ([]string, string, error) {
	min := "-inf"
	var after string
	var afterScore float64
	if cursor != "" {
		if _, err := fmt.Sscanf(cursor, "%f:", &afterScore); err != nil {
			return nil, "", &capture.InvalidError{Field: "cursor", Message: "the cursor is not one this API returned"}
		}
		after = cursor[bytes.IndexByte([]byte(cursor), ':')+1:]
		min = fmt.Sprintf("%.0f", afterScore)
	}
	zs, err := r.rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{
		Key: key, ByScore: true, Start: min, Stop: "+inf", Offset: 0, Count: int64(limit + 64),
	}).Result()
	if err != nil {
		return nil, "", fmt.Errorf("capture: list %s: %w", key, err)
	}
	var ids []string
	next := ""
	for _, z := range zs {
		m := z.Member.(string)
		if cursor != "" && z.Score == afterScore && m <= after {
			continue
		}
		if len(ids) == limit {
			last := ids[len(ids)-1]
			next = fmt.Sprintf("%.0f:%s", lastScore(zs, last), last)
			break
		}
		ids = append(ids, m)
	}
	return ids, next, nil
}

func lastScore(zs []redis.Z, member string) float64 {
	for _, z := range zs {
		if z.Member == member {
			return z.Score
		}
	}
	return 0
}

// owe lists on each event of rec from index from on (the events this
// change added) the callbacks it owes.
func (r *Repository) owe(rec *capture.Record, from int) {
	if r.callbacks == nil {
		return
	}
	for i := from; i < len(rec.History); i++ {
		e := &rec.History[i]
		if e.Callbacks != nil {
			continue
		}
		for _, target := range r.callbacks(rec.School, e.To, e.Reason) {
			e.Callbacks = append(e.Callbacks, capture.Callback{Target: target})
		}
	}
}

// DocumentSchools returns the schools where the document with keyed hash
// hmac was registered.
func (r *Repository) DocumentSchools(ctx context.Context, hmac string) ([]string, error) {
	out, err := r.rdb.SMembers(ctx, keyspace.DocumentSchools(hmac)).Result()
	if err != nil {
		return nil, fmt.Errorf("capture: document's schools: %w", err)
	}
	return out, nil
}

var _ capture.Store = (*Repository)(nil)
