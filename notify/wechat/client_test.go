package wechat_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/notify"
	"github.com/recheck/recheck/notify/wechat"
	"github.com/recheck/recheck/notify/wechat/wechatsim"
)

func templates() *wechat.Templates {
	return &wechat.Templates{
		Default: map[string]wechat.Template{
			"*": {ID: "TPL-RESULT", Page: "pages/result/index?id={capture_id}", Data: map[string]string{
				"phrase1": "phrase", "thing2": "detail", "time3": "time", "character_string4": "capture_id",
			}},
		},
		Schools: map[string]map[string]wechat.Template{
			"cjlu": {"approved": {ID: "TPL-CJLU-OK", Data: map[string]string{"phrase1": "phrase", "thing2": "=中国计量大学新生入学资格复查已经全部完成"}}},
		},
	}
}

// clock is a settable clock shared by the simulator and the clients.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

type fixture struct {
	sim   *wechatsim.Sim
	url   string
	rdb   *redis.Client
	clock *clock
}

func setup(t *testing.T) fixture {
	t.Helper()
	c := newClock()
	sim := wechatsim.New(wechatsim.Config{Now: c.Now, Templates: []string{"TPL-RESULT", "TPL-CJLU-OK"}, Pages: []string{"pages/result/index"}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return fixture{sim: sim, url: srv.URL, rdb: redistest.Start(t).Client, clock: c}
}

// client is one worker process's client: its own HTTP client and Redis
// connection, the shared Redis.
func (f fixture) client(t *testing.T) *wechat.Client {
	t.Helper()
	rdb := redis.NewClient(f.rdb.Options())
	t.Cleanup(func() { rdb.Close() })
	c, err := wechat.New(wechat.Config{URL: f.url, AppID: wechatsim.DevAppID, Secret: wechatsim.DevSecret, Templates: "x", Timeout: 5 * time.Second},
		templates(), rdb, wechat.WithClock(f.clock.Now))
	require.NoError(t, err)
	return c
}

func msg(openid, key string) notify.Message {
	return notify.Message{
		CaptureID: "01a22a0d-4cd9-73fd-a555-8583f43b8ada", OpenID: openid, School: "zju", Key: key,
		Phrase: "审核通过", Detail: "新生入学资格复查线上采集已完成", At: time.Date(2026, 9, 1, 1, 2, 0, 0, time.UTC),
	}
}

func TestSendFillsTheTemplate(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.client(t)
	r, err := c.Notify(context.Background(), msg("o-1", "approved"))
	require.NoError(t, err)
	require.NotEmpty(t, r.MsgID)
	got := f.sim.Received()
	require.Len(t, got, 1)
	require.Equal(t, "TPL-RESULT", got[0].TemplateID)
	require.Equal(t, "pages/result/index?id=01a22a0d-4cd9-73fd-a555-8583f43b8ada", got[0].Page)
	require.Equal(t, "审核通过", got[0].Data["phrase1"]["value"])
	require.Equal(t, "2026年9月1日 09:02", got[0].Data["time3"]["value"], "China's time")
	require.Equal(t, "01a22a0d4cd973fda5558583f43b8ada", got[0].Data["character_string4"]["value"])

	// The school's own template, with a fixed text.
	m := msg("o-1", "approved")
	m.School = "cjlu"
	_, err = c.Notify(context.Background(), m)
	require.NoError(t, err)
	got = f.sim.Received()
	require.Equal(t, "TPL-CJLU-OK", got[1].TemplateID)
	require.Equal(t, "中国计量大学新生入学资格复查已经全部完成", got[1].Data["thing2"]["value"])

	// A detail too long for a thing is cut, never refused with 47003.
	m = msg("o-1", "review_rejected")
	m.Phrase, m.Detail = "审核未通过!", "原因：背景不是纯色，头发遮挡眉毛，请按要求重新拍摄"
	_, err = c.Notify(context.Background(), m)
	require.NoError(t, err)
	got = f.sim.Received()
	require.Equal(t, "原因：背景不是纯色，头发遮挡眉毛，请按…", got[2].Data["thing2"]["value"])
	require.Equal(t, "审核未通过", got[2].Data["phrase1"]["value"])
}

// Two worker processes share one token: it is fetched once, then once
// more when it nears expiry, by one of them.
func TestTokenSharedAndRefreshedOnce(t *testing.T) {
	t.Parallel()
	f := setup(t)
	a, b := f.client(t), f.client(t)
	var wg sync.WaitGroup
	send := func() {
		var errs atomic.Int32
		for i := 0; i < 10; i++ {
			for _, c := range []*wechat.Client{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := c.Notify(context.Background(), msg("o-1", "approved")); err != nil {
						errs.Add(1)
						t.Log(err)
					}
				}()
			}
		}
		wg.Wait()
		require.Zero(t, errs.Load())
	}
	send()
	require.Equal(t, 1, f.sim.TokenCalls(), "one token for both processes")
	f.clock.Add(7200*time.Second - 4*time.Minute) // within 5 minutes of expiry
	send()
	require.Equal(t, 2, f.sim.TokenCalls(), "refreshed once, before it expired")
	require.Len(t, f.sim.Received(), 40)
	require.Zero(t, f.sim.ForcedCalls())
}

func TestErrorCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		inject     []int
		openid     string
		key        string
		wantErr    error // nil: delivered
		retry      bool  // an error asynq retries
		wantForced int
	}{
		{name: "invalid token: refreshed once and sent", inject: []int{40001}, wantForced: 1},
		{name: "expired token", inject: []int{42001}, wantForced: 1},
		{name: "invalid token twice: retried later", inject: []int{40001, 40001}, retry: true, wantForced: 1},
		{name: "system busy", inject: []int{-1}, retry: true},
		{name: "quota", inject: []int{45009}, retry: true},
		{name: "not subscribed", openid: "o-refused", wantErr: notify.ErrNotSubscribed},
		{name: "bad openid", openid: "bad openid", wantErr: notify.ErrConfiguration},
		{name: "bad template", inject: []int{40037}, wantErr: notify.ErrConfiguration},
		{name: "bad field", inject: []int{47003}, wantErr: notify.ErrConfiguration},
		{name: "bad page", inject: []int{41030}, wantErr: notify.ErrConfiguration},
		{name: "no openid", openid: "-", wantErr: notify.ErrNotSubscribed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			f.sim.Refuse("o-refused")
			c := f.client(t)
			// A token first, so that injected codes meet a valid one.
			_, err := c.Notify(context.Background(), msg("o-warm", "approved"))
			require.NoError(t, err)
			f.clock.Add(time.Minute) // past the simulator's 30 s between forced refreshes
			f.sim.Inject(tc.inject...)
			openid := "o-1"
			if tc.openid == "-" {
				openid = ""
			} else if tc.openid != "" {
				openid = tc.openid
			}
			_, err = c.Notify(context.Background(), msg(openid, "approved"))
			switch {
			case tc.wantErr != nil:
				require.ErrorIs(t, err, tc.wantErr)
				require.ErrorIs(t, err, notify.ErrPermanent)
			case tc.retry:
				require.Error(t, err)
				require.NotErrorIs(t, err, notify.ErrPermanent, "retried by the queue")
				require.ErrorIs(t, err, notify.ErrNotSent, "WeChat answered: nothing went out")
			default:
				require.NoError(t, err)
				require.Len(t, f.sim.Received(), 2)
			}
			require.Equal(t, tc.wantForced, f.sim.ForcedCalls())
		})
	}
}

// WeChat allows a forced refresh every 30 s: a second invalid token within
// them is not forced again but retried later.
func TestForcedRefreshIsRateLimited(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c := f.client(t)
	_, err := c.Notify(context.Background(), msg("o-1", "approved"))
	require.NoError(t, err)
	f.sim.Inject(40001)
	_, err = c.Notify(context.Background(), msg("o-1", "approved"))
	require.NoError(t, err)
	f.sim.Inject(40001)
	f.clock.Add(10 * time.Second)
	_, err = c.Notify(context.Background(), msg("o-1", "approved"))
	require.ErrorIs(t, err, wechat.ErrRefreshLimited)
	require.Equal(t, 1, f.sim.ForcedCalls())
}

func TestNoTemplateIsAConfigurationError(t *testing.T) {
	t.Parallel()
	f := setup(t)
	tpl := &wechat.Templates{Schools: map[string]map[string]wechat.Template{"cjlu": {"approved": {ID: "T", Data: map[string]string{"phrase1": "phrase"}}}}}
	c, err := wechat.New(wechat.Config{URL: f.url, AppID: "a", Secret: "s", Templates: "x", Timeout: time.Second}, tpl, f.rdb)
	require.NoError(t, err)
	_, err = c.Notify(context.Background(), msg("o-1", "approved"))
	require.ErrorIs(t, err, notify.ErrConfiguration)
	require.Contains(t, err.Error(), `school "zju"`)
	require.Zero(t, f.sim.SendCalls(), "nothing sent")
}

func TestTransportErrorsAreRetried(t *testing.T) {
	t.Parallel()
	f := setup(t)
	c, err := wechat.New(wechat.Config{URL: "http://127.0.0.1:1", AppID: "a", Secret: "s", Templates: "x", Timeout: time.Second}, templates(), f.rdb)
	require.NoError(t, err)
	_, err = c.Notify(context.Background(), msg("o-1", "approved"))
	require.Error(t, err)
	require.False(t, errors.Is(err, notify.ErrPermanent))
}

func TestTemplatesAreValidatedWhenLoaded(t *testing.T) {
	t.Parallel()
	bad := &wechat.Templates{Default: map[string]wechat.Template{
		"*":        {ID: "", Data: map[string]string{"phrase1": "phrase"}},
		"approved": {ID: "T", Data: map[string]string{"thing2": "=这是一个超过二十个字的固定文本所以它会被微信拒绝的"}},
		"rejected": {ID: "T", Data: map[string]string{"colour3": "detail", "thing4": "name_of_student", "time5": "detail"}},
	}}
	err := bad.Validate()
	require.Error(t, err)
	for _, want := range []string{"default/*: template_id is empty", "default/approved: thing2: fixed thing value of 25 characters", `colour3`, `unknown source "name_of_student"`, "time5: a time key takes the time source"} {
		require.Contains(t, err.Error(), want)
	}
}

func TestFitAndCheckValues(t *testing.T) {
	t.Parallel()
	tests := []struct{ typ, in, fit string }{
		{wechat.TypeThing, "一二三四五六七八九十一二三四五六七八九十", "一二三四五六七八九十一二三四五六七八九十"},
		{wechat.TypeThing, "一二三四五六七八九十一二三四五六七八九十一", "一二三四五六七八九十一二三四五六七八九…"},
		{wechat.TypePhrase, "审核通过", "审核通过"},
		{wechat.TypePhrase, "OK 审核 通过了吗", "审核通过了"},
		{wechat.TypeName, "欧阳一二三四五六七八九", "欧阳一二三四五六七…"},
		{wechat.TypeCharacterString, "ab c-1234567890123456789012345678901234", "abc-1234567890123456789012345678"},
	}
	for _, tc := range tests {
		got := wechat.Fit(tc.typ, tc.in)
		require.Equal(t, tc.fit, got, "%s %q", tc.typ, tc.in)
		require.NoError(t, wechat.CheckValue(tc.typ, got))
	}
	require.Error(t, wechat.CheckValue(wechat.TypeTime, "2026-09-01 09:02"))
	require.NoError(t, wechat.CheckValue(wechat.TypeTime, "2026年9月1日 09:02"))
	require.Error(t, wechat.CheckValue(wechat.TypeNumber, "12a"))
	require.Error(t, wechat.CheckValue(wechat.TypePhrase, ""))
}
