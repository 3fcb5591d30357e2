package keys_test

import (
	"context"
	"testing"

	"github.com/keyhouse-dev/keyhouse/internal/keys"
)

// BenchmarkCheckCacheHit is the hot path: a known key whose record is cached.
func BenchmarkCheckCacheHit(b *testing.B) {
	e := newEnv(b)
	raw := e.mustCreate(keys.CreateParams{}).RawKey
	p := &keys.ValidateParams{RawKey: raw, IP: "10.0.0.1"}
	ctx := context.Background()
	if r, _ := e.svc.Check(ctx, e.org, p); !r.Valid {
		b.Fatal("not valid")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if r, _ := e.svc.Check(ctx, e.org, p); !r.Valid {
			b.Fatal("not valid")
		}
	}
}

// BenchmarkCheckCacheMiss reads the key from SQLite every time.
func BenchmarkCheckCacheMiss(b *testing.B) {
	e := newEnv(b)
	raw := e.mustCreate(keys.CreateParams{}).RawKey
	p := &keys.ValidateParams{RawKey: raw}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e.svc.DropCache()
		if r, _ := e.svc.Check(ctx, e.org, p); !r.Valid {
			b.Fatal("not valid")
		}
	}
}

// BenchmarkCheckUnknown is a well-formed key no one issued (its absence
// cached, as a revoked key's record would be).
func BenchmarkCheckUnknown(b *testing.B) {
	e := newEnv(b)
	raw := newEnv(b).mustCreate(keys.CreateParams{}).RawKey
	p := &keys.ValidateParams{RawKey: raw}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if r, _ := e.svc.Check(ctx, e.org, p); r.Code != keys.CodeUnknown {
			b.Fatal(r.Code)
		}
	}
}

// BenchmarkCheckRevoked is a revoked key, for comparison with Unknown.
func BenchmarkCheckRevoked(b *testing.B) {
	e := newEnv(b)
	c := e.mustCreate(keys.CreateParams{})
	if _, err := e.svc.Revoke(e.ctx, c.Key.ID, ""); err != nil {
		b.Fatal(err)
	}
	p := &keys.ValidateParams{RawKey: c.RawKey}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if r, _ := e.svc.Check(ctx, e.org, p); r.Code != keys.CodeRevoked {
			b.Fatal(r.Code)
		}
	}
}

// BenchmarkValidate is the whole service call: authorization, checks and
// queuing the usage record (the writer runs alongside).
func BenchmarkValidate(b *testing.B) {
	e := newEnv(b)
	raw := e.mustCreate(keys.CreateParams{}).RawKey
	p := keys.ValidateParams{RawKey: raw, IP: "10.0.0.1", Endpoint: "/v1/x", Method: "GET"}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if r, _ := e.svc.Validate(e.ctx, p); !r.Valid {
			b.Fatal("not valid")
		}
	}
}
