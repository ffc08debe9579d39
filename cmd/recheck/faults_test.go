package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/ctid/ctidsim"
	"github.com/recheck/recheck/internal/loadtest"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/notify/wechat/wechatsim"
)

// flaky fronts a fake S3 with storage faults: while failing, every third
// request answers 503 SlowDown; while slow, every request waits.
type flaky struct {
	next    http.Handler
	failing atomic.Bool
	delay   atomic.Int64 // nanoseconds
	n       atomic.Int64
	failed  atomic.Int64
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if d := time.Duration(f.delay.Load()); d > 0 {
		time.Sleep(d)
	}
	if f.failing.Load() && f.n.Add(1)%3 == 0 {
		f.failed.Add(1)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`))
		return
	}
	f.next.ServeHTTP(w, r)
}

// TestDependencyFaults drives captures through the real API while the
// dependencies misbehave, each through its simulator's knobs: storage (a
// fake S3) slow, then failing every third request; the CTID gateway slow,
// then down; WeChat answering -1 (busy) and 45009 (rate limit). Every
// capture still reaches its final state exactly once, no capture is
// blocked as "not the same person" by a gateway that did not answer (the
// simulator passes everyone it answers for), every message the histories
// owe reaches WeChat exactly once, and no object is left in storage
// without its capture. make chaos runs it with RECHECK_CHAOS_CAPTURES.
func TestDependencyFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test a minute of storage, CTID and WeChat faults; make test runs it")
	}
	n := envInt("RECHECK_CHAOS_CAPTURES", 12)
	const outage = 10 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()

	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("recheck"))
	s3 := &flaky{next: gofakes3.New(backend).Server()}
	s3srv := httptest.NewServer(s3)
	t.Cleanup(s3srv.Close)

	gateway, err := ctidsim.New(ctidsim.Config{Registry: t.TempDir(), Unknown: "pass", Key: ctidsim.DevKey, AppID: ctidsim.DevAppID})
	require.NoError(t, err)
	ctidsrv := httptest.NewServer(gateway)
	t.Cleanup(ctidsrv.Close)

	wx := wechatsim.New(wechatsim.Config{Templates: []string{"TPL"}})
	wxsrv := httptest.NewServer(wx)
	t.Cleanup(wxsrv.Close)
	dir := t.TempDir()
	templates := filepath.Join(dir, "templates.json")
	require.NoError(t, os.WriteFile(templates, []byte(`{"default": {"*": {"template_id": "TPL",
		"data": {"phrase1": "phrase", "character_string2": "capture_id", "thing3": "detail"}}}}`), 0o644))

	rs := redistest.StartWith(t, redistest.Options{AOF: true})
	faulty := map[string]string{
		"RECHECK_STORAGE": "s3", "RECHECK_S3_ENDPOINT": s3srv.URL, "RECHECK_S3_BUCKET": "recheck", "RECHECK_S3_PATH_STYLE": "true",
		"RECHECK_S3_ACCESS_KEY_ID": "test", "RECHECK_S3_SECRET_ACCESS_KEY": "test",
		"RECHECK_CTID_URL": ctidsrv.URL, "RECHECK_CTID_APP_ID": ctidsim.DevAppID, "RECHECK_CTID_KEY": ctidsim.DevKey,
		"RECHECK_CTID_TIMEOUT": "2s", "RECHECK_CTID_RETRIES": "1",
		"RECHECK_WECHAT_URL": wxsrv.URL, "RECHECK_WECHAT_APPID": wechatsim.DevAppID, "RECHECK_WECHAT_SECRET": wechatsim.DevSecret,
		"RECHECK_WECHAT_TEMPLATES": templates,
	}
	s := startRoles(t, rs, dir, roles{intake: true, worker: true}, faulty)
	secret, _, err := devKey(filepath.Join(dir, "dev", devKeysFile))
	require.NoError(t, err)

	// The faults, one after another as the run goes on.
	var done atomic.Int64
	var ctidDown, ctidUp time.Time
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		at := func(part int) bool { // wait until part/6 of the captures are done
			for done.Load() < int64(part*n/6) {
				if ctx.Err() != nil {
					return false
				}
				time.Sleep(20 * time.Millisecond)
			}
			return true
		}
		s3.delay.Store(int64(300 * time.Millisecond))
		gateway.SetLatency(1500 * time.Millisecond)
		wx.Inject(-1, 45009, -1)
		if !at(1) {
			return
		}
		// Storage failing and the gateway down for a while: captures that
		// reach the identity check meanwhile wait on hold.
		s3.delay.Store(0)
		s3.failing.Store(true)
		gateway.SetLatency(0)
		gateway.SetOutage(true)
		ctidDown = time.Now()
		wx.Inject(45009, -1)
		select {
		case <-ctx.Done():
		case <-time.After(outage):
		}
		s3.failing.Store(false)
		gateway.SetOutage(false)
		ctidUp = time.Now()
	}()
	rep, err := loadtest.Run(ctx, loadtest.Options{
		Base: s.base, KeyID: devKeyID, Secret: secret, Token: adminToken(t, dir),
		Captures: n, Concurrency: 4, School: "load", Photos: loadPhotos(t), Size: loadtest.Size1MP, Redis: rs.Client,
		Progress: func(d, _ int, o map[string]int) {
			done.Store(int64(d))
			t.Logf("%s: %d/%d done %v", time.Now().Format("15:04:05"), d, n, o)
		},
	})
	wg.Wait()
	require.NoError(t, err)
	require.Empty(t, rep.Errors)
	waitQueuesIdle(t, ctx, rs)

	env := serviceEnv(rs, dir)
	for k, v := range faulty {
		env[k] = v
	}
	cfg, err := loadConfig(nil, func(k string) string { return env[k] })
	require.NoError(t, err)
	repo, store, err := openRepository(ctx, cfg, rs.Client)
	require.NoError(t, err)
	recs, duplicated := checkCaptures(t, ctx, repo, store)
	require.Len(t, recs, n, "every capture recorded once")
	require.Zero(t, duplicated)
	owed := map[string]int{} // capture → messages its history owes
	held := 0
	var recovery time.Duration // from the gateway's return to the last held capture's end
	for _, rec := range recs {
		if rec.Match != nil && rec.Match.CTID != nil {
			require.Equal(t, "pass", rec.Match.CTID.Outcome, "%s: a gateway that did not answer never blocks", rec.ID)
		}
		for _, e := range rec.History {
			if e.Notice != "" {
				owed[rec.ID]++
			}
			if e.To == capture.OnHold {
				held++
				recovery = max(recovery, rec.UpdatedAt.Sub(ctidUp))
			}
		}
	}
	require.Positive(t, held, "the CTID outage held captures (it must have been hit)")
	require.Positive(t, s3.failed.Load(), "storage failed requests")

	// Every message owed reached WeChat exactly once, despite -1 and 45009.
	got := map[string]int{}
	for _, m := range wx.Received() {
		got[m.Data["character_string2"]["value"]]++
	}
	for _, rec := range recs {
		require.Equal(t, owed[rec.ID], got[strings.ReplaceAll(rec.ID, "-", "")], "%s: messages sent", rec.ID)
	}
	t.Logf("dependency faults: %d captures, %d held by the CTID outage (%s), the last done %s after it ended; %d storage requests failed; %d WeChat messages; lost 0, duplicated 0",
		n, held, ctidUp.Sub(ctidDown).Round(time.Second), recovery.Round(time.Second), s3.failed.Load(), len(wx.Received()))
	report(t, fmt.Sprintf("chaos: captures=%d kills=0 redis_restarts=0 lost=0 duplicated=0 max_recovery_s=%.0f", n, recovery.Seconds()))
}
