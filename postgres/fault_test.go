package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/postgres"
)

// proxy forwards loopback connections to the test server, and can freeze: while
// frozen it forwards nothing, in either direction, and keeps the connections open, as a
// server that hangs or a network that drops packets would.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	frozen bool
	thawed chan struct{}
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, thawed: make(chan struct{})}
	close(p.thawed)
	t.Cleanup(p.close)
	go p.accept()
	return p
}

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go p.pipe(c, s)
		go p.pipe(s, c)
	}
}

// pipe copies from src to dst, holding each chunk while the proxy is frozen.
func (p *proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			thawed := p.thawed
			p.mu.Unlock()
			<-thawed
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			dst.Close()
			return
		}
	}
}

func (p *proxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.frozen {
		p.frozen, p.thawed = true, make(chan struct{})
	}
}

func (p *proxy) thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.frozen {
		p.frozen = false
		close(p.thawed)
	}
}

func (p *proxy) close() {
	p.thaw()
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// viaProxy returns the server's connection string with the proxy's address.
func viaProxy(t *testing.T, p *proxy) string {
	t.Helper()
	u, err := url.Parse(serverURL(t))
	if err != nil || u.Host == "" {
		t.Skipf("PRICING_POSTGRES_URL is not a URL with a host (%v): cannot put a proxy in front of it", err)
	}
	u.Host = p.ln.Addr().String()
	return u.String()
}

// serverAddr returns the host:port of the test server.
func serverAddr(t *testing.T) string {
	t.Helper()
	u, err := url.Parse(serverURL(t))
	if err != nil || u.Host == "" {
		t.Skipf("PRICING_POSTGRES_URL is not a URL with a host (%v)", err)
	}
	host := u.Host
	if !strings.Contains(host, ":") {
		host += ":5432"
	}
	return host
}

// No call hangs on a server that stopped answering: each returns by its context's
// deadline (pgx then closes the connection), and the store works again once the
// server answers, on new connections.
func TestFaultDeadlines(t *testing.T) {
	p := newProxy(t, serverAddr(t))
	schema := newSchema(t)
	s, err := postgres.Open(t.Context(), viaProxy(t, p), &postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	svc := pricing.New(s)
	ok := okFunc(t)
	ok(svc.CreateCustomerGroup(t.Context(), pricing.NewCustomerGroup{ID: "cg_1", Name: "One"}))

	const deadline = 300 * time.Millisecond
	p.freeze()
	for _, c := range []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"View", func(ctx context.Context) error { _, err := svc.CustomerGroup(ctx, "cg_1"); return err }},
		{"Update", func(ctx context.Context) error { return svc.AddCustomers(ctx, "cg_1", []string{"cus_1"}) }},
		{"ReadCandidates", func(ctx context.Context) error {
			_, err := svc.Resolve(ctx, pricing.Query{CurrencyCode: "usd", CustomerID: "cus_1"}, "var_1", 1)
			return err
		}},
		{"Check", func(ctx context.Context) error { return s.Check(ctx) }},
		{"Open", func(ctx context.Context) error {
			_, err := postgres.Open(ctx, viaProxy(t, p), &postgres.Options{Schema: schema})
			return err
		}},
	} {
		ctx, cancel := context.WithTimeout(t.Context(), deadline)
		started := time.Now()
		err := c.call(ctx)
		elapsed := time.Since(started)
		cancel()
		if err == nil || !errors.Is(err, context.DeadlineExceeded) && !isTimeout(err) {
			t.Errorf("%s on a frozen server: %v, want a deadline error", c.name, err)
		}
		if elapsed > deadline+2*time.Second {
			t.Errorf("%s on a frozen server returned after %v; its deadline was %v", c.name, elapsed, deadline)
		}
		t.Logf("%s on a frozen server: %v after %v", c.name, err, elapsed.Round(time.Millisecond))
	}
	p.thaw()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := svc.AddCustomers(ctx, "cg_1", []string{"cus_2"}); err != nil {
		t.Fatalf("once the server answers again: %v", err)
	}
	ids, _, err := svc.GroupCustomers(ctx, "cg_1", 0, 0)
	if err != nil || len(ids) > 2 {
		t.Fatalf("members: %v, %v", ids, err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// terminate ends, from another connection, the server process of every connection of
// the application name that is inside a transaction, and returns how many.
func terminate(t *testing.T, app string) int {
	t.Helper()
	var n int
	err := sharedPool(t).QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND state LIKE 'idle in transaction%'`, app).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A connection lost in the middle of an Update, after some of its writes reached the
// server, leaves none of them: without retries the Update fails; with them, its
// function runs again on a new connection and the Update happens once.
func TestFaultConnectionLost(t *testing.T) {
	schema := newSchema(t)
	app := fmt.Sprintf("pricing_test_lost_%d", os.Getpid())
	open := func(retries int) *postgres.Store {
		s, err := postgres.Open(t.Context(), serverURL(t), &postgres.Options{Schema: schema, MaxRetries: retries,
			ConfigurePool: func(c *pgxpool.Config) { c.ConnConfig.RuntimeParams["application_name"] = app }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	s := open(-1)
	write(t, s, func(tx pricing.Tx) error {
		if err := tx.PutCustomerGroup(pricing.CustomerGroup{ID: "cg", Name: "G"}, "g"); err != nil {
			return err
		}
		return tx.PutPriceList(pricing.PriceList{ID: "pl", Name: "L", Type: pricing.Sale, Status: pricing.Active})
	})
	// The function writes prices and members, reads (which sends them to the server),
	// and the second half waits for its connection to be cut.
	var runs atomic.Int32
	fn := func(tx pricing.Tx) error {
		run := runs.Add(1)
		for k := range 500 {
			if err := tx.PutPrice(pricing.Price{ID: fmt.Sprintf("pr_%03d", k), PriceListID: "pl", VariantID: fmt.Sprintf("v%03d", k), CurrencyCode: "usd", Amount: 1}); err != nil {
				return err
			}
			if err := tx.AddMember("cg", fmt.Sprintf("cus_%03d", k)); err != nil {
				return err
			}
		}
		if _, err := tx.CountMembers("cg"); err != nil { // the writes so far reach the server
			return err
		}
		if run == 1 {
			if n := terminate(t, app); n != 1 {
				t.Errorf("terminated %d connections, want the Update's", n)
			}
		}
		if err := tx.PutPrice(pricing.Price{ID: "pr_last", PriceListID: "pl", VariantID: "v_last", CurrencyCode: "usd", Amount: 1}); err != nil {
			return err
		}
		_, err := tx.CountMembers("cg")
		return err
	}
	counts := func() (members, prices int) {
		t.Helper()
		err := s.View(t.Context(), func(tx pricing.Tx) (err error) {
			if members, err = tx.CountMembers("cg"); err != nil {
				return err
			}
			return tx.PricesOfList("pl", func(pricing.Price) bool { prices++; return true })
		})
		if err != nil {
			t.Fatal(err)
		}
		return members, prices
	}

	err := s.Update(t.Context(), fn)
	if err == nil {
		t.Fatal("an Update whose connection was cut succeeded without retries")
	}
	t.Logf("the Update whose connection was cut: %v", err)
	if m, p := counts(); m != 0 || p != 0 {
		t.Errorf("after the cut Update: %d members and %d prices; want none of its writes", m, p)
	}

	runs.Store(0)
	if err := open(0).Update(t.Context(), fn); err != nil {
		t.Fatalf("the same Update with retries: %v", err)
	}
	if m, p := counts(); m != 500 || p != 501 || runs.Load() != 2 {
		t.Errorf("after the retried Update: %d members and %d prices after %d runs; want 500 and 501 after 2", m, p, runs.Load())
	}
	if err := s.Check(t.Context()); err != nil {
		t.Error(err)
	}
}

// ctl runs the server control script of PRICING_POSTGRES_CTL (scripts/pgtest.sh writes
// it), or skips t when there is none.
func ctl(t *testing.T, action string) {
	t.Helper()
	script := os.Getenv("PRICING_POSTGRES_CTL")
	if script == "" {
		msg := "PRICING_POSTGRES_CTL is not set: this test stops and starts the server, and needs the control script that scripts/pgtest.sh makes"
		if os.Getenv("PRICING_POSTGRES_REQUIRED") == "1" {
			t.Fatal("PRICING_POSTGRES_REQUIRED=1: " + msg)
		}
		t.Skip(msg)
	}
	if action == "" {
		return
	}
	out, err := exec.Command(script, action).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", script, action, err, out)
	}
}

// crashOp is one self-checking operation of TestFaultServerCrash: a list with k
// prices of amount k, or a group with k members, each made by one Service call.
type crashOp struct {
	kind string // "list" or "group"
	k    int
}

func (o crashOp) id() string { return fmt.Sprintf("%s_%04d", o.kind, o.k) }

func (o crashOp) run(ctx context.Context, svc *pricing.Service) error {
	n := o.k%40 + 1
	if o.kind == "list" {
		nl := pricing.NewPriceList{ID: o.id(), Name: o.id(), Status: pricing.Active}
		for i := range n {
			nl.Prices = append(nl.Prices, pricing.PriceInput{ID: fmt.Sprintf("%s_%02d", o.id(), i), VariantID: fmt.Sprintf("v%02d", i), CurrencyCode: "usd", Amount: int64(o.k)})
		}
		_, err := svc.CreatePriceList(ctx, nl)
		return err
	}
	_, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: o.id(), Name: o.id()})
	if err != nil {
		return err
	}
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprintf("cus_%d", i))
	}
	return svc.AddCustomers(ctx, o.id(), ids)
}

// state reports whether the operation's records are whole ("done"), absent ("absent"),
// or anything else, described.
func (o crashOp) state(ctx context.Context, svc *pricing.Service) string {
	n := o.k%40 + 1
	if o.kind == "list" {
		if _, err := svc.PriceList(ctx, o.id()); errors.Is(err, pricing.ErrNotFound) {
			return "absent"
		} else if err != nil {
			return err.Error()
		}
		prices, total, err := svc.ListPrices(ctx, pricing.PriceFilter{PriceListID: o.id()})
		if err != nil {
			return err.Error()
		}
		for _, p := range prices {
			if p.Amount != int64(o.k) {
				return fmt.Sprintf("price %s of amount %d", p.ID, p.Amount)
			}
		}
		if total != n {
			return fmt.Sprintf("%d prices of %d", total, n)
		}
		return "done"
	}
	if _, err := svc.CustomerGroup(ctx, o.id()); errors.Is(err, pricing.ErrNotFound) {
		return "absent"
	} else if err != nil {
		return err.Error()
	}
	_, total, err := svc.GroupCustomers(ctx, o.id(), 1, 0)
	switch {
	case err != nil:
		return err.Error()
	case total == n:
		return "done"
	case total == 0:
		return "group without its members" // the group was acknowledged, the members not
	}
	return fmt.Sprintf("%d members of %d", total, n)
}

// The server is stopped as a crash would stop it (pg_ctl stop -m immediate) while two
// writers are busy, and started again. Every operation acknowledged before the crash is
// whole; none is half-applied; the store's pool recovers by itself (the writers go on
// with the same Store, and succeed again); Check finds nothing wrong.
func TestFaultServerCrash(t *testing.T) {
	ctl(t, "")
	schema := newSchema(t)
	s, err := postgres.Open(t.Context(), serverURL(t), &postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	svc := pricing.New(s)
	ctx := t.Context()

	var (
		mu     sync.Mutex
		acked  = map[string]crashOp{}
		tried  = map[string]crashOp{}
		failed atomic.Int32
		after  atomic.Int32 // acknowledged after the restart
		phase  atomic.Int32 // 0 before the crash, 1 down, 2 restarted
		stop   = make(chan struct{})
		wg     sync.WaitGroup
	)
	for w := range 2 {
		wg.Go(func() {
			for k := w; ; k += 2 {
				select {
				case <-stop:
					return
				default:
				}
				op := crashOp{kind: []string{"list", "group"}[k/2%2], k: k}
				mu.Lock()
				tried[op.id()] = op
				mu.Unlock()
				opCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
				err := op.run(opCtx, svc)
				cancel()
				if err != nil {
					failed.Add(1)
					time.Sleep(20 * time.Millisecond)
					continue
				}
				mu.Lock()
				acked[op.id()] = op
				mu.Unlock()
				if phase.Load() == 2 {
					after.Add(1)
				}
			}
		})
	}
	time.Sleep(1500 * time.Millisecond)
	mu.Lock()
	before := len(acked)
	mu.Unlock()
	phase.Store(1)
	ctl(t, "stop-immediate")
	time.Sleep(500 * time.Millisecond)
	ctl(t, "start")
	phase.Store(2)
	deadline := time.Now().Add(30 * time.Second)
	for after.Load() < 20 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("acknowledged: %d before the crash, %d after the restart; %d calls failed", before, after.Load(), failed.Load())
	if after.Load() < 20 {
		t.Fatalf("the store did not recover: %d operations acknowledged in the 30 s after the restart", after.Load())
	}

	vctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for id, op := range tried {
		state := op.state(vctx, svc)
		_, wasAcked := acked[id]
		switch {
		case wasAcked && state != "done":
			t.Errorf("%s was acknowledged, and is now: %s", id, state)
		case state != "done" && state != "absent" && !(op.kind == "group" && state == "group without its members"):
			t.Errorf("%s is half-applied: %s", id, state)
		}
	}
	if err := s.Check(vctx); err != nil {
		t.Error(err)
	}
	// The other tests' shared pool recovers too.
	if _, err := sharedPool(t).Exec(vctx, "SELECT 1"); err != nil {
		if _, err := sharedPool(t).Exec(vctx, "SELECT 1"); err != nil {
			t.Errorf("the shared pool after the restart: %v", err)
		}
	}
}
