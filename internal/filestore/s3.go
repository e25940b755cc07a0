package filestore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	inbox "github.com/inboxd/inbox"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config says where an S3-compatible bucket is.
type S3Config struct {
	// Endpoint is the service's URL: https://s3.eu-west-1.amazonaws.com,
	// http://127.0.0.1:9000 (the scheme selects TLS).
	Endpoint string
	Bucket   string
	// Region is the bucket's region; empty lets the client find it.
	Region string
	// Prefix is prepended to every object's name ("inboxd/"), so that one
	// bucket can hold other things too.
	Prefix string
	// AccessKey and SecretKey are the credentials; empty takes them from
	// the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or
	// MINIO_ROOT_USER and MINIO_ROOT_PASSWORD).
	AccessKey, SecretKey string
}

// S3 keeps attachment bytes as objects of an S3-compatible bucket, which
// every node of a cluster sees. Objects are named by the hex SHA-256 of
// their content, as in Dir.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string
}

// NewS3 connects to the bucket and checks that it exists and the
// credentials can reach it.
func NewS3(ctx context.Context, c S3Config) (*S3, error) {
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("S3 endpoint %q: want a URL such as https://s3.amazonaws.com or http://127.0.0.1:9000", c.Endpoint)
	}
	creds := credentials.NewStaticV4(c.AccessKey, c.SecretKey, "")
	if c.AccessKey == "" {
		creds = credentials.NewChainCredentials([]credentials.Provider{&credentials.EnvAWS{}, &credentials.EnvMinio{}})
	}
	client, err := minio.New(u.Host, &minio.Options{Creds: creds, Secure: u.Scheme == "https", Region: c.Region})
	if err != nil {
		return nil, fmt.Errorf("S3 client: %w", err)
	}
	ok, err := client.BucketExists(ctx, c.Bucket)
	if err != nil {
		return nil, fmt.Errorf("S3 bucket %q at %s: %w", c.Bucket, u.Host, err)
	} else if !ok {
		return nil, fmt.Errorf("S3 bucket %q does not exist at %s: create it first", c.Bucket, u.Host)
	}
	prefix := strings.Trim(c.Prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return &S3{client: client, bucket: c.Bucket, prefix: prefix}, nil
}

func (s *S3) object(key string) string { return s.prefix + path.Join(key[:2], key) }

// Put stores data and returns its key. Writing the same content twice
// rewrites the same object.
func (s *S3) Put(ctx context.Context, data []byte) (string, error) {
	sum := sha256.Sum256(data)
	key := hex.EncodeToString(sum[:])
	_, err := s.client.PutObject(ctx, s.bucket, s.object(key), bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return "", fmt.Errorf("S3 put: %w", err)
	}
	return key, nil
}

// Open returns the content stored under key, read from the bucket as it is
// consumed (and sought: range requests become ranged GETs).
func (s *S3) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	if !validKey(key) {
		return nil, inbox.NotFound("File")
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.object(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("S3 get: %w", err)
	}
	// GetObject is lazy: Stat makes the request and tells a missing object.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, inbox.NotFound("File")
		}
		return nil, fmt.Errorf("S3 get: %w", err)
	}
	return obj, nil
}
