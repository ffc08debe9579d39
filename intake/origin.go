package intake

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Cross-site requests. A browser sends a staff member's session cookie (and
// remembered basic-auth credentials, and the reverse proxy's login) with
// any request to this site, including one a page of another origin makes
// it send: a form posted from another port of the same host carries them
// too (SameSite counts sites, not ports). So every request that may change
// something and is authenticated by what a browser sends on its own must
// come from this origin. Signed requests and API tokens are never sent by
// a browser on its own and need no such check.

// safeMethod reports whether a method only reads.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// errCrossSite is a request another site's page made a browser send.
func errCrossSite(msg string) *apiError {
	return newError(http.StatusForbidden, "cross_site_request", msg)
}

// ownOrigin is the origin the browser sees this service at.
func ownOrigin(r *http.Request) string {
	scheme := "http"
	if secureRequest(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// sameOrigin refuses a request that may change something when it comes
// from a page of another origin: Sec-Fetch-Site must say same-origin (or
// none: typed by the user) when the browser sends it, and Origin must be
// this service's own or one of origins (RECHECK_ADMIN_ORIGINS). A browser
// always sends Origin with such requests; only a script using basic auth
// may send none, so strict (sessions, the reverse proxy's users) refuses a
// missing Origin, and every caller refuses "null" (sandboxed frames,
// redirects across sites).
func sameOrigin(r *http.Request, origins []string, strict bool) *apiError {
	if safeMethod(r.Method) {
		return nil
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return errCrossSite("the request came from another site (Sec-Fetch-Site: " + truncate(site, 20) + ")")
	}
	o := r.Header.Get("Origin")
	switch {
	case o == "" && !strict:
		return nil
	case o == "":
		return errCrossSite("the request names no Origin; a browser's form or script on this site always does")
	case o == "null":
		return errCrossSite("the request comes from an opaque origin (Origin: null)")
	}
	if strings.EqualFold(o, ownOrigin(r)) || slices.ContainsFunc(origins, func(a string) bool { return strings.EqualFold(a, o) }) {
		return nil
	}
	return errCrossSite("the request came from another origin (" + truncate(o, 80) + ")")
}

// checkOrigins validates RECHECK_ADMIN_ORIGINS: scheme://host[:port], no
// path.
func checkOrigins(origins []string) error {
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return &configError{"RECHECK_ADMIN_ORIGINS: " + o + " is not an origin like https://recheck.example.edu"}
		}
	}
	return nil
}

// configError is a setting that cannot work.
type configError struct{ msg string }

// Error implements error.
func (e *configError) Error() string { return "intake: " + e.msg }
