package keysmith

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/maypok86/otter/v2"

	"github.com/keyhouse-dev/keyhouse/internal/httpapi"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
	"github.com/keyhouse-dev/keyhouse/internal/keys"
)

// bodies caches the encoded "key" and "scopes" members of validate's
// success answer per cached key record. Validate answers the same record
// thousands of times a second, and encoding it (nine timestamps, a
// metadata map) cost more than the checks themselves. The keys service
// hands out one immutable *keyhouse.Key per cache load and a new one after
// every change, so the pointer is the cache key; the key's state at the
// time of the answer is checked on every use, as it changes with time
// alone (expiry, grace).
type bodies struct {
	c *otter.Cache[*keyhouse.Key, *rendered]
}

type rendered struct {
	state  keyhouse.KeyState
	key    []byte
	scopes []byte // nil when the key has none (omitted)
}

func newBodies() *bodies {
	return &bodies{c: otter.Must(&otter.Options[*keyhouse.Key, *rendered]{
		MaximumSize: 100_000,
		// Bounded in time too, so replaced records are let go of soon.
		ExpiryCalculator: otter.ExpiryWriting[*keyhouse.Key, *rendered](time.Minute),
	})}
}

// valid renders what json.Marshal(validateResponse{Valid: true, …}) would,
// byte for byte (TestValidBodyMatchesMarshal).
func (b *bodies) valid(res keys.Result, now time.Time) ([]byte, error) {
	k := res.Key
	state := k.StateAt(now)
	r, ok := b.c.GetIfPresent(k)
	if !ok || r.state != state {
		kr := newKeyResponse(k, now)
		kb, err := json.Marshal(kr)
		if err != nil {
			return nil, err
		}
		r = &rendered{state: state, key: kb}
		if len(k.Scopes) > 0 {
			if r.scopes, err = json.Marshal(k.Scopes); err != nil {
				return nil, err
			}
		}
		b.c.Set(k, r)
	}
	out := make([]byte, 0, len(r.key)+len(r.scopes)+96)
	out = append(out, `{"valid":true,"key":`...)
	out = append(out, r.key...)
	if r.scopes != nil {
		out = append(out, `,"scopes":`...)
		out = append(out, r.scopes...)
	}
	if res.RateLimited {
		out = append(out, `,"limit":`...)
		out = strconv.AppendInt(out, int64(res.Limit), 10)
		out = append(out, `,"remaining":`...)
		out = strconv.AppendInt(out, int64(res.Remaining), 10)
		// RFC 3339 digits and punctuation: nothing to escape.
		out = append(out, `,"reset":"`...)
		out = append(out, httpapi.Time(res.Reset)...)
		out = append(out, '"')
	}
	return append(out, '}'), nil
}
