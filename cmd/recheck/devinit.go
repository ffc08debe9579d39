package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/recheck/recheck/intake"
	"github.com/recheck/recheck/seal"
)

// The development credentials dev-init writes, by file name.
const (
	devKeysFile  = "upstream-keys.json"
	devUsersFile = "admin-users.json"
	devDataKeys  = "data-keys.json"
	devKeyID     = "dev"
	devPassword  = "dev"
	devTokensDir = "tokens"
	devEnvFile   = "env"
	devSchools   = "schools.json"
	// devDir is where make dev keeps them: beside the storage root
	// (./data), not inside it, so a storage directory copied or shared
	// never carries the keyring that opens it.
	devDir = "./dev-credentials"
	// oldDevDir is where dev-init wrote them before; it moves them.
	oldDevDir = "./data/dev"
)

// devInitCmd: recheck dev-init [--dir DIR]. Writes the credentials of a
// development machine into DIR (./dev-credentials), each only when
// missing: an upstream key (id "dev", a random secret) for every school,
// the users admin, reviewer and office, all with password "dev" (for the
// login page) and an API token each (DIR/tokens/<user>), the keyring that
// seals personal data, and DIR/env, the settings that point at them (make
// dev reads it; ". DIR/env" gives a shell the same, for the commands). The
// upstream secret is printed once, when it is made. Never for production.
func devInitCmd(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("dev-init", flag.ContinueOnError)
	dir := flags.String("dir", devDir, "directory of the development credentials")
	if _, err := parseArgs(flags, args); err != nil {
		return err
	}
	if moved, err := moveOldDevDir(*dir); err != nil {
		return err
	} else if moved {
		fmt.Fprintf(stdout, "dev-init: moved the development credentials from %s to %s (out of the storage root)\n", oldDevDir, *dir)
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	keys := filepath.Join(*dir, devKeysFile)
	secret, created, err := devKey(keys)
	if err != nil {
		return err
	}
	if err := devSchoolsDoc(filepath.Join(*dir, devSchools), keys); err != nil {
		return err
	}
	users := filepath.Join(*dir, devUsersFile)
	if err := devUsers(users, filepath.Join(*dir, devTokensDir)); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(*dir, devDataKeys)); errors.Is(err, fs.ErrNotExist) {
		if err := seal.WriteKeyring(filepath.Join(*dir, devDataKeys), "dev1"); err != nil {
			return err
		}
	}
	env := filepath.Join(*dir, devEnvFile)
	if err := writeDevEnv(env, *dir); err != nil {
		return err
	}
	verb, shown := "using", "in "+keys
	if created {
		verb, shown = "created", "secret "+secret+", kept in "+keys
	}
	fmt.Fprintf(stdout, "dev-init: %s development credentials in %s (never use them in production)\n", verb, *dir)
	fmt.Fprintf(stdout, "  upstream key:  id %s, %s (every school; sign with bin/recheck call)\n", devKeyID, shown)
	fmt.Fprintf(stdout, "  users:         admin (admin), reviewer (reviewer), office (records_office), password %q on /admin/login\n", devPassword)
	fmt.Fprintf(stdout, "  API tokens:    %s/<user> (curl -H \"Authorization: Bearer $(cat %s/reviewer)\")\n", filepath.Join(*dir, devTokensDir), filepath.Join(*dir, devTokensDir))
	fmt.Fprintf(stdout, "  data keys:     %s (seals names, document numbers and openids)\n", filepath.Join(*dir, devDataKeys))
	fmt.Fprintf(stdout, "  settings:      . %s   (in a shell: bin/recheck call, export, reprocess… use them)\n", env)
	return nil
}

// moveOldDevDir moves the credentials of an earlier dev-init from
// ./data/dev to dir when dir is the default and does not exist yet, so the
// keyring that sealed the development data keeps opening it.
func moveOldDevDir(dir string) (bool, error) {
	if filepath.Clean(dir) != filepath.Clean(devDir) {
		return false, nil
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if _, err := os.Stat(filepath.Join(oldDevDir, devDataKeys)); err != nil {
		return false, nil
	}
	if err := os.Rename(oldDevDir, dir); err != nil {
		return false, fmt.Errorf("dev-init: move %s to %s: %w", oldDevDir, dir, err)
	}
	return true, nil
}

// writeDevEnv writes the settings that point at the development
// credentials, as POSIX shell: each is set only when the environment does
// not set it already, so "RECHECK_CTID_URL=… make dev" still wins.
func writeDevEnv(path, dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("# The development settings of make dev (recheck dev-init writes this file).\n")
	b.WriteString("# Read it into a shell with: . " + path + "\n")
	for _, kv := range [][2]string{
		{"RECHECK_SCHOOLS", filepath.Join(abs, devSchools)},
		{"RECHECK_UPSTREAM_KEYS", filepath.Join(abs, devKeysFile)},
		{"RECHECK_ADMIN_USERS", filepath.Join(abs, devUsersFile)},
		{"RECHECK_DATA_KEYS", filepath.Join(abs, devDataKeys)},
		{"RECHECK_CTID_URL", "sim"},
	} {
		fmt.Fprintf(&b, ": ${%s:=%s}; export %s\n", kv[0], shellQuote(kv[1]), kv[0])
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// shellQuote quotes s for a POSIX shell's ${VAR:=word}.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// devKey returns the development key's secret, writing a new one when the
// file is missing.
func devKey(path string) (secret string, created bool, err error) {
	var f struct {
		Keys []struct {
			ID, Secret string
		} `json:"keys"`
	}
	raw, err := os.ReadFile(path)
	if err == nil {
		if err := json.Unmarshal(raw, &f); err != nil || len(f.Keys) == 0 {
			return "", false, fmt.Errorf("dev-init: %s is not a keys file; delete it to start again", path)
		}
		return f.Keys[0].Secret, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, err
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	secret = hex.EncodeToString(b)
	doc := map[string]any{"keys": []map[string]any{{"id": devKeyID, "secret": secret}}}
	return secret, true, writeJSON(path, doc, 0o600)
}

// devSchoolsDoc writes the development schools document when it is
// missing: no school of its own, the development key acting for every
// school. A keys file of an earlier dev-init that lists the key's schools
// loses them, which the document now holds.
func devSchoolsDoc(path, keysPath string) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		doc := map[string]any{"schools": []string{}, "upstream_keys": map[string][]string{devKeyID: {"*"}}}
		if err := writeJSON(path, doc, 0o600); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	raw, err := os.ReadFile(keysPath)
	if err != nil {
		return err
	}
	var f map[string][]map[string]any
	if err := json.Unmarshal(raw, &f); err != nil {
		return fmt.Errorf("dev-init: %s is not a keys file; delete it to start again", keysPath)
	}
	changed := false
	for _, k := range f["keys"] {
		if _, ok := k["schools"]; ok && k["id"] == devKeyID {
			delete(k, "schools")
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return writeJSON(keysPath, f, 0o600)
}

// devUsers writes the development users when the file is missing, each
// with an API token in tokensDir; a users file of an earlier dev-init that
// lists no tokens gets them.
func devUsers(path, tokensDir string) error {
	var f struct {
		Users []map[string]any `json:"users"`
	}
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &f); err != nil {
			return fmt.Errorf("dev-init: %s is not a users file; delete it to start again", path)
		}
		for _, u := range f.Users {
			if _, ok := u["api_tokens_sha256"]; ok {
				return nil
			}
		}
	case errors.Is(err, fs.ErrNotExist):
		hash, err := bcrypt.GenerateFromPassword([]byte(devPassword), bcrypt.DefaultCost)
		if err != nil {
			return err
		}
		h := string(hash)
		f.Users = []map[string]any{
			{"name": "admin", "password_bcrypt": h, "role": "admin"},
			{"name": "reviewer", "password_bcrypt": h, "role": "reviewer", "schools": []string{"*"}},
			{"name": "office", "password_bcrypt": h, "role": "records_office", "schools": []string{"*"}},
		}
	default:
		return err
	}
	if err := os.MkdirAll(tokensDir, 0o700); err != nil {
		return err
	}
	for _, u := range f.Users {
		name, _ := u["name"].(string)
		token, sum := intake.NewAPIToken()
		if err := os.WriteFile(filepath.Join(tokensDir, name), []byte(token+"\n"), 0o600); err != nil {
			return err
		}
		u["api_tokens_sha256"] = []string{sum}
	}
	return writeJSON(path, f, 0o600)
}

// hashPasswordCmd: recheck hash-password. Reads a password from the first
// line of standard input and prints its bcrypt hash for RECHECK_ADMIN_USERS.
func hashPasswordCmd(stdin io.Reader, stdout io.Writer) error {
	line, err := readLine(stdin)
	if err != nil {
		return err
	}
	if len(line) < 8 {
		return usageError{"hash-password: the password must have at least 8 characters"}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(line), 12)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, string(hash))
	return err
}

func readLine(r io.Reader) (string, error) {
	b := make([]byte, 0, 64)
	one := make([]byte, 1)
	for len(b) < 1024 {
		n, err := r.Read(one)
		if n == 1 {
			if one[0] == '\n' {
				break
			}
			b = append(b, one[0])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
	}
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return string(b), nil
}

// newTokenCmd: recheck new-token. Prints a new API token for a user and the
// SHA-256 that RECHECK_ADMIN_USERS lists for it (api_tokens_sha256); the
// token itself is kept by the user only.
func newTokenCmd(stdout io.Writer) error {
	token, sum := intake.NewAPIToken()
	_, err := fmt.Fprintf(stdout, "token:  %s\napi_tokens_sha256: %s\n", token, sum)
	return err
}

// newDataKeysCmd: recheck new-data-keys FILE [--id ID]. Writes a new
// keyring for RECHECK_DATA_KEYS, one key (ID, k<date> by default) and an
// index key, readable by its owner only; it never writes over a file.
func newDataKeysCmd(args []string, stdout io.Writer) error {
	flags := flag.NewFlagSet("new-data-keys", flag.ContinueOnError)
	id := flags.String("id", "k"+time.Now().UTC().Format("20060102"), "the first key's ID")
	pos, err := parseArgs(flags, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"new-data-keys needs the keyring file to write, like: recheck new-data-keys /etc/recheck/data-keys.json"}
	}
	if err := seal.WriteKeyring(pos[0], *id); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "wrote %s (key %s); set RECHECK_DATA_KEYS=%s for every role, and keep a copy: without it the sealed data cannot be read\n", pos[0], *id, pos[0])
	return err
}
