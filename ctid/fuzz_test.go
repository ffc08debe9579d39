package ctid

import (
	"errors"
	"testing"
)

// FuzzParseAnswer: whatever a gateway answers, the client never panics,
// accepts only a 200 with code 0, and retries only 429 and 5xx; the
// outcome it reads is always one of the five.
func FuzzParseAnswer(f *testing.F) {
	f.Add(200, []byte(`{"code":0,"serial":"S1","text_result":"match","portrait_result":"same","similarity":93.5}`))
	f.Add(200, []byte(`{"code":1001,"message":"bad signature"}`))
	f.Add(503, []byte(`upstream busy`))
	f.Add(200, []byte(`{"code":0,"similarity":"high"}`))
	f.Add(400, []byte(``))
	f.Fuzz(func(t *testing.T, status int, data []byte) {
		r, retry, err := parseAnswer(status, data)
		if retry != (status == 429 || status >= 500) {
			t.Fatalf("status %d: retry %v", status, retry)
		}
		if err == nil && (status != 200 || r.Code != 0) {
			t.Fatalf("accepted status %d code %d", status, r.Code)
		}
		var ge *gatewayError
		if err != nil && !retry && !errors.As(err, &ge) && err.Error() == "" {
			t.Fatal("an error without a message")
		}
		switch OutcomeOf(r.TextResult, r.PortraitResult) {
		case Pass, Suspected, NotSamePerson, IdentityInvalid, Unavailable:
		default:
			t.Fatalf("unknown outcome for %q/%q", r.TextResult, r.PortraitResult)
		}
	})
}
