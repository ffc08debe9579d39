package systemtest

import (
	"errors"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/notify"
	"github.com/recheck/recheck/notify/wechat"
	"github.com/recheck/recheck/notify/wechat/wechatsim"
)

// wechatWorld is a world whose workers send through the real WeChat
// client, over HTTP, to the simulator.
func wechatWorld(t *testing.T, o worldOptions) (*world, *wechatsim.Sim) {
	t.Helper()
	sim := wechatsim.New(wechatsim.Config{Templates: []string{"TPL"}})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	o.notifier = func(rs *redistest.Server) notify.Notifier {
		tpl := &wechat.Templates{Default: map[string]wechat.Template{"*": {ID: "TPL", Data: map[string]string{"phrase1": "phrase", "thing2": "detail", "time3": "time"}}}}
		c, err := wechat.New(wechat.Config{URL: srv.URL, AppID: wechatsim.DevAppID, Secret: wechatsim.DevSecret, Templates: "-", Timeout: 5 * time.Second}, tpl, rs.Client)
		require.NoError(t, err)
		return c
	}
	return newWorld(t, o), sim
}

// notice returns the capture's event that sends a message.
func (w *world) notice(id string) capture.Event {
	w.t.Helper()
	rec, err := w.lc.Store().Get(w.ctx, id)
	require.NoError(w.t, err)
	for _, e := range rec.History {
		if e.Notice != "" {
			return e
		}
	}
	w.t.Fatalf("capture %s sends no message", id)
	return capture.Event{}
}

func TestWeChatOneMessagePerTransition(t *testing.T) {
	t.Parallel()
	t.Run("every task delivered twice", func(t *testing.T) {
		w, sim := wechatWorld(t, worldOptions{twice: true})
		id := w.accepted("S1", "person=alice;quality=too_dark")
		got := sim.Received()
		require.Len(t, got, 1, "one message for one transition")
		require.Equal(t, "oUpF8uMuAJO_S1", got[0].ToUser)
		require.Equal(t, "照片不合格", got[0].Data["phrase1"]["value"])
		e := w.notice(id)
		require.NotNil(t, e.Notified)
		require.Equal(t, strconv.FormatInt(got[0].MsgID, 10), e.Notified.MsgID, "WeChat's msgid on the history")
	})
	t.Run("worker dies between WeChat's answer and the bookkeeping", func(t *testing.T) {
		var died atomic.Bool
		w, sim := wechatWorld(t, worldOptions{fastRetry: true, afterSend: func() error {
			if died.CompareAndSwap(false, true) {
				return errors.New("worker killed")
			}
			return nil
		}})
		id := w.accepted("S1", "person=alice;quality=too_dark")
		require.True(t, died.Load())
		require.Len(t, sim.Received(), 1, "the redelivered task did not send again")
		e := w.notice(id)
		require.NotNil(t, e.Notified)
		require.Equal(t, strconv.FormatInt(sim.Received()[0].MsgID, 10), e.Notified.MsgID)
		require.Contains(t, w.logs.String(), "sent before the last attempt ended")
	})
	t.Run("busy and quota: retried until sent", func(t *testing.T) {
		w, sim := wechatWorld(t, worldOptions{fastRetry: true})
		sim.Inject(-1, 45009)
		id := w.accepted("S1", "person=alice;quality=too_dark")
		require.Len(t, sim.Received(), 1)
		require.Equal(t, 3, sim.SendCalls())
		require.Empty(t, w.notice(id).Notified.Error)
		require.NotContains(t, w.logs.String(), "ended without an answer", "a refusal is not a possible duplicate")
	})
	t.Run("not subscribed: recorded, not retried", func(t *testing.T) {
		w, sim := wechatWorld(t, worldOptions{fastRetry: true})
		sim.Refuse("oUpF8uMuAJO_S1")
		id := w.accepted("S1", "person=alice;quality=too_dark")
		require.Empty(t, sim.Received())
		require.Equal(t, 1, sim.SendCalls())
		require.Contains(t, w.notice(id).Notified.Error, "not subscribed")
	})
	t.Run("bad template: a configuration error, recorded and logged", func(t *testing.T) {
		w, sim := wechatWorld(t, worldOptions{fastRetry: true})
		sim.Inject(40037)
		id := w.accepted("S1", "person=alice;quality=too_dark")
		require.Empty(t, sim.Received())
		require.Equal(t, 1, sim.SendCalls())
		require.Contains(t, w.notice(id).Notified.Error, "configuration error")
		require.Contains(t, w.logs.String(), "fix the WeChat templates")
	})
}
