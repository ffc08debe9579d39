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
	for _, sr := range [][2]string{
		{"passed", ""}, {"blocked", ""}, {"blocked", "portrait_score_low"}, {"blocked", "ctid_suspected"},
		{"blocked", "ctid_not_same_person"}, {"blocked", "ctid_identity_invalid"}, {"rejected", ""},
		{"on_hold", "admission_photo_missing"}, {"on_hold", "admission_photo_unusable"},
	} {
		m, ok := notify.For("c1", "o-1", "cjlu", sr[0], sr[1])
		require.True(t, ok, sr)
		require.True(t, m.Valid(), "%v: %q / %q", sr, m.Phrase, m.Detail)
	}
	_, ok := notify.For("c1", "o-1", "cjlu", "failed", "")
	require.False(t, ok, "students are not told about internal failures")
	_, ok = notify.For("c1", "o-1", "cjlu", "on_hold", "ctid_unavailable")
	require.False(t, ok, "an unavailable identity check is retried quietly")
	m, _ := notify.For("c1", "o-1", "cjlu", "blocked", "ctid_identity_invalid")
	require.Contains(t, m.Detail, "网证", "identity_invalid suggests the CTID online ID")
}

func TestLogNotifierKeepsOpenIDOutOfTheLog(t *testing.T) {
	var buf bytes.Buffer
	n := notify.Log{Logger: zerolog.New(&buf)}
	m, _ := notify.For("c1", "o-secret-openid", "cjlu", "passed", "")
	require.NoError(t, n.Notify(context.Background(), m))
	require.Contains(t, buf.String(), `"capture_id":"c1"`)
	require.Contains(t, buf.String(), "比对通过")
	require.NotContains(t, buf.String(), "o-secret-openid")
}
