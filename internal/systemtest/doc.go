// Package systemtest holds the tests that drive the whole service in one
// process: the intake API over HTTP, the workers on a real Redis and
// storage, the lifecycle, the review pages in Chromium, with the image and
// face engines replaced by fakes that read what to do from tagged test
// photos (worker/workertest). They share one harness, the world
// (harness_test.go): a service, its clock, its users and keys, and helpers
// that act as the upstream, a student, a reviewer or the records office.
//
// The journey, trust, privacy, cross-site, export, callback, WeChat,
// reprocess, reindex, restart and retention tests live here; unit tests
// stay beside their packages, and the tests that run recheck's own roles
// as processes (chaos, dependency faults, memory) in cmd/recheck.
package systemtest
