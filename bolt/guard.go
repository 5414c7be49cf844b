package bolt

import (
	"fmt"
	"runtime/debug"
)

// This file turns what bbolt does on a damaged file into errors. bbolt reads its file
// through a memory map and trusts it: a page ID or a length that points past the end
// of the file makes a read fault (SIGBUS or SIGSEGV), which kills the process unless
// the goroutine asked for a panic instead (debug.SetPanicOnFault), and a page whose
// header is wrong makes bbolt panic. Every transaction of the store runs with
// SetPanicOnFault set, and every pricing.Tx method recovers what bbolt raises while it
// runs into an error wrapping ErrCorrupt. What the caller's own code raises (fn of
// View and Update, and the functions the iteration methods call) is never recovered:
// it goes on up, with its own value, as the pricing.Store contract says.

// errDamaged is the error of a panic that bbolt raised on a damaged file, or of a fault
// reading it.
func errDamaged(r any) error {
	if f, ok := r.(interface{ Addr() uintptr }); ok {
		return fmt.Errorf("%w: memory fault at %#x reading the file (%v): the file is damaged or truncated; run Check", ErrCorrupt, f.Addr(), r)
	}
	return fmt.Errorf("%w: bbolt failed on the file (%v): the file is damaged; run Check", ErrCorrupt, r)
}

// protect runs fn, a use of bbolt that runs no code of the caller's, with faults made
// panics, and returns the panic that fn raises as an error.
func protect(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = errDamaged(r)
		}
	}()
	return fn()
}

// enter starts a pricing.Tx method: from here on, a panic is bbolt's, until the method
// calls the caller's code. Each method defers leave right after.
func (t *tx) enter() error {
	t.inCaller = false
	return t.failed
}

// leave ends a pricing.Tx method, deferred. A panic that bbolt raised in the method
// becomes the method's error, and the transaction's: every later method returns it,
// and Update rolls back. A panic of the caller's code (t.inCaller) goes on up.
func (t *tx) leave(err *error) {
	if !t.inCaller {
		if r := recover(); r != nil {
			t.failed = errDamaged(r)
			*err = t.failed
		}
	}
	t.inCaller = true
}

// callerBool calls the caller's function fn with v: a panic in it is the caller's.
func callerBool[T any](t *tx, fn func(T) bool, v T) bool {
	t.inCaller = true
	ok := fn(v)
	t.inCaller = false
	return ok
}
