package redisstore_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/capture/redisstore"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/seal"
	"github.com/recheck/recheck/storage"
)

// TestResealRotatesEveryCopy: captures and journeys sealed with an old key
// are sealed anew with the new primary, in Redis and in storage (also a
// copy Redis lost), and read with the new key alone afterwards.
func TestResealRotatesEveryCopy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	fs, err := storage.NewFS(t.TempDir())
	require.NoError(t, err)
	k1, k2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	index := bytes.Repeat([]byte{3}, 32)
	ring := func(primary string, keys map[string][]byte) *redisstore.Repository {
		kr, err := seal.New(primary, keys, index)
		require.NoError(t, err)
		return redisstore.New(redisstore.Params{Redis: srv.Client, Store: fs, Sealer: kr})
	}
	old := ring("k1", map[string][]byte{"k1": k1})
	lc := capture.NewLifecycle(old, capture.RuleSet{})
	for _, id := range []string{"c1", "c2", "c3"} {
		_, err := lc.Submit(ctx, newRecord(id, "S-"+id))
		require.NoError(t, err)
	}
	// c3 lives on in storage only.
	require.NoError(t, srv.Client.Del(ctx, "recheck:capture:c3").Err())

	rotated := ring("k2", map[string][]byte{"k1": k1, "k2": k2})
	rep, err := rotated.Reseal(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, 3, rep.Captures)
	require.Equal(t, 3, rep.Journeys)

	keys, err := fs.List(ctx, "schools/")
	require.NoError(t, err)
	for _, k := range keys {
		if !strings.HasSuffix(k, ".json") || strings.HasSuffix(k, "admission.json") {
			continue
		}
		raw, err := fs.Get(ctx, k)
		require.NoError(t, err)
		require.NotContains(t, string(raw), "sealed:v1:k1:", k)
		require.Contains(t, string(raw), "sealed:v1:k2:", k)
	}
	for _, key := range []string{"recheck:capture:c1", "recheck:journey:cjlu:S-c1"} {
		raw, err := srv.Client.Get(ctx, key).Result()
		require.NoError(t, err)
		require.NotContains(t, raw, "sealed:v1:k1:", key)
	}

	again, err := rotated.Reseal(ctx, nil)
	require.NoError(t, err)
	require.Zero(t, again.Captures+again.Journeys, "nothing left to rotate")

	onlyNew := ring("k2", map[string][]byte{"k2": k2})
	rec, err := onlyNew.Get(ctx, "c1")
	require.NoError(t, err, "the old key can go")
	require.Equal(t, "张三", rec.Document.Name)
	require.Equal(t, 1, rec.Version, "resealing is not a change")
	require.NotEmpty(t, rec.Document.NumberHMAC)
	_, err = old.Get(ctx, "c1")
	require.Error(t, err, "a process without the new key cannot read it")
}
