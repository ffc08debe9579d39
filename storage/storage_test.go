package storage_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/storage"
	"github.com/recheck/recheck/storage/storagetest"
)

func TestFSConformance(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T) storage.Store {
		s, err := storage.NewFS(t.TempDir())
		require.NoError(t, err)
		return s
	})
}

// TestS3Conformance runs the suite over real HTTP against an in-process S3
// server, once at the bucket root and once under a key prefix.
func TestS3Conformance(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{"", "tenant-a/"} {
		t.Run(fmt.Sprintf("prefix=%q", prefix), func(t *testing.T) {
			var n atomic.Int64
			storagetest.Run(t, func(t *testing.T) storage.Store {
				return newFakeS3(t, fmt.Sprintf("recheck-test-%d", n.Add(1)), prefix)
			})
		})
	}
}

func newFakeS3(t *testing.T, bucket, prefix string) *storage.S3 {
	t.Helper()
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	require.NoError(t, backend.CreateBucket(bucket))
	s, err := storage.NewS3(context.Background(), storage.S3Config{
		Endpoint:        srv.URL,
		Region:          "us-east-1",
		Bucket:          bucket,
		Prefix:          prefix,
		PathStyle:       true,
		AccessKeyID:     "test",
		SecretAccessKey: "test",
	})
	require.NoError(t, err)
	return s
}

func TestS3ConfigValidate(t *testing.T) {
	t.Parallel()
	ok := storage.S3Config{Region: "us-east-1", Bucket: "photos"}
	tests := []struct {
		name string
		edit func(*storage.S3Config)
		want string
	}{
		{"valid", func(*storage.S3Config) {}, ""},
		{"short bucket", func(c *storage.S3Config) { c.Bucket = "ab" }, "3-63"},
		{"long bucket", func(c *storage.S3Config) { c.Bucket = strings.Repeat("b", 64) }, "3-63"},
		{"no region", func(c *storage.S3Config) { c.Region = "" }, "REGION"},
		{"half credentials", func(c *storage.S3Config) { c.AccessKeyID = "k" }, "both"},
		{"unknown encryption", func(c *storage.S3Config) { c.SSE = "rot13" }, "RECHECK_S3_SSE"},
		{"KMS key without KMS", func(c *storage.S3Config) { c.SSEKMSKeyID = "k" }, "aws:kms"},
		{"bad prefix", func(c *storage.S3Config) { c.Prefix = "../x" }, "PREFIX"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			err := c.Validate()
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestS3UnreachableIsAnError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(nil)
	url := srv.URL
	srv.Close() // nothing listens there any more
	s, err := storage.NewS3(context.Background(), storage.S3Config{
		Endpoint: url, Region: "us-east-1", Bucket: "photos", PathStyle: true,
		AccessKeyID: "k", SecretAccessKey: "s",
	})
	require.NoError(t, err)
	_, err = s.Get(context.Background(), "a")
	require.Error(t, err)
	require.NotErrorIs(t, err, storage.ErrNotFound, "a transport failure must not look like a missing object")
}

func TestOpenSelectsBackend(t *testing.T) {
	t.Parallel()
	s, err := storage.Open(context.Background(), storage.Config{Backend: "fs", Dir: t.TempDir()})
	require.NoError(t, err)
	require.IsType(t, &storage.FS{}, s)
	_, err = storage.Open(context.Background(), storage.Config{Backend: "ftp"})
	require.ErrorContains(t, err, "fs or s3")
}

// TestS3ServerSideEncryption: with RECHECK_S3_SSE every object is stored
// with the encryption header (and the KMS key) the service needs.
func TestS3ServerSideEncryption(t *testing.T) {
	t.Parallel()
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("recheck-sse"))
	fake := gofakes3.New(backend).Server()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			mu.Lock()
			seen = append(seen, r.Header.Get("X-Amz-Server-Side-Encryption")+" "+r.Header.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"))
			mu.Unlock()
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s, err := storage.NewS3(context.Background(), storage.S3Config{
		Endpoint: srv.URL, Region: "us-east-1", Bucket: "recheck-sse", PathStyle: true,
		AccessKeyID: "test", SecretAccessKey: "test", SSE: "aws:kms", SSEKMSKeyID: "alias/recheck",
	})
	require.NoError(t, err)
	require.NoError(t, s.Put(context.Background(), "schools/a/b", []byte("x")))
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"aws:kms alias/recheck"}, seen)
}
