package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/postgres"
)

// The race between instances: two Services, each on a pool of its own (as two
// replicas of a host are), or in two processes, write the same group names, price
// keys and memberships at once, and delete groups while the other side adds members to
// them or names them in a new list. For each contested record exactly one side wins
// and the other gets the documented error; nothing is duplicated, lost or left
// dangling (Check), whatever the interleaving.

// raceSize is the number of contested records of each kind.
const raceSize = 24

// raceResult is what one side of the race saw: for each contested record, "ok" or
// the sentinel its error matched.
type raceResult struct {
	Names   []string // CreateCustomerGroup of the name "Contested i"
	Keys    []string // AddPrices of a price with the side's own ID under the key i
	Upserts []string // AddPrices without an ID under the key i (both succeed: an upsert)
	Deletes []string // side 0: DeleteCustomerGroup of the doomed group i; side 1: AddCustomers to it
	Lists   []string // side 0: DeleteCustomerGroup of the audience i; side 1: CreatePriceList naming it
	Members int      // memberships added to the shared group
}

// outcome names the outcome of a Service call.
func outcome(err error) string {
	for _, e := range []error{pricing.ErrAlreadyExists, pricing.ErrConflict, pricing.ErrNotFound} {
		if errors.Is(err, e) {
			return strings.TrimPrefix(e.Error(), "pricing: ")
		}
	}
	if err != nil {
		return "error: " + err.Error()
	}
	return "ok"
}

// raceSetup makes what the race contests: the list of the keys, the shared group, and
// the groups that side 0 deletes.
func raceSetup(t *testing.T, svc *pricing.Service) {
	t.Helper()
	ctx := t.Context()
	ok := okFunc(t)
	ok(svc.CreatePriceList(ctx, pricing.NewPriceList{ID: "pl_race", Name: "Race", Status: pricing.Active}))
	ok(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: "cg_shared", Name: "Shared"}))
	for i := range raceSize {
		ok(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: fmt.Sprintf("cg_doomed_%02d", i), Name: fmt.Sprintf("Doomed %d", i)}))
		ok(svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{ID: fmt.Sprintf("cg_audience_%02d", i), Name: fmt.Sprintf("Audience %d", i)}))
	}
}

// raceSlot is the time each side gives the writes of one record: both sides start
// them at the same instant, start + i×raceSlot, so that they meet on every record.
const raceSlot = 40 * time.Millisecond

// raceSide runs one side's writes, record after record, the kinds interleaved, each
// record's writes starting at the same instant as the other side's.
func raceSide(ctx context.Context, svc *pricing.Service, side int, start time.Time) raceResult {
	var r raceResult
	for i := range raceSize {
		time.Sleep(time.Until(start.Add(time.Duration(i) * raceSlot)))
		_, err := svc.CreateCustomerGroup(ctx, pricing.NewCustomerGroup{Name: fmt.Sprintf("Contested %d", i)})
		r.Names = append(r.Names, outcome(err))

		key := pricing.PriceInput{VariantID: fmt.Sprintf("var_%02d", i), CurrencyCode: "usd", Amount: int64(100*side + i)}
		withID := key
		withID.ID, withID.RegionID = fmt.Sprintf("pr_side%d_%02d", side, i), "reg_race"
		_, err = svc.AddPrices(ctx, "pl_race", []pricing.PriceInput{withID}, false)
		r.Keys = append(r.Keys, outcome(err))
		_, err = svc.AddPrices(ctx, "pl_race", []pricing.PriceInput{key}, false)
		r.Upserts = append(r.Upserts, outcome(err))

		doomed, audience := fmt.Sprintf("cg_doomed_%02d", i), fmt.Sprintf("cg_audience_%02d", i)
		if side == 0 {
			r.Deletes = append(r.Deletes, outcome(svc.DeleteCustomerGroup(ctx, doomed)))
			r.Lists = append(r.Lists, outcome(svc.DeleteCustomerGroup(ctx, audience)))
		} else {
			r.Deletes = append(r.Deletes, outcome(svc.AddCustomers(ctx, doomed, []string{"cus_a", "cus_b"})))
			_, err := svc.CreatePriceList(ctx, pricing.NewPriceList{ID: fmt.Sprintf("pl_aud_%02d", i), Name: "Audience",
				CustomerGroupIDs: []string{audience}, Prices: []pricing.PriceInput{{VariantID: "var_x", CurrencyCode: "usd", Amount: 1}}})
			r.Lists = append(r.Lists, outcome(err))
		}

		var ids []string
		for c := range 50 {
			ids = append(ids, fmt.Sprintf("cus_%d_%03d", (i+c)%3, c*raceSize+i)) // overlapping between sides
		}
		if err := svc.AddCustomers(ctx, "cg_shared", ids); err == nil {
			r.Members++
		}
	}
	return r
}

// raceCheck checks the outcomes of both sides against the store.
func raceCheck(t *testing.T, s *postgres.Store, svc *pricing.Service, r [2]raceResult) {
	t.Helper()
	ctx := t.Context()
	if err := s.Check(ctx); err != nil {
		t.Errorf("Check after the race: %v", err)
	}
	for i := range raceSize {
		// Names: one creates, the other is told the name is taken.
		if got := []string{r[0].Names[i], r[1].Names[i]}; !slices.Equal(sorted(got), []string{"already exists", "ok"}) {
			t.Errorf("name %d: the sides got %q, want one ok and one already exists", i, got)
		}
		groups, n, err := svc.ListCustomerGroups(ctx, pricing.CustomerGroupFilter{Names: []string{fmt.Sprintf("Contested %d", i)}})
		if err != nil || n != 1 {
			t.Errorf("name %d: %d groups (%v), want 1", i, n, err)
		} else if len(groups) != 1 {
			t.Errorf("name %d: %v", i, groups)
		}

		// Keys with an ID each: one price holds the key; the other side is told the key
		// is taken (ErrAlreadyExists), and its price does not exist.
		if got := []string{r[0].Keys[i], r[1].Keys[i]}; !slices.Equal(sorted(got), []string{"already exists", "ok"}) {
			t.Errorf("key %d: the sides got %q, want one ok and one already exists", i, got)
		}
		prices, n, err := svc.ListPrices(ctx, pricing.PriceFilter{PriceListID: "pl_race", VariantIDs: []string{fmt.Sprintf("var_%02d", i)}})
		if err != nil || n != 2 {
			t.Errorf("variant %d: %d prices (%v), want 2 (the contested key with an ID, and the upserted one)", i, n, err)
			continue
		}
		for _, p := range prices {
			if p.RegionID == "reg_race" {
				winner := 0
				if r[1].Keys[i] == "ok" {
					winner = 1
				}
				if want := fmt.Sprintf("pr_side%d_%02d", winner, i); p.ID != want {
					t.Errorf("key %d is held by %s, but side %d was told it won", i, p.ID, winner)
				}
			} else if r[0].Upserts[i] != "ok" || r[1].Upserts[i] != "ok" {
				t.Errorf("upsert %d: the sides got %q and %q, want ok twice", i, r[0].Upserts[i], r[1].Upserts[i])
			} else if p.Amount != int64(i) && p.Amount != int64(100+i) {
				t.Errorf("upsert %d: amount %d, neither side's", i, p.Amount)
			}
		}

		// A group deleted while the other side adds members to it: either the add
		// came first (and the delete took its members along) or it found no group.
		doomed := fmt.Sprintf("cg_doomed_%02d", i)
		if r[0].Deletes[i] != "ok" || (r[1].Deletes[i] != "ok" && r[1].Deletes[i] != "not found") {
			t.Errorf("doomed %d: delete %q, add %q; want ok, and ok or not found", i, r[0].Deletes[i], r[1].Deletes[i])
		}
		if _, err := svc.CustomerGroup(ctx, doomed); !errors.Is(err, pricing.ErrNotFound) {
			t.Errorf("doomed %d: still there after its delete succeeded: %v", i, err)
		}
		// A group deleted while the other side makes it the audience of a new list: the
		// delete is refused (the list came first) or the list is (the group was gone).
		audience := fmt.Sprintf("cg_audience_%02d", i)
		got := [2]string{r[0].Lists[i], r[1].Lists[i]}
		_, gErr := svc.CustomerGroup(ctx, audience)
		_, lErr := svc.PriceList(ctx, fmt.Sprintf("pl_aud_%02d", i))
		switch got {
		case [2]string{"conflict", "ok"}:
			if gErr != nil || lErr != nil {
				t.Errorf("audience %d: list first, but group %v, list %v", i, gErr, lErr)
			}
		case [2]string{"ok", "not found"}:
			if !errors.Is(gErr, pricing.ErrNotFound) || !errors.Is(lErr, pricing.ErrNotFound) {
				t.Errorf("audience %d: delete first, but group %v, list %v", i, gErr, lErr)
			}
		default:
			t.Errorf("audience %d: delete %q, create list %q; want conflict and ok, or ok and not found", i, got[0], got[1])
		}
	}
	// Memberships: every add succeeded, and each customer is there once.
	if r[0].Members != raceSize || r[1].Members != raceSize {
		t.Errorf("AddCustomers to the shared group: %d and %d of %d succeeded", r[0].Members, r[1].Members, raceSize)
	}
	ids, total, err := svc.GroupCustomers(ctx, "cg_shared", 0, 0)
	if err != nil || total != 50*raceSize || len(ids) != total {
		t.Errorf("members of the shared group: %d listed, %d counted (%v); want %d", len(ids), total, err, 50*raceSize)
	}
	t.Logf("outcomes: names %v | %v; keys %v | %v; deletes %v | %v; lists %v | %v; retries %d",
		r[0].Names, r[1].Names, r[0].Keys, r[1].Keys, r[0].Deletes, r[1].Deletes, r[0].Lists, r[1].Lists, s.Stats().Retries)
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// Two Services, each on a pool of its own, race on the same records.
func TestRaceTwoPools(t *testing.T) {
	schema := newSchema(t)
	ctx := t.Context()
	var stores [2]*postgres.Store
	for i := range stores {
		s, err := postgres.Open(ctx, serverURL(t), &postgres.Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	raceSetup(t, pricing.New(stores[0]))
	var r [2]raceResult
	var wg sync.WaitGroup
	start := time.Now().Add(50 * time.Millisecond)
	for side := range 2 {
		wg.Go(func() { r[side] = raceSide(ctx, pricing.New(stores[side]), side, start) })
	}
	wg.Wait()
	raceCheck(t, stores[0], pricing.New(stores[0]), r)
	t.Logf("retries: %d and %d", stores[0].Stats().Retries, stores[1].Stats().Retries)
}

// The environment of the child process of TestRaceTwoProcesses.
const (
	raceSchemaEnv = "PRICING_POSTGRES_RACE_SCHEMA"
	raceStartEnv  = "PRICING_POSTGRES_RACE_START"
)

// Two processes (this test binary, and a child running TestRaceChild) race on the same
// records, starting at the same instant.
func TestRaceTwoProcesses(t *testing.T) {
	schema := newSchema(t)
	ctx := t.Context()
	s, err := postgres.Open(ctx, serverURL(t), &postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	svc := pricing.New(s)
	raceSetup(t, svc)

	start := time.Now().Add(time.Second)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestRaceChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), raceSchemaEnv+"="+schema, raceStartEnv+"="+strconv.FormatInt(start.UnixNano(), 10))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var r [2]raceResult
	r[0] = raceSide(ctx, svc, 0, start)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v\n%s", err, out.String())
	}
	_, line, found := strings.Cut(out.String(), "RACE RESULT ")
	line, _, _ = strings.Cut(line, "\n")
	if !found || json.Unmarshal([]byte(line), &r[1]) != nil {
		t.Fatalf("child printed no result:\n%s", out.String())
	}
	raceCheck(t, s, svc, r)
}

// TestRaceChild is side 1 of TestRaceTwoProcesses, in the child process; it skips
// unless run so.
func TestRaceChild(t *testing.T) {
	schema := os.Getenv(raceSchemaEnv)
	if schema == "" {
		t.Skip("the child of TestRaceTwoProcesses")
	}
	startNs, _ := strconv.ParseInt(os.Getenv(raceStartEnv), 10, 64)
	s, err := postgres.Open(t.Context(), serverURL(t), &postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := raceSide(t.Context(), pricing.New(s), 1, time.Unix(0, startNs))
	b, _ := json.Marshal(r)
	fmt.Printf("RACE RESULT %s\n", b)
}
