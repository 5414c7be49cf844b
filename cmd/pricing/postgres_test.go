package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The tool on a postgres store, end to end, against the server of PRICING_POSTGRES_URL
// (scripts/pgtest.sh starts a throwaway one): without it the tests skip, or fail when
// PRICING_POSTGRES_REQUIRED is 1, as the postgres module's tests do.

// pgURL returns the server's connection string, or skips t (fails it when a server is
// required).
func pgURL(t *testing.T) string {
	t.Helper()
	url := os.Getenv("PRICING_POSTGRES_URL")
	if url == "" {
		msg := "PRICING_POSTGRES_URL is not set: no PostgreSQL server to test the tool against (scripts/pgtest.sh starts one)"
		if os.Getenv("PRICING_POSTGRES_REQUIRED") == "1" {
			t.Fatal("PRICING_POSTGRES_REQUIRED=1: " + msg)
		}
		t.Skip(msg)
	}
	return url
}

// pgSchema returns the name of a schema of its own for t, dropped when t ends.
func pgSchema(t *testing.T, url string) string {
	t.Helper()
	name := fmt.Sprintf("pricing_cli_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	t.Cleanup(func() { pgExec(t, url, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE") })
	return name
}

// pgExec runs SQL on the server.
func pgExec(t *testing.T, url, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// The commands give on a postgres store what they give on a bbolt file with the same
// data; check runs the store's Check; compact is refused.
func TestPostgres(t *testing.T) {
	url := pgURL(t)
	schema := pgSchema(t, url)
	pg := []string{"--postgres", url, "--schema", schema}
	args := func(a ...string) []string { return append(append([]string(nil), pg...), a...) }

	// A command that only reads finds no store, and makes none.
	r := wantCode(t, exitFailed, "", args("groups", "list")...)
	if !strings.Contains(r.stderr, "no store there") {
		t.Errorf("groups list on a missing schema: %q", r.stderr)
	}
	out := ok(t, args("import", "testdata/catalog.json")...)
	same(t, "import", out, "imported 2 customer groups, 3 memberships, 3 price lists and 8 prices\n")
	db := catalogDB(t)
	for _, cmd := range [][]string{
		{"groups", "list"},
		{"groups", "show", "wholesale"},
		{"lists", "list"},
		{"lists", "show", "pl_summer"},
		{"prices", "list", "--list", "pl_wholesale"},
		{"prices", "list", "--base", "--variant", "shirt,hat"},
		{"resolve", "--currency", "usd", "--customer", "cus_acme", "--at", "2026-07-01T00:00:00Z", "shirt", "shirt:60"},
		{"resolve", "--currency", "USD", "--at", "2026-07-01T00:00:00Z", "--explain", "shirt"},
		{"csv", "export", "--list", "pl_wholesale"},
	} {
		same(t, strings.Join(cmd, " ")+" on postgres", ok(t, args(cmd...)...), ok(t, append([]string{"--db", db}, cmd...)...))
	}

	// The environment variable names the store too; --db overrides it.
	cmd := exec.Command(binary, "--schema", schema, "check")
	cmd.Env = append(os.Environ(), "PRICING_DB=", "PRICING_POSTGRES="+url)
	got, err := cmd.Output()
	if err != nil || !strings.HasPrefix(string(got), "ok: schema "+schema+" of postgres://") || !strings.HasSuffix(string(got), " is sound: 2 customer groups, 3 price lists, 8 prices\n") {
		t.Errorf("check with PRICING_POSTGRES: %q, %v", got, err)
	}
	cmd = exec.Command(binary, "--db", db, "check")
	cmd.Env = append(os.Environ(), "PRICING_DB=", "PRICING_POSTGRES="+url)
	if got, err := cmd.Output(); err != nil || string(got) != "ok: "+db+" is sound: 2 customer groups, 3 price lists, 8 prices\n" {
		t.Errorf("check --db with PRICING_POSTGRES set: %q, %v", got, err)
	}
	r = wantCode(t, exitUsage, "", append([]string{"--db", db}, args("groups", "list")...)...)
	if !strings.Contains(r.stderr, "not both") {
		t.Errorf("--db and --postgres: %q", r.stderr)
	}

	r = wantCode(t, exitUsage, "", args("compact", "--out", "x.db")...)
	if !strings.Contains(r.stderr, "compact works on a bbolt file") {
		t.Errorf("compact on postgres: %q", r.stderr)
	}

	// Data that breaks the invariants: check says so, exit code 6.
	pgExec(t, url, "INSERT INTO "+pgx.Identifier{schema, "customer_group_members"}.Sanitize()+" VALUES ('cg_gone', 'cus_x')")
	r = wantCode(t, exitCorrupt, "", args("check")...)
	if !strings.Contains(r.stderr, `customer "cus_x" is a member of the missing group "cg_gone"`) && !strings.Contains(r.stderr, "cg_gone") {
		t.Errorf("check of a damaged store: %q", r.stderr)
	}
	r = wantCode(t, exitCorrupt, "", args("check", "--json")...)
	var report struct {
		OK       bool     `json:"ok"`
		Problems []string `json:"problems"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil || report.OK || len(report.Problems) != 1 || !strings.Contains(report.Problems[0], "cg_gone") {
		t.Errorf("check --json of a damaged store: %+v, %v\n%s", report, err, r.stdout)
	}
}
