package storetest

import (
	"context"
	"sync/atomic"

	"github.com/keyhouse-dev/keyhouse/internal/keyhouse"
)

// GatedStore is a real store whose reads wait at a gate after reading, as
// reads do on a busy database: the first at Release, the others at Rest.
// Tests of caches use it to hold a load in flight while they race it.
type GatedStore struct {
	keyhouse.Store
	Reads   atomic.Int32  // reads begun
	Entered chan struct{} // closed when the first read has run
	Release chan struct{} // close to let the first read return
	Rest    chan struct{} // close to let the others return
}

// NewGatedStore gates the reads of st.
func NewGatedStore(st keyhouse.Store) *GatedStore {
	return &GatedStore{Store: st, Entered: make(chan struct{}), Release: make(chan struct{}), Rest: make(chan struct{})}
}

// View implements keyhouse.Store.
func (s *GatedStore) View(ctx context.Context, fn func(keyhouse.Tx) error) error {
	first := s.Reads.Add(1) == 1
	err := s.Store.View(ctx, fn)
	if first {
		close(s.Entered)
		<-s.Release
	} else {
		<-s.Rest
	}
	return err
}
