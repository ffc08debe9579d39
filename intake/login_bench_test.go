package intake

import (
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/recheck/recheck/internal/redistest"
)

// BenchmarkLoginAnswers times the answer to a wrong password for a known
// user and to any password for an unknown one, at bcrypt's default cost:
// the unknown name is checked against a dummy hash of the same cost, so
// neither answer tells whether the user exists.
func BenchmarkLoginAnswers(b *testing.B) {
	rs := redistest.Start(b)
	hash, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.DefaultCost)
	if err != nil {
		b.Fatal(err)
	}
	users := map[string]User{"li": {Name: "li", PasswordBcrypt: string(hash), Role: RoleReviewer, Schools: []string{"cjlu"}}}
	dummy, err := bcrypt.GenerateFromPassword([]byte(newID()), bcryptCost(users))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a := &authenticator{users: users, redis: rs.Client, now: clock, dummy: dummy, verified: map[[32]byte]time.Time{},
		throttle: &loginThrottle{redis: rs.Client, now: clock, lockAfter: 1 << 30, addrFree: 1 << 30, maxDelay: time.Minute}}
	for _, who := range []string{"li", "nobody"} {
		b.Run(who, func(b *testing.B) {
			for range b.N {
				now = now.Add(time.Hour) // past any wait
				if _, e := a.login(httptest.NewRequest("POST", "/admin/login", nil), who, "guess", viaSession); e == nil || e.Code != "unauthorized" {
					b.Fatalf("%s: %v", who, e)
				}
			}
		})
	}
}
