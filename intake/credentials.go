package intake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"

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

// LoadUpstreamKeys reads the upstream keys file.
func LoadUpstreamKeys(path string) (map[string]UpstreamKey, error) {
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
		case len(k.Schools) == 0:
			return nil, fmt.Errorf("RECHECK_UPSTREAM_KEYS: key %s: schools is empty (list school codes, or \"*\" for every school)", k.ID)
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
