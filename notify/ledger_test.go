package notify_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/notify"
)

// The ledger's three answers: never tried, an attempt whose outcome is
// unknown (sent again: the one case a duplicate is possible), and sent
// (only the bookkeeping is left).
func TestLedger(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := notify.NewLedger(redistest.Start(t).Client)
	m, err := l.Begin(ctx, "c1:3")
	require.NoError(t, err)
	require.Equal(t, notify.Mark{}, m)

	m, err = l.Begin(ctx, "c1:3") // the worker died during the call
	require.NoError(t, err)
	require.Equal(t, notify.Mark{State: notify.MarkSending, Attempts: 1}, m)

	require.NoError(t, l.Sent(ctx, "c1:3", "2001"))
	m, err = l.Begin(ctx, "c1:3")
	require.NoError(t, err)
	require.Equal(t, notify.Mark{State: notify.MarkSent, MsgID: "2001", Attempts: 2}, m)

	require.NoError(t, l.Forget(ctx, "c1:3"))
	m, err = l.Begin(ctx, "c1:3")
	require.NoError(t, err)
	require.Equal(t, notify.Mark{}, m)

	_, err = l.Begin(ctx, "")
	require.Error(t, err)
}
