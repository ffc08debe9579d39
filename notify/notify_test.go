package notify_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/notify"
)

func TestTextsFitWeChatLimits(t *testing.T) {
	for _, state := range []string{"passed", "blocked", "rejected", "on_hold"} {
		m, ok := notify.For("c1", "o-1", "cjlu", state)
		require.True(t, ok, state)
		require.True(t, m.Valid(), "%s: %q / %q", state, m.Phrase, m.Detail)
	}
	_, ok := notify.For("c1", "o-1", "cjlu", "failed")
	require.False(t, ok, "students are not told about internal failures")
}

func TestLogNotifierKeepsOpenIDOutOfTheLog(t *testing.T) {
	var buf bytes.Buffer
	n := notify.Log{Logger: zerolog.New(&buf)}
	m, _ := notify.For("c1", "o-secret-openid", "cjlu", "passed")
	require.NoError(t, n.Notify(context.Background(), m))
	require.Contains(t, buf.String(), `"capture_id":"c1"`)
	require.Contains(t, buf.String(), "比对通过")
	require.NotContains(t, buf.String(), "o-secret-openid")
}
