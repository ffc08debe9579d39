package wechat

import (
	"errors"
	"testing"

	"github.com/recheck/recheck/notify"
)

// FuzzParseAnswer: whatever WeChat (or something in between) answers, the
// client never panics, accepts only errcode 0 of a 200, and sorts every
// errcode into retry, refresh, not subscribed or configuration.
func FuzzParseAnswer(f *testing.F) {
	f.Add(200, []byte(`{"errcode":0,"errmsg":"ok","msgid":294402298110051942}`))
	f.Add(200, []byte(`{"errcode":43101,"errmsg":"user refuse to accept the msg"}`))
	f.Add(200, []byte(`{"access_token":"ACCESS_TOKEN","expires_in":7200}`))
	f.Add(502, []byte(`<html>bad gateway</html>`))
	f.Add(200, []byte(`{"errcode":"40001"}`))
	f.Fuzz(func(t *testing.T, status int, data []byte) {
		a, err := parseAnswer("send", status, data)
		if err == nil {
			if status != 200 || a.ErrCode != 0 {
				t.Fatalf("accepted status %d errcode %d", status, a.ErrCode)
			}
			_ = a.MsgID.String()
			return
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			permanent := errors.Is(err, notify.ErrPermanent)
			want := apiErr.Code == 43101 || apiErr.Code == 40003 || apiErr.Code == 40037 || apiErr.Code == 47003 || apiErr.Code == 41030
			if permanent != want {
				t.Fatalf("errcode %d: permanent %v", apiErr.Code, permanent)
			}
		}
		if err.Error() == "" {
			t.Fatal("an error without a message")
		}
	})
}

// FuzzFit: a fitted value always passes its key type's check, or is empty
// (a phrase of no Chinese characters), which the check refuses by name.
func FuzzFit(f *testing.F) {
	for _, s := range []string{"审核通过", "原因：背景有阴影，请重拍", "OK 审核", "01a22a0d-4cd9-73fd-a555-8583f43b8ada", "\xff\xfe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, typ := range []string{TypeThing, TypePhrase, TypeName, TypeCharacterString} {
			got := Fit(typ, v)
			if err := CheckValue(typ, got); err != nil && got != "" {
				t.Fatalf("%s: Fit(%q) = %q refused: %v", typ, v, got, err)
			}
		}
	})
}
