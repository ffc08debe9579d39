package notify_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/notify"
)

func TestValidChecksWeChatLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		m    notify.Message
		want bool
	}{
		{notify.Message{Phrase: "审核通过", Detail: "新生入学资格复查线上采集已完成"}, true},
		{notify.Message{Phrase: "审核未通过了吗", Detail: "x"}, false},
		{notify.Message{Phrase: "审核通过", Detail: "一二三四五六七八九十一二三四五六七八九十一"}, false},
		{notify.Message{Detail: "x"}, false},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, tc.m.Valid(), "%q / %q", tc.m.Phrase, tc.m.Detail)
	}
}

func TestLogNotifierKeepsOpenIDOutOfTheLog(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	n := notify.Log{Logger: zerolog.New(&buf)}
	m := notify.Message{CaptureID: "c1", OpenID: "o-secret-openid", School: "cjlu", Key: "approved", Phrase: "审核通过", Detail: "新生入学资格复查线上采集已完成"}
	_, err := n.Notify(context.Background(), m)
	require.NoError(t, err)
	require.Contains(t, buf.String(), `"capture_id":"c1"`)
	require.Contains(t, buf.String(), "审核通过")
	require.NotContains(t, buf.String(), "o-secret-openid")
}
