package postgres_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/postgres"
)

// writeSkew runs two Updates that each count the members of the group the other adds
// a member to, and holds the first until the second commits: under SERIALIZABLE one
// of them fails with a serialization failure. It returns how many times each function ran and the Updates' errors.
func writeSkew(t *testing.T, s *postgres.Store) (runs [2]int, errs [2]error) {
	t.Helper()
	ctx := t.Context()
	write(t, s, func(tx pricing.Tx) error {
		if err := tx.PutCustomerGroup(pricing.CustomerGroup{ID: "cg_a", Name: "A"}, "a"); err != nil {
			return err
		}
		return tx.PutCustomerGroup(pricing.CustomerGroup{ID: "cg_b", Name: "B"}, "b")
	})
	read, committed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	wg.Go(func() {
		errs[0] = s.Update(ctx, func(tx pricing.Tx) error {
			runs[0]++
			if _, err := tx.CountMembers("cg_b"); err != nil {
				return err
			}
			if runs[0] == 1 {
				close(read)
				<-committed
			}
			return tx.AddMember("cg_a", "cus_from_first")
		})
	})
	wg.Go(func() {
		<-read
		defer once.Do(func() { close(committed) })
		errs[1] = s.Update(ctx, func(tx pricing.Tx) error {
			runs[1]++
			if _, err := tx.CountMembers("cg_a"); err != nil {
				return err
			}
			return tx.AddMember("cg_b", "cus_from_second")
		})
	})
	wg.Wait()
	return runs, errs
}

func write(t *testing.T, s pricing.Store, fn func(tx pricing.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatal(err)
	}
}

// A serialization failure is retried: the function runs again in a new transaction,
// and both Updates take effect.
func TestRetrySerializationFailure(t *testing.T) {
	s := newStore(t, nil)
	runs, errs := writeSkew(t, s)
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("Updates: %v, %v; want both to succeed, one after a retry", errs[0], errs[1])
	}
	if runs[0]+runs[1] != 3 || s.Stats().Retries != 1 {
		t.Errorf("functions ran %v times, %d retries; want one of them twice, one retry", runs, s.Stats().Retries)
	}
	for g, c := range map[string]string{"cg_a": "cus_from_first", "cg_b": "cus_from_second"} {
		var n int
		if err := s.View(t.Context(), func(tx pricing.Tx) (err error) { n, err = tx.CountMembers(g); return err }); err != nil || n != 1 {
			t.Errorf("members of %s: %d, %v; want %s", g, n, err, c)
		}
	}
}

// With retries disabled, the failure comes back as ErrContention, wrapping the
// server's error, and nothing of the failed Update remains.
func TestRetryDisabled(t *testing.T) {
	s := newStore(t, &postgres.Options{MaxRetries: -1})
	runs, errs := writeSkew(t, s)
	failed := 0
	if errs[1] != nil {
		failed = 1
	}
	var pgErr *pgconn.PgError
	if !errors.Is(errs[failed], postgres.ErrContention) || !errors.As(errs[failed], &pgErr) || pgErr.Code != "40001" {
		t.Fatalf("Updates without retries: %v, %v; want one ErrContention wrapping a 40001 error", errs[0], errs[1])
	}
	if runs != [2]int{1, 1} || s.Stats().Retries != 0 {
		t.Errorf("functions ran %v times, %d retries; want once each, none", runs, s.Stats().Retries)
	}
	var n int
	group := []string{"cg_a", "cg_b"}[failed]
	if err := s.View(t.Context(), func(tx pricing.Tx) (err error) { n, err = tx.CountMembers(group); return err }); err != nil || n != 0 {
		t.Errorf("members of %s after its Update failed: %d, %v; want 0", group, n, err)
	}
}

// A name key that the cache found free but that a concurrent transaction takes first
// is a unique violation at commit: Update retries, and the second run finds the key
// taken, so the Service's rule answers ErrAlreadyExists.
func TestRetryUniqueRace(t *testing.T) {
	s := newStore(t, nil)
	svc := pricing.New(s)
	ctx := t.Context()
	var runs atomic.Int32
	vip, gold := pricing.NameKey("vip"), pricing.NameKey("gold")
	err := s.Update(ctx, func(tx pricing.Tx) error {
		if runs.Add(1) == 1 {
			if _, err := tx.CustomerGroupIDByNameKey(vip); !errors.Is(err, pricing.ErrNotFound) {
				return err
			}
			// Another instance takes the key now, and commits.
			if _, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "cg_other", Name: "vip"}); err != nil {
				t.Errorf("the other instance: %v", err)
			}
		}
		if id, err := tx.CustomerGroupIDByNameKey(vip); err == nil {
			return errors.Join(pricing.ErrAlreadyExists, errors.New("held by "+id))
		}
		return tx.PutCustomerGroup(pricing.CustomerGroup{ID: "cg_mine", Name: "VIP"}, vip)
	})
	if !errors.Is(err, pricing.ErrAlreadyExists) || runs.Load() != 2 {
		t.Fatalf("Update after losing the key: %v after %d runs; want ErrAlreadyExists after 2", err, runs.Load())
	}
	// Without retries, the loss comes back as the server reports it: as a serialization
	// failure (ErrContention) when the transaction had read the key, as PostgreSQL
	// reports a unique violation that SERIALIZABLE explains, else as ErrAlreadyExists.
	s2 := newStore(t, &postgres.Options{MaxRetries: -1})
	other := pricing.New(s2)
	err = s2.Update(ctx, func(tx pricing.Tx) error {
		if _, err := tx.CustomerGroupIDByNameKey(gold); !errors.Is(err, pricing.ErrNotFound) {
			return err
		}
		if _, err := other.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "cg_other", Name: "gold"}); err != nil {
			t.Errorf("the other instance: %v", err)
		}
		return tx.PutCustomerGroup(pricing.CustomerGroup{ID: "cg_mine", Name: "Gold"}, gold)
	})
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, postgres.ErrContention) && errors.As(err, &pgErr) && pgErr.Code == "40001":
	case errors.Is(err, pricing.ErrAlreadyExists) && errors.As(err, &pgErr) && pgErr.Code == "23505":
	default:
		t.Fatalf("Update losing the key without retries: %v; want ErrContention wrapping a 40001 error, or ErrAlreadyExists wrapping a 23505 one", err)
	}
	t.Logf("without retries: %v", err)

	// In a host's READ COMMITTED transaction, the violation comes back as
	// ErrAlreadyExists, and the host's transaction goes on without the write.
	tx, err := sharedPool(t).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	silver := pricing.NameKey("silver")
	err = s2.WithTx(tx).Update(ctx, func(ptx pricing.Tx) error {
		if _, err := ptx.CustomerGroupIDByNameKey(silver); !errors.Is(err, pricing.ErrNotFound) {
			return err
		}
		if _, err := other.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "cg_silver", Name: "silver"}); err != nil {
			t.Errorf("the other instance: %v", err)
		}
		return ptx.PutCustomerGroup(pricing.CustomerGroup{ID: "cg_mine_silver", Name: "Silver"}, silver)
	})
	if !errors.Is(err, pricing.ErrAlreadyExists) || !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Fatalf("losing the key in a host's READ COMMITTED transaction: %v; want ErrAlreadyExists wrapping a 23505 error", err)
	}
	if _, err := tx.Exec(ctx, "SELECT 1"); err != nil {
		t.Errorf("the host's transaction after the refused write: %v", err)
	}
}

// failMembers makes every insert of a membership in the store's schema fail with
// SQLSTATE 40001, as a serialization failure does, until the returned function undoes
// it.
func failMembers(t *testing.T, s *postgres.Store) (undo func()) {
	t.Helper()
	q := pgx.Identifier{s.Schema()}.Sanitize()
	for _, stmt := range []string{
		`CREATE FUNCTION ` + q + `.fail() RETURNS trigger LANGUAGE plpgsql AS
			$$BEGIN RAISE EXCEPTION 'test: forced failure' USING ERRCODE = '40001'; END$$`,
		`CREATE TRIGGER fail BEFORE INSERT ON ` + q + `.customer_group_members FOR EACH STATEMENT EXECUTE FUNCTION ` + q + `.fail()`,
	} {
		if _, err := sharedPool(t).Exec(t.Context(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		_, err := sharedPool(t).Exec(context.Background(), `DROP FUNCTION `+q+`.fail() CASCADE`)
		if err != nil {
			t.Fatal(err)
		}
	}
}

// An Update that keeps failing is retried MaxRetries times, then fails with
// ErrContention; the pause before a retry ends when the context does.
func TestRetryBoundedAndContext(t *testing.T) {
	s := newStore(t, &postgres.Options{MaxRetries: 3})
	write(t, s, func(tx pricing.Tx) error { return tx.PutCustomerGroup(pricing.CustomerGroup{ID: "cg", Name: "G"}, "g") })
	defer failMembers(t, s)()
	runs := 0
	add := func(tx pricing.Tx) error {
		runs++
		return tx.AddMember("cg", "cus_1")
	}
	err := s.Update(t.Context(), add)
	if !errors.Is(err, postgres.ErrContention) || runs != 4 || s.Stats().Retries != 3 {
		t.Fatalf("an Update that always fails, MaxRetries 3: %v after %d runs, %d retries; want ErrContention after 4 runs", err, runs, s.Stats().Retries)
	}
	t.Logf("the error: %v", err)

	s = newStore(t, &postgres.Options{Schema: s.Schema(), MaxRetries: 1 << 20})
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	started, runs := time.Now(), 0
	err = s.Update(ctx, add)
	if elapsed := time.Since(started); elapsed > 1500*time.Millisecond {
		t.Errorf("an Update with a 300 ms deadline and endless retries took %v", elapsed)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("an Update whose deadline passed while it retried: %v, want one wrapping context.DeadlineExceeded", err)
	}
	t.Logf("after %d runs: %v", runs, err)
}

// From its fourth attempt on, an Update runs alone: it waits for the Updates in
// progress (here one that holds its transaction open), and then succeeds.
func TestRetryRunsAlone(t *testing.T) {
	s := newStore(t, &postgres.Options{MaxRetries: 10})
	write(t, s, func(tx pricing.Tx) error { return tx.PutCustomerGroup(pricing.CustomerGroup{ID: "cg", Name: "G"}, "g") })
	undo := failMembers(t, s)
	ctx := t.Context()
	holding, release := make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	releaseA := func() { releaseOnce.Do(func() { close(release) }) }
	defer releaseA() // whatever happens, the Update in progress ends
	go func() {
		_ = s.Update(ctx, func(tx pricing.Tx) error {
			if _, err := tx.CustomerGroup("cg"); err != nil { // begins, takes the lock shared
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	var runs atomic.Int32
	bDone := make(chan error, 1)
	go func() {
		bDone <- s.Update(ctx, func(tx pricing.Tx) error {
			if runs.Add(1) == 4 {
				undo() // the fourth attempt will succeed, once it runs
			}
			if err := tx.AddMember("cg", "cus_1"); err != nil {
				return err
			}
			_, err := tx.CountMembers("cg") // sends the write: the trigger fails it, 3 times
			return err
		})
	}()
	for deadline := time.Now().Add(10 * time.Second); runs.Load() < 4 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the fourth run waits for the lock
	if n := runs.Load(); n != 4 {
		t.Fatalf("after 3 failures, the Update ran %d times; want its fourth run waiting for the lock", n)
	}
	select {
	case err := <-bDone:
		t.Fatalf("the Update that runs alone finished while another was in progress: %v", err)
	default:
	}
	releaseA()
	if err := <-bDone; err != nil {
		t.Fatalf("the Update that ran alone: %v", err)
	}
	if runs.Load() != 4 {
		t.Errorf("runs: %d, want 4", runs.Load())
	}
}
