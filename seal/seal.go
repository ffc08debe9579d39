// Package seal encrypts personal data at rest: names, document numbers and
// openids are kept in Redis and in storage only as AES-256-GCM ciphertext,
// each naming the key that sealed it, so that keys can be rotated (a new
// primary seals, old ones still open). A keyed hash (HMAC-SHA256 with a
// separate, stable index key) stands in for a value wherever one has to be
// looked up or compared.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
)

// prefix starts every sealed value: "sealed:v1:<key id>:<base64url of nonce
// and ciphertext>".
const prefix = "sealed:v1:"

// Keyring seals with its primary key and opens with any of its keys.
type Keyring struct {
	primary string
	aeads   map[string]cipher.AEAD
	index   []byte
}

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,32}$`)

// New returns a keyring of keys (ID to 32-byte key) sealing with primary;
// index keys the hashes.
func New(primary string, keys map[string][]byte, index []byte) (*Keyring, error) {
	k := &Keyring{primary: primary, aeads: map[string]cipher.AEAD{}, index: index}
	for id, key := range keys {
		if !keyIDPattern.MatchString(id) {
			return nil, fmt.Errorf("seal: key ID %q must be 1-32 letters, digits, '_', '.' or '-'", id)
		}
		if len(key) != 32 {
			return nil, fmt.Errorf("seal: key %s has %d bytes; AES-256 needs 32", id, len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		k.aeads[id] = aead
	}
	if _, ok := k.aeads[primary]; !ok {
		return nil, fmt.Errorf("seal: the primary key %q is not among the keys", primary)
	}
	if len(index) < 32 {
		return nil, errors.New("seal: the index key needs at least 32 bytes")
	}
	return k, nil
}

// Primary is the ID of the key that seals.
func (k *Keyring) Primary() string { return k.primary }

// IDs lists the keys, sorted.
func (k *Keyring) IDs() []string {
	var ids []string
	for id := range k.aeads {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Seal encrypts plain for field (the field's name is authenticated, so a
// sealed name cannot pass for a sealed number). The empty string stays
// empty.
func (k *Keyring) Seal(field, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	aead := k.aeads[k.primary]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	ct := aead.Seal(nonce, nonce, []byte(plain), []byte(field))
	return prefix + k.primary + ":" + base64.RawURLEncoding.EncodeToString(ct), nil
}

// Open decrypts a value Seal made for field. A value that is not sealed is
// returned as it is (data written before sealing; Reseal seals it).
func (k *Keyring) Open(field, sealed string) (string, error) {
	if !IsSealed(sealed) {
		return sealed, nil
	}
	id, enc, ok := strings.Cut(strings.TrimPrefix(sealed, prefix), ":")
	if !ok {
		return "", errors.New("seal: malformed sealed value")
	}
	aead, ok := k.aeads[id]
	if !ok {
		return "", fmt.Errorf("seal: no key %q in the keyring (was it removed before every value was resealed?)", id)
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", errors.New("seal: malformed sealed value")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(field))
	if err != nil {
		return "", fmt.Errorf("seal: cannot open a %s sealed with key %s: %w", field, id, err)
	}
	return string(plain), nil
}

// IsSealed reports whether v is a sealed value.
func IsSealed(v string) bool { return strings.HasPrefix(v, prefix) }

// KeyOf returns the ID of the key that sealed v, or "".
func KeyOf(v string) string {
	if !IsSealed(v) {
		return ""
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(v, prefix), ":")
	return id
}

// Current reports whether a stored value is sealed with the primary key;
// an empty value is current, a clear one is not.
func (k *Keyring) Current(stored string) bool {
	return stored == "" || KeyOf(stored) == k.primary
}

// Hash is the keyed hash of plain, for lookups and comparisons that must
// not see the value; it does not change when the sealing keys rotate.
func (k *Keyring) Hash(plain string) string {
	mac := hmac.New(sha256.New, k.index)
	mac.Write([]byte(plain))
	return hex.EncodeToString(mac.Sum(nil))
}

// Config locates the keys: a keyring file, or one key in the environment.
type Config struct {
	// File is a JSON keyring: {"primary": ID, "keys": {ID: base64 key},
	// "index_key": base64}. Rotation adds a key and makes it primary.
	File string `env:"RECHECK_DATA_KEYS" help:"JSON keyring that seals names, document numbers and openids ({\"primary\",\"keys\":{id:base64 32 bytes},\"index_key\"}); required (make dev writes a development one)"`
	// Key is one key, "ID:base64", for deployments that pass secrets in
	// the environment; the index key is derived from it.
	Key string `env:"RECHECK_DATA_KEY" help:"one sealing key as ID:base64 of 32 bytes, instead of RECHECK_DATA_KEYS" secret:"true"`
}

// ErrNoKey is returned by Load when no key is configured.
var ErrNoKey = errors.New("seal: neither RECHECK_DATA_KEYS nor RECHECK_DATA_KEY is set: recheck keeps names, document numbers and openids only sealed (make dev writes a development keyring, and `. dev-credentials/env` points a shell at it; recheck new-data-keys FILE makes a keyring)")

// Validate reports a configuration that cannot work, without requiring a
// key (Load does).
func (c Config) Validate() error {
	if c.File == "" && c.Key == "" {
		return nil
	}
	_, err := Load(c)
	return err
}

// keyringFile is the JSON of RECHECK_DATA_KEYS.
type keyringFile struct {
	Primary  string            `json:"primary"`
	Keys     map[string]string `json:"keys"`
	IndexKey string            `json:"index_key"`
}

// Load returns the configured keyring.
func Load(c Config) (*Keyring, error) {
	switch {
	case c.File != "" && c.Key != "":
		return nil, errors.New("seal: set RECHECK_DATA_KEYS or RECHECK_DATA_KEY, not both")
	case c.Key != "":
		id, b64, ok := strings.Cut(c.Key, ":")
		key, err := base64.StdEncoding.DecodeString(b64)
		if !ok || err != nil {
			return nil, errors.New("seal: RECHECK_DATA_KEY must be ID:base64 of 32 bytes")
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte("recheck index key"))
		k, err := New(id, map[string][]byte{id: key}, mac.Sum(nil))
		if err != nil {
			return nil, fmt.Errorf("RECHECK_DATA_KEY: %w", err)
		}
		return k, nil
	case c.File == "":
		return nil, ErrNoKey
	}
	raw, err := os.ReadFile(c.File)
	if err != nil {
		return nil, fmt.Errorf("RECHECK_DATA_KEYS: %w", err)
	}
	var f keyringFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("RECHECK_DATA_KEYS: %s: %w", c.File, err)
	}
	keys := map[string][]byte{}
	for id, b64 := range f.Keys {
		if keys[id], err = base64.StdEncoding.DecodeString(b64); err != nil {
			return nil, fmt.Errorf("RECHECK_DATA_KEYS: key %s is not base64", id)
		}
	}
	index, err := base64.StdEncoding.DecodeString(f.IndexKey)
	if err != nil {
		return nil, errors.New("RECHECK_DATA_KEYS: index_key is not base64")
	}
	k, err := New(f.Primary, keys, index)
	if err != nil {
		return nil, fmt.Errorf("RECHECK_DATA_KEYS: %w", err)
	}
	return k, nil
}

// NewKey returns a random 32-byte key in base64.
func NewKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// WriteKeyring writes a new keyring file with one key (id) and an index
// key, readable by its owner only. It never replaces a file: a keyring
// written over is data no key opens any more.
func WriteKeyring(path, id string) error {
	if !keyIDPattern.MatchString(id) {
		return fmt.Errorf("seal: key ID %q must be 1-32 letters, digits, '_', '.' or '-'", id)
	}
	raw, err := json.MarshalIndent(keyringFile{Primary: id, Keys: map[string]string{id: NewKey()}, IndexKey: NewKey()}, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("seal: %s exists: a keyring is never written over (recheck rotate-key adds a key to it)", path)
		}
		return fmt.Errorf("seal: write keyring: %w", err)
	}
	if _, err := f.Write(append(raw, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("seal: write keyring %s: %w", path, err)
	}
	return f.Close()
}

// AddKey adds a new random key to a keyring file, not yet primary: every
// process must know a key before any seals with it.
func AddKey(path, id string) error {
	return editKeyring(path, func(f *keyringFile) error {
		if !keyIDPattern.MatchString(id) {
			return fmt.Errorf("seal: key ID %q must be 1-32 letters, digits, '_', '.' or '-'", id)
		}
		if _, exists := f.Keys[id]; exists {
			return fmt.Errorf("seal: %s already has a key %q", path, id)
		}
		f.Keys[id] = NewKey()
		return nil
	})
}

// UsePrimary makes key id of a keyring file the one that seals. The old
// keys stay, to open what they sealed until Reseal has run.
func UsePrimary(path, id string) error {
	return editKeyring(path, func(f *keyringFile) error {
		if _, ok := f.Keys[id]; !ok {
			return fmt.Errorf("seal: %s has no key %q (add it first)", path, id)
		}
		f.Primary = id
		return nil
	})
}

func editKeyring(path string, edit func(*keyringFile) error) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var f keyringFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return fmt.Errorf("seal: %s: %w", path, err)
	}
	if f.Keys == nil {
		f.Keys = map[string]string{}
	}
	if err := edit(&f); err != nil {
		return err
	}
	out, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(out, '\n'), 0o600)
}
