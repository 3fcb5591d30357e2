package keys

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/keyhouse-dev/keyhouse/internal/ids"
	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// usageItem is one validation, as the hot path hands it over: no ID yet
// (generating one costs more than the rest of the record).
type usageItem struct {
	orgID, keyID                            keyhouse.ID
	valid                                   bool
	code                                    string
	status                                  int
	ip, origin, endpoint, method, userAgent string
	at                                      time.Time
	latency                                 time.Duration
}

// maxRetainedUsage bounds the records kept for retry while the database
// refuses writes (about 200 MB of items).
const maxRetainedUsage = 1 << 20

// maxQueuedUsage is how many records validations may queue before add
// waits for the writer.
const maxQueuedUsage = 64 * 1024

// usageWriter batches usage records and last-used times off the request
// path: validations append to a queue under a mutex; one goroutine takes
// the queue every interval or when it holds a batch, and writes it in one
// transaction. A mutex and a slice rather than a channel: a channel send
// per validation woke the writer on nearly every record, which cost as much
// as the validation checks themselves.
type usageWriter struct {
	store    keyhouse.Store
	log      *slog.Logger
	batch    int
	interval time.Duration

	mu        sync.Mutex
	space     sync.Cond // signalled when the writer takes the queue
	pending   []usageItem
	maxQueued int
	closed    bool

	// touches is the writer goroutine's own: per key, the newest
	// last-used time not yet written, and when it last wrote one.
	touches    map[touch]touchState
	touchEvery time.Duration

	full     chan struct{} // cap 1: pending holds a batch
	flushReq chan chan error
	stop     chan chan error
	once     sync.Once
	done     chan struct{}
}

func newUsageWriter(store keyhouse.Store, log *slog.Logger, batch int, interval time.Duration) *usageWriter {
	if batch <= 0 {
		batch = 1000
	}
	if interval <= 0 {
		interval = time.Second
	}
	w := &usageWriter{store: store, log: log, batch: batch, interval: interval, maxQueued: maxQueuedUsage, touches: map[touch]touchState{}, touchEvery: touchEvery, full: make(chan struct{}, 1),
		flushReq: make(chan chan error), stop: make(chan chan error), done: make(chan struct{})}
	w.space.L = &w.mu
	go w.run()
	return w
}

// add queues a record. When the queue is full it waits rather than drop
// the record: usage is never lost, and a database that far behind needs
// backpressure anyway. After close the record has nowhere to go.
func (w *usageWriter) add(it usageItem) {
	w.mu.Lock()
	for len(w.pending) >= w.maxQueued && !w.closed {
		w.space.Wait()
	}
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.pending = append(w.pending, it)
	// A full queue wakes the writer too, or with a batch larger than the
	// queue the next add would wait for the tick.
	signal := len(w.pending) >= min(w.batch, w.maxQueued)
	w.mu.Unlock()
	if signal {
		select {
		case w.full <- struct{}{}:
		default: // already signalled
		}
	}
}

// take swaps the queue for spare (an empty slice the writer owns) and
// returns what was queued.
func (w *usageWriter) take(spare []usageItem, closing bool) []usageItem {
	w.mu.Lock()
	q := w.pending
	w.pending = spare[:0]
	if closing {
		w.closed = true
	}
	w.mu.Unlock()
	w.space.Broadcast()
	return q
}

func (w *usageWriter) run() {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	var buf, spare []usageItem
	// collect moves the queue into buf. What was queued when a write
	// begins is covered by it, so a flush covers every add before it.
	collect := func(closing bool) {
		q := w.take(spare, closing)
		if len(buf) == 0 {
			buf, spare = q, buf
		} else {
			buf = append(buf, q...)
			clear(q)
			spare = q
		}
	}
	// write writes buf; force writes every owed last-used time too
	// (flush and close), not only those due.
	write := func(force bool) error {
		var errs []error
		written := 0
		for written < len(buf) {
			n := min(len(buf)-written, w.batch)
			if err := w.write(buf[written:written+n], force); err != nil {
				w.log.Error("write usage", "records", n, "err", err)
				errs = append(errs, err)
				break
			}
			written += n
		}
		if len(buf) == 0 {
			// No records, but last-used times may be due or owed.
			if err := w.write(nil, force); err != nil {
				w.log.Error("write last-used times", "err", err)
				errs = append(errs, err)
			}
		}
		switch rest := len(buf) - written; {
		case rest == 0:
			clear(buf) // drop the strings the records hold
			buf = buf[:0]
			if cap(buf) > 4*w.batch {
				buf = nil
			}
		case rest > maxRetainedUsage:
			// The database has refused writes for a long time: keep the
			// newest records rather than grow without bound.
			w.log.Error("usage records dropped", "records", rest-maxRetainedUsage)
			buf = slices.Clone(buf[len(buf)-maxRetainedUsage:])
		default:
			// Kept for the next write: a failed transaction wrote nothing.
			buf = slices.Clone(buf[written:])
		}
		return errors.Join(errs...)
	}
	// failing: the last write failed; until the next tick a full batch
	// does not retry, so a refusing database is not hammered per record.
	failing := false
	for {
		select {
		case <-w.full:
			collect(false)
			if !failing {
				failing = write(false) != nil
			}
		case <-t.C:
			collect(false)
			failing = write(false) != nil
		case reply := <-w.flushReq:
			collect(false)
			err := write(true)
			failing = err != nil
			reply <- err
		case reply := <-w.stop:
			collect(true)
			err := write(true)
			close(w.done)
			reply <- err
			return
		}
	}
}

// touchEvery is how often a key's last_used_at is written while the key
// is in use: it is at most this far behind. Writing it with every batch
// cost more than the usage rows when many keys were in use (each touch
// rewrites the key's row, a page of its own), and "last used" is read by
// people, at a minute's precision.
const touchEvery = time.Minute

type touch struct{ org, key keyhouse.ID }

type touchState struct {
	owed    time.Time // newest last-used time not written; zero: none
	written time.Time // when the writer last wrote one (its clock)
}

func (w *usageWriter) write(items []usageItem, force bool) error {
	recs := make([]*keyhouse.UsageRecord, len(items))
	for i, it := range items {
		recs[i] = &keyhouse.UsageRecord{ID: ids.New(keyhouse.PrefixUsage), OrgID: it.orgID, KeyID: it.keyID, Valid: it.valid,
			Code: it.code, StatusCode: it.status, IP: it.ip, Origin: it.origin, Endpoint: it.endpoint, Method: it.method,
			UserAgent: it.userAgent, Latency: it.latency, CreatedAt: it.at}
		if it.valid && it.keyID != "" {
			k := touch{it.orgID, it.keyID}
			if st := w.touches[k]; it.at.After(st.owed) {
				st.owed = it.at
				w.touches[k] = st
			}
		}
	}
	now := time.Now()
	var due []touch
	for k, st := range w.touches {
		switch {
		case !st.owed.IsZero() && (force || st.written.IsZero() || now.Sub(st.written) >= w.touchEvery):
			due = append(due, k)
		case st.owed.IsZero() && now.Sub(st.written) >= w.touchEvery:
			delete(w.touches, k) // its next use is written at once
		}
	}
	if len(recs) == 0 && len(due) == 0 {
		return nil
	}
	err := w.store.Update(context.Background(), func(tx keyhouse.Tx) error {
		if len(recs) > 0 {
			if err := tx.InsertUsage(context.Background(), recs); err != nil {
				return err
			}
		}
		for _, k := range due {
			if err := tx.TouchKey(context.Background(), k.org, k.key, w.touches[k].owed); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err // what was owed stays owed
	}
	for _, k := range due {
		w.touches[k] = touchState{written: now}
	}
	return nil
}

func (w *usageWriter) flush(ctx context.Context) error {
	reply := make(chan error, 1)
	select {
	case w.flushReq <- reply:
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *usageWriter) close(ctx context.Context) error {
	var err error
	w.once.Do(func() {
		reply := make(chan error, 1)
		select {
		case w.stop <- reply:
			select {
			case err = <-reply:
			case <-ctx.Done():
				err = ctx.Err()
			}
		case <-ctx.Done():
			err = ctx.Err()
		}
	})
	return err
}

// UsageQuery selects usage records or aggregates.
type UsageQuery struct {
	KeyID    keyhouse.ID // "": the whole organization
	From, To *time.Time
	Page     keyhouse.Page
}

// Usage lists a key's raw usage records, newest first.
func (s *Service) Usage(ctx context.Context, q UsageQuery) ([]*keyhouse.UsageRecord, error) {
	p, err := canRead(ctx)
	if err != nil {
		return nil, err
	}
	var list []*keyhouse.UsageRecord
	err = s.store.View(ctx, func(tx keyhouse.Tx) error {
		if q.KeyID != "" {
			if _, err := tx.Key(ctx, p.OrgID, q.KeyID); err != nil {
				return err
			}
		}
		var err error
		list, _, err = tx.Usage(ctx, keyhouse.UsageFilter{OrgID: p.OrgID, KeyID: q.KeyID, From: q.From, To: q.To, Page: q.Page})
		return err
	})
	return list, err
}

// Period is an aggregation bucket size.
type Period string

// Periods.
const (
	Hour  Period = "hour"
	Day   Period = "day"
	Month Period = "month"
)

// Bucket is the usage of one period, computed from the raw records it
// covers, so its counts always equal their sums.
type Bucket struct {
	KeyID        keyhouse.ID
	Period       Period
	Start        time.Time
	Requests     int64
	Errors       int64
	TotalLatency time.Duration
	// TotalLatencyMS sums each record's latency in whole milliseconds, as
	// raw records are rendered, so a bucket equals the records it covers
	// in either unit.
	TotalLatencyMS int64
	P50, P99       time.Duration
}

func (p Period) start(t time.Time) time.Time {
	t = t.UTC()
	switch p {
	case Hour:
		return t.Truncate(time.Hour)
	case Month:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Aggregate sums usage per period, newest period first.
func (s *Service) Aggregate(ctx context.Context, q UsageQuery, period Period) ([]Bucket, error) {
	p, err := canRead(ctx)
	if err != nil {
		return nil, err
	}
	if period == "" {
		period = Day
	}
	type acc struct {
		b   Bucket
		lat []time.Duration
	}
	buckets := map[time.Time]*acc{}
	err = s.store.View(ctx, func(tx keyhouse.Tx) error {
		if q.KeyID != "" {
			if _, err := tx.Key(ctx, p.OrgID, q.KeyID); err != nil {
				return err
			}
		}
		return tx.EachUsage(ctx, keyhouse.UsageFilter{OrgID: p.OrgID, KeyID: q.KeyID, From: q.From, To: q.To}, func(u *keyhouse.UsageRecord) error {
			st := period.start(u.CreatedAt)
			a := buckets[st]
			if a == nil {
				a = &acc{b: Bucket{KeyID: q.KeyID, Period: period, Start: st}}
				buckets[st] = a
			}
			a.b.Requests++
			if !u.Valid {
				a.b.Errors++
			}
			a.b.TotalLatency += u.Latency
			a.b.TotalLatencyMS += u.Latency.Milliseconds()
			a.lat = append(a.lat, u.Latency)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]Bucket, 0, len(buckets))
	for _, a := range buckets {
		slices.Sort(a.lat)
		a.b.P50, a.b.P99 = percentile(a.lat, 50), percentile(a.lat, 99)
		out = append(out, a.b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.After(out[j].Start) })
	return out, nil
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (p*len(sorted) + 99) / 100
	return sorted[max(0, min(len(sorted)-1, i-1))]
}
