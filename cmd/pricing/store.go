package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
)

// storeFlags say which store a command works on. Another kind of store (postgres, once
// its module is in the workspace) is one more flag here and one more case in open.
type storeFlags struct {
	db     string // the bbolt file
	bucket string // its root bucket
}

func (f *storeFlags) register(fs *flag.FlagSet) {
	if f.db == "" {
		f.db = os.Getenv("PRICING_DB")
	}
	fs.StringVar(&f.db, "db", f.db, "the store's bbolt `file` (default $PRICING_DB)")
	fs.StringVar(&f.bucket, "bucket", f.bucket, "the store's root bucket in the bbolt file (default \""+bolt.DefaultBucket+"\")")
}

// store is an open store and the Service over it.
type store struct {
	svc  *pricing.Service
	name string // the file, for messages
	// bolt is the bbolt store, for check and compact.
	bolt *bolt.Store
	// check verifies the store, nil when the store cannot.
	check func(context.Context) error
	close func() error
}

// errDamaged reports a store file that cannot even be opened because it is damaged.
var errDamaged = errors.New("the file is damaged")

// openStore opens the store the flags name. A readOnly store is opened so that it is
// never written: not migrated, not created.
func (e *env) openStore(readOnly bool) (*store, error) {
	f := e.store
	if f.db == "" {
		return nil, usagef("no store: give --db FILE, or set PRICING_DB")
	}
	opts := &bolt.Options{Bucket: f.bucket}
	if readOnly {
		if _, err := os.Stat(f.db); err != nil {
			return nil, err // bbolt would create the file
		}
		opts.Bolt = &bbolt.Options{ReadOnly: true}
	}
	bs, err := bolt.Open(f.db, opts)
	if err != nil {
		if damaged(err) {
			return nil, fmt.Errorf("%w: %w", errDamaged, err)
		}
		return nil, err
	}
	return &store{svc: pricing.New(bs), name: f.db, bolt: bs, check: bs.Check, close: bs.Close}, nil
}

// damaged reports whether bbolt refused to open a file because its pages are damaged.
func damaged(err error) bool {
	return errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) ||
		errors.Is(err, berrors.ErrVersionMismatch) || errors.Is(err, berrors.ErrInvalidMapping) ||
		errors.Is(err, bolt.ErrCorrupt)
}

// withStore opens the store, runs fn and closes the store.
func (e *env) withStore(readOnly bool, fn func(*store) error) error {
	s, err := e.openStore(readOnly)
	if err != nil {
		return err
	}
	err = fn(s)
	if cerr := s.close(); err == nil {
		err = cerr
	}
	return err
}
