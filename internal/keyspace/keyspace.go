// Package keyspace is every Redis key recheck uses, in one place: what each
// holds, who writes it, who reads it and when it expires. Code builds keys
// only through these functions, so that an operator (or a newcomer) sees
// the whole key space here, and two packages never pick the same name.
//
// asynq's own keys ("asynq:…") are asynq's; recheck reads three of them
// (PendingCaptures, ActiveTasks, Leases) and writes only a lease asynq
// lost (jobs.RecoverOrphans).
package keyspace

import (
	"fmt"
	"strings"
)

// Prefix starts every key recheck writes.
const Prefix = "recheck:"

// Captures and journeys (package capture: the Repository writes them in one
// transaction per student; the API and the workers read them). None
// expires: retention erases a capture's personal fields, not its record.

// Capture is a capture record (JSON, personal fields sealed).
func Capture(id string) string { return Prefix + "capture:" + id }

// CapturePattern matches every capture record (reseal scans it).
const CapturePattern = Prefix + "capture:*"

// JourneyPrefix starts every journey key; what follows is
// "<school>:<student>" (retention and reseal scan them).
const JourneyPrefix = Prefix + "journey:"

// Journey is a student's journey (JSON).
func Journey(school, student string) string { return JourneyPrefix + school + ":" + student }

// JourneyPattern matches every journey.
const JourneyPattern = JourneyPrefix + "*"

// Admission is the reference to a student's admission photo on file.
func Admission(school, student string) string { return Prefix + "admission:" + school + ":" + student }

// SchoolCaptures is a school's capture IDs by creation time (sorted set;
// export, reprocess and retention page through it).
func SchoolCaptures(school string) string { return Prefix + "school:" + school + ":captures" }

// SchoolState is a school's capture IDs in one state, by time of entry
// (sorted set; the review lists page through it).
func SchoolState(school, state string) string {
	return Prefix + "school:" + school + ":state:" + state
}

// SchoolStatePattern matches the lists of one state at every school
// (retention scans the final states).
func SchoolStatePattern(state string) string { return SchoolState("*", state) }

// SchoolCasesPattern matches every school's open cases (the staff pages
// list the schools with work waiting).
func SchoolCasesPattern() string { return SchoolCases("*") }

// SchoolOf returns the school code in a key of a school's lists
// (SchoolState, SchoolCases, SchoolCaptures), or "" for another key.
func SchoolOf(key string) string {
	rest, ok := strings.CutPrefix(key, Prefix+"school:")
	if !ok {
		return ""
	}
	school, _, ok := strings.Cut(rest, ":")
	if !ok {
		return ""
	}
	return school
}

// SchoolCases is the students of a school with an open records-office
// case, by opening time (sorted set; the escalation lists).
func SchoolCases(school string) string { return Prefix + "school:" + school + ":cases" }

// StudentCaptures is a student's capture IDs by creation time (sorted set).
func StudentCaptures(school, student string) string {
	return Prefix + "student:" + school + ":" + student + ":captures"
}

// Document is the student of a school who registered an identity document
// (by its keyed hash): one document, one student (written at a student's
// first capture and by the records office's correction).
func Document(school, hmac string) string { return Prefix + "school:" + school + ":document:" + hmac }

// DocumentSchools is the set of schools a document (by its keyed hash) was
// registered at (the review lists flag a number seen elsewhere).
func DocumentSchools(hmac string) string { return Prefix + "document:" + hmac + ":schools" }

// Outbox is the hash of committed changes whose durable copy or follow-ups
// are not done yet (written in each change's transaction, cleared by the
// syncer; the workers' sweep completes what a dead writer left).
const Outbox = Prefix + "outbox"

// Embedding is a cached face embedding of an admission photo, by embedder
// and the photo's SHA-256 (the scorer writes and reads it; it expires
// with the cache's TTL, and a new photo never meets a stale one).
func Embedding(embedder, sha string) string { return Prefix + "embedding:" + embedder + ":" + sha }

// PurgeCursor is where retention's walk over a school's captures stopped
// (written as it goes, read when it starts again).
func PurgeCursor(schoolCaptures string) string {
	return Prefix + "purge-cursor:" + schoolCaptures[len(Prefix):]
}

// The intake API's keys.

// Nonce remembers an upstream request's nonce for twice the signature
// window, so a replay is refused.
func Nonce(keyID, nonce string) string { return Prefix + "nonce:" + keyID + ":" + nonce }

// Idempotency is an Idempotency-Key's claim (by the SHA-256 of its scope
// and value): held 2 minutes while its request runs, then for
// RECHECK_IDEMPOTENCY_TTL.
func Idempotency(digest string) string { return Prefix + "idempotency:" + digest }

// Session is a staff session (by the SHA-256 of its ID), expiring after
// RECHECK_SESSION_IDLE unused.
func Session(digest string) string { return Prefix + "session:" + digest }

// LoginUser counts a user name's wrong passwords (by the name's SHA-256):
// 24 hours, or until lifted once it locks a known user.
func LoginUser(digest string) string { return Prefix + "login:user:" + digest }

// LoginAddr counts wrong passwords from a client address for an hour.
func LoginAddr(addr string) string { return Prefix + "login:addr:" + addr }

// AuditLogins is the list of the latest staff logins, newest first (the
// intake writes it, admins read it; the newest 10,000 kept).
const AuditLogins = Prefix + "audit:logins"

// FormKey is the key that signs the forms of users without a session (the
// reverse proxy's): made once, shared by every intake process.
const FormKey = Prefix + "admin:csrf-key"

// Batches (package reprocess: the API and the CLI write a batch, the
// workers count its outcomes; kept 30 days).

// Batch is a batch's description and counters.
func Batch(id string) string { return Prefix + "batch:" + id }

// BatchDone is the set of captures a batch finished.
func BatchDone(id string) string { return Prefix + "batch:" + id + ":done" }

// Notifications.

// Delivery is the ledger entry of one message (package notify): sending,
// then sent with its msgid, so a redelivered task does not send it again.
func Delivery(id string) string { return Prefix + "notify:delivery:" + id }

// WeChat is the prefix of a mini program's WeChat keys (package
// notify/wechat): its shared access token, the refresh lock, and the
// forced refreshes of a day.
func WeChat(appID string) string { return Prefix + "wechat:" + appID + ":" }

// asynq's keys: read, and given a lease where asynq lost one (jobs.RecoverOrphans).

// PendingCaptures is asynq's list of capture tasks waiting (the intake's
// high-water mark reads its length).
func PendingCaptures(queue string) string { return fmt.Sprintf("asynq:{%s}:pending", queue) }

// ActiveTasks is asynq's list of a queue's tasks being processed, and
// Leases below holds their lease expiries.
func ActiveTasks(queue string) string { return fmt.Sprintf("asynq:{%s}:active", queue) }

// Leases is asynq's sorted set of a queue's active tasks by lease expiry.
func Leases(queue string) string { return fmt.Sprintf("asynq:{%s}:lease", queue) }
