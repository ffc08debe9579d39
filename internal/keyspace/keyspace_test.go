package keyspace_test

import (
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/gosource"
	"github.com/recheck/recheck/internal/keyspace"
)

// TestKeysKeepTheirNames pins the keys to the names data in Redis already
// has: renaming one would orphan every record under the old name.
func TestKeysKeepTheirNames(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{keyspace.Capture("c1"), "recheck:capture:c1"},
		{keyspace.Journey("cjlu", "S1"), "recheck:journey:cjlu:S1"},
		{keyspace.Admission("cjlu", "S1"), "recheck:admission:cjlu:S1"},
		{keyspace.SchoolCaptures("cjlu"), "recheck:school:cjlu:captures"},
		{keyspace.SchoolState("cjlu", "pending_review"), "recheck:school:cjlu:state:pending_review"},
		{keyspace.SchoolStatePattern("approved"), "recheck:school:*:state:approved"},
		{keyspace.SchoolCases("cjlu"), "recheck:school:cjlu:cases"},
		{keyspace.StudentCaptures("cjlu", "S1"), "recheck:student:cjlu:S1:captures"},
		{keyspace.Document("cjlu", "ab"), "recheck:school:cjlu:document:ab"},
		{keyspace.DocumentSchools("ab"), "recheck:document:ab:schools"},
		{keyspace.Outbox, "recheck:outbox"},
		{keyspace.Embedding("arcface", "ff"), "recheck:embedding:arcface:ff"},
		{keyspace.PurgeCursor(keyspace.SchoolState("cjlu", "approved")), "recheck:purge-cursor:school:cjlu:state:approved"},
		{keyspace.Nonce("k1", "n"), "recheck:nonce:k1:n"},
		{keyspace.Idempotency("ab"), "recheck:idempotency:ab"},
		{keyspace.Session("ab"), "recheck:session:ab"},
		{keyspace.LoginUser("ab"), "recheck:login:user:ab"},
		{keyspace.LoginAddr("10.0.0.1"), "recheck:login:addr:10.0.0.1"},
		{keyspace.AuditLogins, "recheck:audit:logins"},
		{keyspace.FormKey, "recheck:admin:csrf-key"},
		{keyspace.Batch("b1"), "recheck:batch:b1"},
		{keyspace.BatchDone("b1"), "recheck:batch:b1:done"},
		{keyspace.Delivery("d1"), "recheck:notify:delivery:d1"},
		{keyspace.WeChat("wx1"), "recheck:wechat:wx1:"},
		{keyspace.PendingCaptures("capture"), "asynq:{capture}:pending"},
		{keyspace.ActiveTasks("capture"), "asynq:{capture}:active"},
		{keyspace.Leases("capture"), "asynq:{capture}:lease"},
	} {
		require.Equal(t, tc.want, tc.got)
	}
	require.True(t, strings.HasPrefix(keyspace.Journey("cjlu", "S1"), keyspace.JourneyPrefix))
	m, err := filepath.Match(keyspace.CapturePattern, keyspace.Capture("c1"))
	require.NoError(t, err)
	require.True(t, m)
	m, err = filepath.Match(keyspace.JourneyPattern, keyspace.Journey("cjlu", "S1"))
	require.NoError(t, err)
	require.True(t, m)
}

// TestNoKeyIsBuiltElsewhere fails on a string literal that starts a Redis
// key ("recheck:" or "asynq:") in code outside this package; tests may
// name keys to look at them.
func TestNoKeyIsBuiltElsewhere(t *testing.T) {
	t.Parallel()
	var found []string
	err := gosource.StringLiterals("../..", []string{"internal/keyspace"}, func(pos token.Position, v string) {
		if strings.HasPrefix(v, "recheck:") || strings.HasPrefix(v, "asynq:") {
			found = append(found, pos.String()+": "+strconv.Quote(v))
		}
	})
	require.NoError(t, err)
	require.Empty(t, found, "Redis keys are built in internal/keyspace only")
}
