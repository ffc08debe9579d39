package systemtest

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// personal returns the forms a personal value may take in stored bytes:
// as is, and with its non-ASCII characters \u-escaped as JSON may write
// them.
func personal(values ...string) map[string][]byte {
	out := map[string][]byte{}
	for _, v := range values {
		out[v] = []byte(v)
		var u strings.Builder
		for _, r := range v {
			if r > 127 {
				fmt.Fprintf(&u, "\\u%04x", r)
			} else {
				u.WriteRune(r)
			}
		}
		out[v+" (escaped)"] = []byte(u.String())
	}
	return out
}

// TestNoPersonalDataInTheClear runs journeys, then looks through a full
// Redis dump, every stored object and the logs for the students' names,
// document numbers and openids, and for what people wrote about them (a
// reviewer's reason, an office's note, the reason of a replacement): none
// may be there in the clear.
func TestNoPersonalDataInTheClear(t *testing.T) {
	t.Parallel()
	const reason, note, replaced = "背景不合格，与张三身份证照片不符", "已电话联系学生本人核实", "招生办提供的新录取照片"
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=s1")
	id := w.pass("S1", "person=s1")
	_, _ = w.review(id, "reject", reason)
	w.pass("S1", "person=s1")
	w.putAdmission("S2", "person=s2")
	w.pass("S2", "person=other")
	hk := doc{"hk_id", "A123456(3)", "陈大文"}
	status, body := w.submitAs("S3", "person=s3", hk)
	require.Equal(t, http.StatusAccepted, status, body)
	for range 3 {
		w.accepted("S4", "person=s4")
	}
	_, _ = w.submit("S4", "person=s4") // refused: the cool-off notice keeps the openid
	w.putAdmission("S5", "person=s5")
	_, _ = w.confirm(w.accepted("S5", "person=s5"), "wrong")
	w.replaceAdmission("S5", "person=s5", replaced)
	_, _ = w.confirm(w.accepted("S5", "person=s5"), "missing")
	status, body = w.resolve("S5", note)
	require.Equal(t, http.StatusOK, status, body)
	w.idle()

	secrets := personal(residentID.number, residentID.name, hk.number, hk.name,
		"oUpF8uMuAJO_S1", "oUpF8uMuAJO_S2", "oUpF8uMuAJO_S3", "oUpF8uMuAJO_S4", reason, note, replaced)
	look := func(where string, data []byte) {
		for what, b := range secrets {
			require.False(t, bytes.Contains(data, b), "%s holds %s in the clear", where, what)
		}
	}
	look("the Redis dump", w.redis.Dump(t))
	n := 0
	require.NoError(t, filepath.Walk(w.dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		look(p, raw)
		n++
		return nil
	}))
	require.Greater(t, n, 20, "the journeys stored their photos and records")
	look("the logs", w.logs.Bytes())
	require.Contains(t, string(w.logs.Bytes()), `"capture_id"`, "the logs were captured")

	// The service still knows them: the API shows the number masked, and
	// the student reads the reviewer's reason.
	c := w.capture(id)
	require.Equal(t, "110***********002X", c["document"].(map[string]any)["number_masked"])
	require.Equal(t, reason, c["decision"].(map[string]any)["reason"])
	require.Contains(t, c["message_zh"], reason)
}
