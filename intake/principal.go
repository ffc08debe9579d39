package intake

import (
	"context"
	"net/http"
	"slices"
)

// Principal is who a request acts for: the upstream intake service, with
// one of its keys, or a user.
type Principal struct {
	// Upstream is true for a signed request of the upstream service.
	Upstream bool
	// Name is the key's ID or the user's name.
	Name string
	// Role is "upstream" or the user's role.
	Role string
	// Via says how the principal proved who it is: signed, session, token,
	// basic or proxy.
	Via     string
	schools []string
	// session is a browser's staff session (Via session).
	session *session
}

// Allows reports whether the principal may act for school.
func (p *Principal) Allows(school string) bool {
	return p.Role == RoleAdmin || slices.Contains(p.schools, "*") || slices.Contains(p.schools, school)
}

// Is reports whether the principal is a user with one of roles; admins
// count as every role.
func (p *Principal) Is(roles ...string) bool {
	return !p.Upstream && (p.Role == RoleAdmin || slices.Contains(roles, p.Role))
}

type principalKey struct{}

func withPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principalOf is the authenticated principal of a request.
func principalOf(r *http.Request) *Principal {
	p, _ := r.Context().Value(principalKey{}).(*Principal)
	if p == nil {
		return &Principal{}
	}
	return p
}

// forbidden is the error of a principal acting beyond its rights.
func forbidden(msg string) *apiError { return newError(http.StatusForbidden, "forbidden", msg) }

// mayRead lets the upstream (for its schools), admins, and the school's
// reviewers and records office read a school's captures, photos and
// students; it writes the 403 and returns false otherwise.
func mayRead(w http.ResponseWriter, r *http.Request, school string) bool {
	p := principalOf(r)
	if canRead(p, school) {
		return true
	}
	fail(w, r, forbidden(p.Name+" may not read school "+school))
	return false
}

// canRead reports whether p may read school's captures, photos and
// students.
func canRead(p *Principal, school string) bool {
	return (p.Upstream || p.Is(RoleReviewer, RoleRecordsOffice)) && p.Allows(school)
}

// mayAct lets the upstream act for its schools (submit, confirm, the first
// admission photo); it writes the 403 and returns false otherwise.
func mayAct(w http.ResponseWriter, r *http.Request, school string) bool {
	p := principalOf(r)
	if p.Upstream && p.Allows(school) {
		return true
	}
	if !p.Upstream {
		fail(w, r, forbidden("only the upstream intake service (a signed request) may do this"))
	} else {
		fail(w, r, forbidden("key "+p.Name+" may not act for school "+school))
	}
	return false
}

// mayWork lets a user with one of roles (or an admin) work on school; it
// writes the 403 and returns false otherwise.
func mayWork(w http.ResponseWriter, r *http.Request, school string, roles ...string) bool {
	p := principalOf(r)
	if p.Is(roles...) && p.Allows(school) {
		return true
	}
	fail(w, r, forbidden(p.Name+" may not do this for school "+school+" (needs role "+roles[0]+")"))
	return false
}
