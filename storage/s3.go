package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3Config configures the S3 store. Any S3-compatible service works (AWS,
// MinIO, Ceph, Alibaba OSS, Tencent COS) given its endpoint and, for most of
// them, path-style addressing.
type S3Config struct {
	// Endpoint is the service URL, e.g. "https://oss-cn-hangzhou.aliyuncs.com";
	// empty means AWS's own endpoint for Region.
	Endpoint string `env:"RECHECK_S3_ENDPOINT" help:"S3 endpoint URL; empty means AWS"`
	// Region is the bucket's region.
	Region string `env:"RECHECK_S3_REGION" default:"us-east-1" help:"S3 region"`
	// Bucket is the bucket name (3-63 characters).
	Bucket string `env:"RECHECK_S3_BUCKET" help:"S3 bucket (required when RECHECK_STORAGE=s3)"`
	// Prefix is prepended to every key, so that several deployments can share
	// a bucket; empty means none.
	Prefix string `env:"RECHECK_S3_PREFIX" help:"key prefix inside the bucket"`
	// PathStyle selects path-style addressing (endpoint/bucket/key) instead of
	// virtual-hosted style (bucket.endpoint/key).
	PathStyle bool `env:"RECHECK_S3_PATH_STYLE" default:"false" help:"use path-style addressing"`
	// AccessKeyID and SecretAccessKey are static credentials; when empty the
	// SDK's default chain (AWS_* variables, shared files, instance roles) is used.
	AccessKeyID     string `env:"RECHECK_S3_ACCESS_KEY_ID" help:"static access key; empty uses the AWS default chain"`
	SecretAccessKey string `env:"RECHECK_S3_SECRET_ACCESS_KEY" help:"static secret key" secret:"true"`
	// SSE asks the service to encrypt every object it stores: "AES256"
	// (keys of the service) or "aws:kms" (a KMS key, SSEKMSKeyID or the
	// bucket's default); empty leaves it to the bucket's own setting.
	SSE string `env:"RECHECK_S3_SSE" help:"server-side encryption of every object: AES256, aws:kms, or empty for the bucket's default"`
	// SSEKMSKeyID is the KMS key of SSE "aws:kms".
	SSEKMSKeyID string `env:"RECHECK_S3_SSE_KMS_KEY_ID" help:"KMS key ID for RECHECK_S3_SSE=aws:kms; empty: the bucket's default key"`
}

// Validate reports a configuration that cannot work.
func (c S3Config) Validate() error {
	if n := len(c.Bucket); n < 3 || n > 63 {
		return fmt.Errorf("storage: RECHECK_S3_BUCKET must be 3-63 characters, got %q", c.Bucket)
	}
	if c.Region == "" {
		return errors.New("storage: RECHECK_S3_REGION is empty")
	}
	switch c.SSE {
	case "", "AES256", "aws:kms":
	default:
		return fmt.Errorf("storage: RECHECK_S3_SSE must be AES256, aws:kms or empty, got %q", c.SSE)
	}
	if c.SSEKMSKeyID != "" && c.SSE != "aws:kms" {
		return errors.New("storage: RECHECK_S3_SSE_KMS_KEY_ID needs RECHECK_S3_SSE=aws:kms")
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		return errors.New("storage: set both RECHECK_S3_ACCESS_KEY_ID and RECHECK_S3_SECRET_ACCESS_KEY, or neither")
	}
	if c.Prefix != "" {
		if err := ValidateKey(strings.TrimSuffix(c.Prefix, "/")); err != nil {
			return fmt.Errorf("storage: RECHECK_S3_PREFIX: %w", err)
		}
	}
	return nil
}

// S3 is a Store on an S3-compatible bucket.
type S3 struct {
	client *s3.Client
	bucket string
	prefix string
	sse    types.ServerSideEncryption
	kmsKey string
}

// NewS3 returns an S3 store for cfg. It does not contact the service; the
// first request does.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(cfg.Region)}
	if cfg.AccessKeyID != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("storage: load AWS config: %w", err)
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.UsePathStyle = cfg.PathStyle
	})
	prefix := strings.TrimSuffix(cfg.Prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return &S3{client: client, bucket: cfg.Bucket, prefix: prefix, sse: types.ServerSideEncryption(cfg.SSE), kmsKey: cfg.SSEKMSKeyID}, nil
}

// Put implements Store.
func (s *S3) Put(ctx context.Context, key string, data []byte) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	in := &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(s.prefix + key),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
		ContentType:   aws.String(contentType(key)),
	}
	if s.sse != "" {
		in.ServerSideEncryption = s.sse
		if s.kmsKey != "" {
			in.SSEKMSKeyId = aws.String(s.kmsKey)
		}
	}
	_, err := s.client.PutObject(ctx, in)
	if err != nil {
		return fmt.Errorf("storage: put %s: %w", key, err)
	}
	return nil
}

// Get implements Store.
func (s *S3) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.prefix + key),
	})
	if err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("storage: get %s: %w", key, ErrNotFound)
		}
		return nil, fmt.Errorf("storage: get %s: %w", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("storage: get %s: read body: %w", key, err)
	}
	return data, nil
}

func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	if errors.As(err, &nsk) {
		return true
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return true
		}
	}
	return false
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.prefix + key),
	})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("storage: delete %s: %w", key, err)
	}
	return nil
}

// List implements Store.
func (s *S3) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.bucket),
		Prefix: aws.String(s.prefix + prefix),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("storage: list %q: %w", prefix, err)
		}
		for _, obj := range page.Contents {
			keys = append(keys, strings.TrimPrefix(aws.ToString(obj.Key), s.prefix))
		}
	}
	return keys, nil
}
