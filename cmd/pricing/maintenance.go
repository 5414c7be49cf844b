package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
	"github.com/commercekit/pricing/postgres"
)

// check verifies the store's file.
func check(e *env, args []string) error {
	fs := e.flagSet("check", "[flags]")
	if _, err := e.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if kind, err := e.store.kind(); err == nil && kind == "bolt" && os.Getenv(checkChildEnv) == "" {
		return e.checkInChild()
	}
	s, err := e.openStore(true)
	if errors.Is(err, errDamaged) {
		return e.checkFailed(err)
	}
	if err != nil {
		return err
	}
	defer s.close()
	p := e.newProgress("checking "+s.name, 0, func(int64) string { return "" })
	err = s.check(e.ctx)
	p.finish()
	if errors.Is(err, bolt.ErrCorrupt) || errors.Is(err, postgres.ErrCorrupt) {
		return e.checkFailed(err)
	}
	if err != nil {
		return err
	}
	_, groups, err := s.svc.ListCustomerGroups(e.ctx, pricing.CustomerGroupFilter{Limit: 1})
	if err != nil {
		return err
	}
	_, lists, err := s.svc.ListPriceLists(e.ctx, pricing.PriceListFilter{Limit: 1})
	if err != nil {
		return err
	}
	_, prices, err := s.svc.ListPrices(e.ctx, pricing.PriceFilter{Limit: 1})
	if err != nil {
		return err
	}
	if e.json {
		return e.writeJSON(map[string]any{"ok": true, "problems": []string{}, "customer_groups": groups, "price_lists": lists, "prices": prices})
	}
	fmt.Fprintf(e.stdout, "ok: %s is sound: %s, %s, %s\n", s.name, count(groups, "customer group"), count(lists, "price list"), count(prices, "price"))
	return nil
}

// checkChildEnv is set in the environment of the process that checks: see
// checkInChild.
const checkChildEnv = "PRICING_CHECK_CHILD"

// checkInChild runs the check in a child process, this program again, and returns
// its outcome. bbolt panics on some damaged pages, in goroutines of its own that no
// recover reaches, and such a crash must read as "damaged" (exit code 6), not as a
// crash (exit code 2, a usage error's).
func (e *env) checkInChild() error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	args := e.args
	if e.progressOn() {
		args = append(slices.Clone(args), "--progress")
	}
	cmd := exec.CommandContext(e.ctx, exe, args...)
	cmd.Env = append(os.Environ(), checkChildEnv+"=1")
	if e.store.db != "" {
		cmd.Env = append(cmd.Env, "PRICING_DB="+e.store.db)
	}
	cmd.Stdin = e.stdin
	cmd.Stdout = e.stdout
	stderr := &crashFilter{w: e.stderr}
	cmd.Stderr = stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return err // it did not run, or ran fine
	}
	if stderr.crashed() {
		return e.checkFailed(fmt.Errorf("%w: reading it crashed: %s", errDamaged, stderr.firstCrashLine()))
	}
	return exitError{exit.ExitCode()}
}

// exitError is an exit code already reported in full by a child process.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit code %d", e.code) }

// crashFilter passes a child's standard error on until it sees a Go crash, whose
// stack it only keeps.
type crashFilter struct {
	w   io.Writer
	buf bytes.Buffer
}

var crashMarks = [][]byte{[]byte("panic: "), []byte("fatal error: ")}

func (c *crashFilter) Write(b []byte) (int, error) {
	wasCrashed := c.crashed()
	c.buf.Write(b)
	if !wasCrashed && !c.crashed() {
		return c.w.Write(b)
	}
	return len(b), nil
}

func (c *crashFilter) crashed() bool { return c.crashIndex() >= 0 }

func (c *crashFilter) crashIndex() int {
	for _, m := range crashMarks {
		if i := bytes.Index(c.buf.Bytes(), m); i >= 0 {
			return i
		}
	}
	return -1
}

func (c *crashFilter) firstCrashLine() string {
	line, _, _ := strings.Cut(c.buf.String()[c.crashIndex():], "\n")
	return line
}

// checkFailed reports the problems a check found, or the damage that kept the file
// from opening, and returns an error for exit code 6.
func (e *env) checkFailed(err error) error {
	lines := strings.Split(err.Error(), "\n")
	problems := []string{lines[0]}
	if len(lines) > 1 {
		problems = lines[1:] // the first line counts them
	}
	if e.json {
		if werr := e.writeJSON(map[string]any{"ok": false, "problems": problems}); werr != nil {
			return werr
		}
		return errReportedAs(err)
	}
	return err
}

// compact copies the bbolt file into a new, compact file: bbolt's Compact, which
// rewrites every bucket page by page, leaving the free pages behind.
func compact(e *env, args []string) error {
	fs := e.flagSet("compact", "--out NEW.db [flags]")
	out := fs.String("out", "", "the new `file`, which must not exist")
	txMax := fs.Int64("tx-max-size", 64<<20, "commit the new file every `N` bytes copied")
	if _, err := e.parse(fs, args, 0, 0); err != nil {
		return err
	}
	if kind, err := e.store.kind(); err != nil {
		return err
	} else if kind == "postgres" {
		return usagef("compact works on a bbolt file; PostgreSQL reclaims the space of its tables itself (autovacuum; VACUUM FULL returns it to the system)")
	}
	if *out == "" {
		return usagef("compact: --out NEW.db is required")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists: compact writes a new file", *out)
	}
	s, err := e.openStore(true)
	if err != nil {
		return err
	}
	defer s.close()
	dst, err := bbolt.Open(*out, 0o600, &bbolt.Options{Timeout: time.Second, NoSync: true})
	if err != nil {
		return err
	}
	p := e.newProgress("compacting into "+*out, 0, bytesUnit)
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if st, err := os.Stat(*out); err == nil {
					p.set(st.Size())
				}
			}
		}
	}()
	err = bbolt.Compact(dst, s.bolt.DB(), *txMax)
	if err == nil {
		err = dst.Sync()
	}
	close(done)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if st, serr := os.Stat(*out); serr == nil {
		p.set(st.Size())
	}
	p.finish()
	if err != nil {
		_ = os.Remove(*out)
		return fmt.Errorf("compact: %w", err)
	}
	// The new file must be as sound as the old one.
	check, err := bolt.Open(*out, &bolt.Options{Bucket: e.store.bucket, Bolt: &bbolt.Options{ReadOnly: true}})
	if err != nil {
		return fmt.Errorf("compact: the new file does not open: %w", err)
	}
	err = check.Check(e.ctx)
	if cerr := check.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("compact: the new file does not check: %w", err)
	}
	before, after := fileSize(s.name), fileSize(*out)
	if e.json {
		return e.writeJSON(map[string]any{"source": s.name, "source_bytes": before, "out": *out, "out_bytes": after})
	}
	fmt.Fprintf(e.stdout, "compacted %s (%s) into %s (%s)\n", s.name, bytesUnit(before), *out, bytesUnit(after))
	return nil
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}
