package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/recheck/recheck/capture"
)

// UpstreamKey is a key of the upstream intake service: requests signed with
// it act for its schools.
type UpstreamKey struct {
	// ID names the key in X-Recheck-Key.
	ID string `json:"id"`
	// Secret signs requests; at least 32 characters.
	Secret string `json:"secret"`
	// Schools are the school codes the key may act for; "*" is every school.
	Schools []string `json:"schools"`
}

// keysFile is the document RECHECK_UPSTREAM_KEYS names. Several keys may
// be active at once, for rotation.
type keysFile struct {
	Keys []UpstreamKey `json:"keys"`
}

// LoadUpstreamKeys reads the upstream keys file, each key with the schools
// the file lists for it.
func LoadUpstreamKeys(path string) (map[string]UpstreamKey, error) {
	return LoadUpstreamKeysWith(path, nil)
}

// LoadUpstreamKeysWith reads the upstream keys file, the schools of each
// key named in schools (the upstream_keys section of the schools document)
// taken from there; a key listed in neither, or in both, is an error.
func LoadUpstreamKeysWith(path string, schools map[string][]string) (map[string]UpstreamKey, error) {
	var f keysFile
	if err := readStrict(path, &f); err != nil {
		return nil, fmt.Errorf("RECHECK_UPSTREAM_KEYS: %w", err)
	}
	keys := map[string]UpstreamKey{}
	for i, k := range f.Keys {
		switch {
		case !capture.ValidID(k.ID):
			return nil, fmt.Errorf("RECHECK_UPSTREAM_KEYS: key %d: id %q must be 1-64 letters, digits, '_', '.' or '-'", i+1, k.ID)
		case len(k.Secret) < 32:
			return nil, fmt.Errorf("RECHECK_UPSTREAM_KEYS: key %s: the secret must have at least 32 characters", k.ID)
		case len(k.Schools) > 0 && schools[k.ID] != nil:
			return nil, fmt.Errorf("RECHECK_UPSTREAM_KEYS: key %s: its schools are in both this file and the upstream_keys section of RECHECK_SCHOOLS; keep them in RECHECK_SCHOOLS", k.ID)
		case schools[k.ID] != nil:
			k.Schools = schools[k.ID]
		case len(k.Schools) == 0:
			return nil, fmt.Errorf("RECHECK_UPSTREAM_KEYS: key %s: schools is empty (list school codes, or \"*\" for every school, in the upstream_keys section of RECHECK_SCHOOLS)", k.ID)
		}
		if _, dup := keys[k.ID]; dup {
			return nil, fmt.Errorf("RECHECK_UPSTREAM_KEYS: key %s appears twice", k.ID)
		}
		if err := checkSchools(k.Schools); err != nil {
			return nil, fmt.Errorf("RECHECK_UPSTREAM_KEYS: key %s: %w", k.ID, err)
		}
		keys[k.ID] = k
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("RECHECK_UPSTREAM_KEYS: %s holds no key", path)
	}
	for id := range schools {
		if _, ok := keys[id]; !ok {
			return nil, fmt.Errorf("RECHECK_SCHOOLS: upstream_keys: key %s is not in RECHECK_UPSTREAM_KEYS (%s)", id, path)
		}
	}
	return keys, nil
}

// The roles of admin users.
const (
	// RoleAdmin may do everything, for every school, and use the queue UI.
	RoleAdmin = "admin"
	// RoleReviewer reviews its schools' captures.
	RoleReviewer = "reviewer"
	// RoleRecordsOffice handles its schools' cases with the records office
	// (学籍部门) and replaces admission photos.
	RoleRecordsOffice = "records_office"
)

// User is a person who works on captures: an admin, a reviewer or someone
// of a records office.
type User struct {
	Name string `json:"name"`
	// PasswordBcrypt is the bcrypt hash of the password (recheck
	// hash-password makes one); empty: the user logs in only through the
	// trusted reverse proxy.
	PasswordBcrypt string `json:"password_bcrypt,omitempty"`
	Role           string `json:"role"`
	// Schools are the schools a reviewer or records office works for; "*"
	// is every school. An admin has every school.
	Schools []string `json:"schools,omitempty"`
	// APITokensSHA256 are the SHA-256 (hex) of the user's API tokens, for
	// scripts (Authorization: Bearer; recheck new-token makes one). A
	// token is no browser's ambient credential, so it needs no CSRF
	// defence; several may be listed, for rotation.
	APITokensSHA256 []string `json:"api_tokens_sha256,omitempty"`
}

// usersFile is the document RECHECK_ADMIN_USERS names.
type usersFile struct {
	Users []User `json:"users"`
}

// LoadUsers reads the admin users file.
func LoadUsers(path string) (map[string]User, error) {
	var f usersFile
	if err := readStrict(path, &f); err != nil {
		return nil, fmt.Errorf("RECHECK_ADMIN_USERS: %w", err)
	}
	users := map[string]User{}
	tokenOwners := map[string]string{}
	for i, u := range f.Users {
		switch {
		case !capture.ValidID(u.Name):
			return nil, fmt.Errorf("RECHECK_ADMIN_USERS: user %d: name %q must be 1-64 letters, digits, '_', '.' or '-'", i+1, u.Name)
		case !slices.Contains([]string{RoleAdmin, RoleReviewer, RoleRecordsOffice}, u.Role):
			return nil, fmt.Errorf("RECHECK_ADMIN_USERS: user %s: role must be admin, reviewer or records_office, got %q", u.Name, u.Role)
		case u.Role != RoleAdmin && len(u.Schools) == 0:
			return nil, fmt.Errorf("RECHECK_ADMIN_USERS: user %s: a %s needs schools (codes, or \"*\")", u.Name, u.Role)
		}
		if u.PasswordBcrypt != "" {
			if _, err := bcrypt.Cost([]byte(u.PasswordBcrypt)); err != nil {
				return nil, fmt.Errorf("RECHECK_ADMIN_USERS: user %s: password_bcrypt is not a bcrypt hash (make one with recheck hash-password)", u.Name)
			}
		}
		if err := checkSchools(u.Schools); err != nil {
			return nil, fmt.Errorf("RECHECK_ADMIN_USERS: user %s: %w", u.Name, err)
		}
		for _, h := range u.APITokensSHA256 {
			if b, err := hex.DecodeString(h); err != nil || len(b) != sha256.Size || h != strings.ToLower(h) {
				return nil, fmt.Errorf("RECHECK_ADMIN_USERS: user %s: api_tokens_sha256 holds %q, not a lower-case hex SHA-256 (recheck new-token prints one)", u.Name, truncate(h, 16))
			}
			if other, dup := tokenOwners[h]; dup {
				return nil, fmt.Errorf("RECHECK_ADMIN_USERS: users %s and %s share an API token", other, u.Name)
			}
			tokenOwners[h] = u.Name
		}
		if _, dup := users[u.Name]; dup {
			return nil, fmt.Errorf("RECHECK_ADMIN_USERS: user %s appears twice", u.Name)
		}
		users[u.Name] = u
	}
	return users, nil
}

func checkSchools(schools []string) error {
	for _, s := range schools {
		if s != "*" && !capture.ValidID(s) {
			return fmt.Errorf("%q is not a school code", s)
		}
	}
	return nil
}

// readStrict reads a JSON file into v, refusing unknown fields.
func readStrict(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// apiTokens maps the SHA-256 of every user's API tokens to the user's name.
func apiTokens(users map[string]User) map[string]string {
	out := map[string]string{}
	for _, u := range users {
		for _, h := range u.APITokensSHA256 {
			out[h] = u.Name
		}
	}
	return out
}

// NewAPIToken makes a user's API token and the SHA-256 (hex) that
// RECHECK_ADMIN_USERS lists for it.
func NewAPIToken() (token, sum string) {
	token = "rct_" + randomToken(32)
	h := sha256.Sum256([]byte(token))
	return token, hex.EncodeToString(h[:])
}

// bcryptCost is the cost of the users' password hashes (the highest), so
// that the dummy hash checked for unknown names costs as much.
func bcryptCost(users map[string]User) int {
	cost := 0
	for _, u := range users {
		if c, err := bcrypt.Cost([]byte(u.PasswordBcrypt)); err == nil && c > cost {
			cost = c
		}
	}
	if cost == 0 {
		return bcrypt.DefaultCost
	}
	return cost
}
