package seal_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/seal"
)

func keyring(t *testing.T) (*seal.Keyring, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys.json")
	require.NoError(t, seal.WriteKeyring(path, "k1"))
	k, err := seal.Load(seal.Config{File: path})
	require.NoError(t, err)
	return k, path
}

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k, _ := keyring(t)
	a, err := k.Seal("name", "张三")
	require.NoError(t, err)
	b, err := k.Seal("name", "张三")
	require.NoError(t, err)
	require.NotEqual(t, a, b, "a fresh nonce each time")
	require.NotContains(t, a, "张三")
	require.True(t, seal.IsSealed(a))
	require.Equal(t, "k1", seal.KeyOf(a))
	plain, err := k.Open("name", a)
	require.NoError(t, err)
	require.Equal(t, "张三", plain)

	_, err = k.Open("number", a)
	require.Error(t, err, "a sealed name does not open as a number")
	tampered := a[:len(a)-2] + "AA"
	_, err = k.Open("name", tampered)
	require.Error(t, err)

	empty, err := k.Seal("name", "")
	require.NoError(t, err)
	require.Empty(t, empty)
	clear, err := k.Open("name", "legacy clear value")
	require.NoError(t, err)
	require.Equal(t, "legacy clear value", clear, "values written before sealing still read")
}

func TestRotation(t *testing.T) {
	t.Parallel()
	k1, path := keyring(t)
	old, err := k1.Seal("openid", "o-123")
	require.NoError(t, err)
	hash := k1.Hash("11010519491231002X")
	require.NoError(t, seal.AddKey(path, "k2"))
	staged, err := seal.Load(seal.Config{File: path})
	require.NoError(t, err)
	require.Equal(t, "k1", staged.Primary(), "a new key opens first, seals later")
	require.NoError(t, seal.UsePrimary(path, "k2"))
	k2, err := seal.Load(seal.Config{File: path})
	require.NoError(t, err)
	require.Equal(t, "k2", k2.Primary())
	require.False(t, k2.Current(old))
	require.True(t, k1.Current(old))
	require.Equal(t, []string{"k1", "k2"}, k2.IDs())
	plain, err := k2.Open("openid", old)
	require.NoError(t, err, "old keys still open")
	require.Equal(t, "o-123", plain)
	fresh, err := k2.Seal("openid", "o-123")
	require.NoError(t, err)
	require.Equal(t, "k2", seal.KeyOf(fresh))
	require.Equal(t, hash, k2.Hash("11010519491231002X"), "the keyed hash survives rotation")
	require.Error(t, seal.AddKey(path, "k2"))
	require.Error(t, seal.UsePrimary(path, "k9"))
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	_, err := seal.Load(seal.Config{})
	require.ErrorIs(t, err, seal.ErrNoKey)
	key := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32)))
	k, err := seal.Load(seal.Config{Key: "env1:" + key})
	require.NoError(t, err)
	require.Equal(t, "env1", k.Primary())
	for c, want := range map[seal.Config]string{
		{Key: "nocolon"}: "ID:base64",
		{Key: "id:" + base64.StdEncoding.EncodeToString([]byte("short"))}: "32",
		{Key: "a:" + key, File: "x"}:                                      "not both",
		{File: "/nonexistent/keys.json"}:                                  "RECHECK_DATA_KEYS",
	} {
		_, err := seal.Load(c)
		require.ErrorContains(t, err, want)
	}
	path := filepath.Join(t.TempDir(), "k.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"primary":"x","keys":{"y":"`+key+`"},"index_key":"`+key+`"}`), 0o600))
	_, err = seal.Load(seal.Config{File: path})
	require.ErrorContains(t, err, "primary key")
}
