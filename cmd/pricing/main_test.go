package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// binary is the tool, built once by TestMain: the tests run it as a merchant would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pricing-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "pricing")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the tool:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what a run of the tool did.
type result struct {
	stdout, stderr string
	code           int
}

// tool runs the tool with args and stdin, in an environment without PRICING_DB and
// PRICING_POSTGRES.
func tool(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "PRICING_DB=", "PRICING_POSTGRES=")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running pricing %q: %v", args, err)
	}
	return r
}

// ok runs the tool and fails the test unless it exits 0.
func ok(t *testing.T, args ...string) string {
	t.Helper()
	r := tool(t, "", args...)
	if r.code != 0 {
		t.Fatalf("pricing %s: exit code %d\nstderr:\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// wantCode runs the tool and fails the test unless it exits with code.
func wantCode(t *testing.T, code int, stdin string, args ...string) result {
	t.Helper()
	r := tool(t, stdin, args...)
	if r.code != code {
		t.Fatalf("pricing %s: exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	return r
}

// catalogDB returns a new bbolt file loaded with testdata/catalog.json.
func catalogDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "pricing.db")
	out := ok(t, "--db", db, "import", "testdata/catalog.json")
	if want := "imported 2 customer groups, 3 memberships, 3 price lists and 8 prices\n"; out != want {
		t.Fatalf("import: %q, want %q", out, want)
	}
	return db
}

func same(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n%s\nwant:\n%s", what, got, want)
	}
}

func TestUsage(t *testing.T) {
	db := catalogDB(t)
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{nil, exitUsage, "Commands:"},
		{[]string{"help"}, exitOK, ""},
		{[]string{"nope"}, exitUsage, `unknown command "nope"`},
		{[]string{"groups", "nope"}, exitUsage, `unknown command "groups nope"`},
		{[]string{"--db", db, "groups", "list", "--nope"}, exitUsage, "flag provided but not defined: -nope"},
		{[]string{"--db", db, "groups", "show"}, exitUsage, "Usage: pricing groups show ID"},
		{[]string{"--db", db, "groups", "show", "a", "b"}, exitUsage, `unexpected argument "b"`},
		{[]string{"--db", db, "resolve", "shirt"}, exitUsage, "--currency is required"},
		{[]string{"--db", db, "resolve", "--currency", "usd", "--at", "July", "shirt"}, exitUsage, "RFC 3339"},
		{[]string{"groups", "list"}, exitUsage, "no store: give --db FILE"},
		{[]string{"--db", db, "csv", "import", "x.csv"}, exitUsage, "--list ID is required"},
		{[]string{"--db", db, "compact"}, exitUsage, "--out NEW.db is required"},
		{[]string{"--db", db, "lists", "show", "-h"}, exitOK, "Usage: pricing lists show ID"},
	} {
		r := tool(t, "", tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) {
			t.Errorf("pricing %q: exit code %d, stderr:\n%s\nwant exit code %d and %q", tc.args, r.code, r.stderr, tc.code, tc.stderr)
		}
	}
	if out := ok(t, "help"); !strings.Contains(out, "csv import") || !strings.Contains(out, "6 check found problems") {
		t.Errorf("help:\n%s", out)
	}
}

func TestListAndShow(t *testing.T) {
	db := catalogDB(t)
	same(t, "groups list", ok(t, "--db", db, "groups", "list"), `ID         NAME       CUSTOMERS  CREATED
vip        VIP        1          2026-01-02T00:00:00Z
wholesale  Wholesale  2          2026-01-01T00:00:00Z
`)
	// Flags after the arguments, and the database given after the command.
	same(t, "groups show", ok(t, "groups", "show", "wholesale", "--db", db), `ID:        wholesale
Name:      Wholesale
Created:   2026-01-01T00:00:00Z
Updated:   2026-01-01T00:00:00Z
Metadata:  -
Customers: 2
  cus_acme, cus_bolt
Price lists:
  ID            NAME              TYPE      STATUS  WINDOW
  pl_wholesale  Wholesale prices  override  active  always
`)
	same(t, "lists list", ok(t, "--db", db, "lists", "list"), `ID            NAME              TYPE      STATUS  WINDOW                                        AUDIENCE   PRICES
pl_vip        VIP draft         sale      draft   always                                        VIP        1
pl_summer     Summer sale       sale      active  2026-06-01T00:00:00Z to 2026-09-01T00:00:00Z  everyone   1
pl_wholesale  Wholesale prices  override  active  always                                        Wholesale  2
`)
	same(t, "lists list --status active --active-at", ok(t, "--db", db, "lists", "list", "--status", "active", "--active-at", "2026-01-10T00:00:00Z"),
		`ID            NAME              TYPE      STATUS  WINDOW  AUDIENCE   PRICES
pl_wholesale  Wholesale prices  override  active  always  Wholesale  2
`)
	same(t, "lists show", ok(t, "--db", db, "lists", "show", "pl_summer"), `ID:          pl_summer
Name:        Summer sale
Description: -
Type:        sale
Status:      active
Window:      2026-06-01T00:00:00Z to 2026-09-01T00:00:00Z
Audience:    everyone
Tax:         excl.
Prices:      1
Metadata:    -
Created:     2026-01-03T00:00:00Z
Updated:     2026-01-03T00:00:00Z
`)
	same(t, "prices list --list", ok(t, "--db", db, "prices", "list", "--list", "pl_wholesale"), `ID          LIST          VARIANT  REGION  QUANTITY  AMOUNT     TAX
w_shirt     pl_wholesale  shirt    (any)   any       14.00 USD  excl.
w_shirt_50  pl_wholesale  shirt    (any)   50+       11.00 USD  excl.
`)
	same(t, "prices list --base --variant --limit", ok(t, "--db", db, "prices", "list", "--base", "--variant", "shirt,hat", "--limit", "2"), `ID          LIST    VARIANT  REGION  QUANTITY  AMOUNT     TAX
b_hat_jpy   (base)  hat      (any)   any       3000 JPY   excl.
b_shirt_de  (base)  shirt    reg_de  any       18.50 EUR  excl.
(2 of 4 prices)
`)
	for _, args := range [][]string{{"groups", "show", "nope"}, {"lists", "show", "nope"}, {"prices", "list", "--list", "nope"}} {
		r := wantCode(t, exitNotFound, "", append([]string{"--db", db}, args...)...)
		if !strings.Contains(r.stderr, `"nope" not found`) {
			t.Errorf("pricing %q: stderr %q", args, r.stderr)
		}
	}
	r := wantCode(t, exitInvalid, "", "--db", db, "lists", "list", "--status", "archived")
	if !strings.Contains(r.stderr, `unknown status "archived"`) {
		t.Errorf("bad status: stderr %q", r.stderr)
	}
}

func TestJSON(t *testing.T) {
	db := catalogDB(t)
	var groups struct {
		CustomerGroups []struct{ ID, Name string } `json:"customer_groups"`
		Count          int                         `json:"count"`
	}
	decode(t, ok(t, "--db", db, "--json", "groups", "list"), &groups)
	if groups.Count != 2 || len(groups.CustomerGroups) != 2 || groups.CustomerGroups[1].Name != "Wholesale" {
		t.Errorf("groups list --json: %+v", groups)
	}
	var list struct {
		PriceList struct {
			ID       string  `json:"id"`
			StartsAt *string `json:"starts_at"`
		} `json:"price_list"`
		PriceCount int `json:"price_count"`
	}
	decode(t, ok(t, "--db", db, "lists", "show", "pl_wholesale", "--json"), &list)
	if list.PriceList.ID != "pl_wholesale" || list.PriceList.StartsAt != nil || list.PriceCount != 2 {
		t.Errorf("lists show --json: %+v", list)
	}
	var prices struct {
		Prices []struct {
			ID     string `json:"id"`
			Amount int64  `json:"amount"`
		} `json:"prices"`
	}
	decode(t, ok(t, "--db", db, "prices", "list", "--variant", "hat", "--json"), &prices)
	if len(prices.Prices) != 1 || prices.Prices[0].Amount != 3000 {
		t.Errorf("prices list --json: %+v", prices)
	}
	// A failure with --json: the error on standard output, typed.
	r := wantCode(t, exitNotFound, "", "--db", db, "--json", "lists", "show", "nope")
	var failure struct {
		Error struct{ Type, Message string } `json:"error"`
	}
	decode(t, r.stdout, &failure)
	if failure.Error.Type != "not_found" || !strings.Contains(failure.Error.Message, "nope") {
		t.Errorf("error JSON: %+v", failure)
	}
}

func decode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
}

func TestResolve(t *testing.T) {
	db := catalogDB(t)
	same(t, "resolve", ok(t, "--db", db, "resolve", "--currency", "usd", "--customer", "cus_acme", "--at", "2026-07-01T00:00:00Z", "shirt", "shirt:60"),
		`VARIANT  QTY  PRICE      TYPE      FROM              ORIGINAL
shirt    1    14.00 USD  override  Wholesale prices  -
shirt    60   11.00 USD  override  Wholesale prices  -
`)
	same(t, "resolve --explain", ok(t, "--db", db, "resolve", "--currency", "USD", "--at", "2026-07-01T00:00:00Z", "--explain", "shirt"),
		`shirt × 1: pays 18.00 USD (sale, Summer sale), instead of 20.00 USD (base price)
  FROM              TYPE      REGION  QUANTITY  AMOUNT     OUTCOME                       PRICE ID
  Summer sale       sale      (any)   any       18.00 USD  PAID: calculated              s_shirt
  (base price)      default   (any)   any       20.00 USD  original                      b_shirt_usd
  VIP draft         sale      (any)   any       15.00 USD  draft list                    v_shirt
  Wholesale prices  override  (any)   any       14.00 USD  customer not in the audience  w_shirt
  Wholesale prices  override  (any)   50+       11.00 USD  quantity                      w_shirt_50
  (and 2 prices in other currencies)
`)
	same(t, "resolve a region price", ok(t, "--db", db, "resolve", "--currency", "eur", "--region", "reg_de", "shirt"),
		`VARIANT  QTY  PRICE      TYPE     FROM          ORIGINAL
shirt    1    18.50 EUR  default  (base price)  -
`)
	// An item without a price: printed, and exit code 3.
	r := wantCode(t, exitNotFound, "", "--db", db, "resolve", "--currency", "usd", "shirt", "hat")
	if !strings.Contains(r.stdout, "hat      1    no price") || !strings.Contains(r.stderr, "1 item without a price") {
		t.Errorf("resolve with an unpriced item:\n%s\n%s", r.stdout, r.stderr)
	}
	var res struct {
		Resolutions []struct {
			VariantID        string `json:"variant_id"`
			Found            bool   `json:"found"`
			CalculatedAmount int64  `json:"calculated_amount"`
			Explanation      []struct {
				Outcome string `json:"outcome"`
			} `json:"explanation"`
		} `json:"resolutions"`
	}
	r = wantCode(t, exitNotFound, "", "--db", db, "--json", "resolve", "--currency", "usd", "--group", "wholesale", "--explain", "shirt:60", "hat")
	decode(t, r.stdout, &res)
	if len(res.Resolutions) != 2 || res.Resolutions[0].CalculatedAmount != 1100 || res.Resolutions[1].Found || len(res.Resolutions[0].Explanation) != 7 {
		t.Errorf("resolve --json: %+v", res)
	}
	if strings.Count(r.stdout, `"error"`) != 0 {
		t.Errorf("resolve --json wrote an error object besides the resolutions:\n%s", r.stdout)
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	db := catalogDB(t)
	snap := ok(t, "--db", db, "export")
	dir := t.TempDir()
	path := filepath.Join(dir, "snap.json")
	if err := os.WriteFile(path, []byte(snap), 0o600); err != nil {
		t.Fatal(err)
	}
	copyDB := filepath.Join(dir, "copy.db")
	// With --progress the bar goes to standard error; standard output is the result.
	r := wantCode(t, exitOK, "", "--db", copyDB, "import", path, "--chunk", "3", "--progress")
	if r.stdout != "imported 2 customer groups, 3 memberships, 3 price lists and 8 prices\n" || !strings.Contains(r.stderr, "100%") {
		t.Errorf("import --progress: stdout %q, stderr %q", r.stdout, r.stderr)
	}
	r = wantCode(t, exitOK, "", "--db", copyDB, "export", "--progress")
	same(t, "the copy's export", r.stdout, snap)
	if !strings.Contains(r.stderr, "exporting [") || !strings.Contains(r.stderr, "100% 21 records/21 records") {
		t.Errorf("export --progress: stderr %q", r.stderr)
	}
	// Standard input, and a filtered export to a file.
	stdinDB := filepath.Join(dir, "stdin.db")
	if r := tool(t, snap, "--db", stdinDB, "import", "-"); r.code != 0 {
		t.Fatalf("import -: %d %s", r.code, r.stderr)
	}
	out := filepath.Join(dir, "wholesale.json")
	same(t, "export --list --out", ok(t, "--db", stdinDB, "export", "--list", "pl_wholesale", "--out", out), "exported 6 records to "+out+"\n")
	part, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(part), `"id":"w_shirt_50"`) || strings.Contains(string(part), "b_shirt_usd") || strings.Contains(string(part), `"vip"`) {
		t.Errorf("export --list pl_wholesale:\n%s", part)
	}
}

func TestImportRefused(t *testing.T) {
	db := catalogDB(t)
	before := ok(t, "--db", db, "export")
	// The same snapshot again: every ID is taken.
	r := wantCode(t, exitConflict, "", "--db", db, "import", "testdata/catalog.json")
	if !strings.Contains(r.stderr, "is taken") || !strings.Contains(r.stderr, "nothing was written") {
		t.Errorf("stderr %q", r.stderr)
	}
	bad := `{"format":"pricing-snapshot","version":1,"customer_groups":[{"id":"new","name":"New"},{"id":"bad","name":""}]}`
	r = wantCode(t, exitInvalid, bad, "--db", db, "--json", "import", "-")
	var failure struct {
		Error struct {
			Type   string                   `json:"type"`
			Fields []struct{ Field string } `json:"fields"`
		} `json:"error"`
	}
	decode(t, r.stdout, &failure)
	if failure.Error.Type != "invalid_data" || len(failure.Error.Fields) != 1 || failure.Error.Fields[0].Field != "customer_groups[1].name" {
		t.Errorf("error JSON: %+v", failure)
	}
	same(t, "the store after refused imports", ok(t, "--db", db, "export"), before)
}

// writeFile writes a file in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCSV(t *testing.T) {
	db := catalogDB(t)
	dir := t.TempDir()
	skus := writeFile(t, dir, "skus.csv", "SKU,Product Variant ID\nSHIRT-S,shirt\nHAT,hat\n")
	regions := writeFile(t, dir, "regions.csv", "Region Name,Region ID\nGermany,reg_de\n")
	file := writeFile(t, dir, "prices.csv", "\uFEFFProduct Variant ID,SKU,Price USD,Price Germany [EUR],Price JPY,Min Quantity\r\n"+
		"shirt,,13.50,17.00,,\r\n,HAT,,,2500,\r\n,SHIRT-S,10,,,100\r\n")
	out := ok(t, "--db", db, "csv", "import", "--list", "pl_wholesale", "--sku-map", skus, "--regions", regions, file)
	same(t, "csv import", out, "price list pl_wholesale (Wholesale prices) now has the 4 prices of "+file+"\n")
	same(t, "csv export", ok(t, "--db", db, "csv", "export", "--list", "pl_wholesale", "--sku-map", skus, "--regions", regions),
		`Product Variant ID,SKU,Price JPY,Price USD,Price Germany [EUR],Min Quantity,Max Quantity
hat,HAT,2500,,,,
shirt,SHIRT-S,,13.50,17.00,,
shirt,SHIRT-S,,10.00,,100,
`)
	same(t, "resolve after the import", ok(t, "--db", db, "resolve", "--currency", "usd", "--customer", "cus_acme", "shirt:100"),
		`VARIANT  QTY  PRICE      TYPE      FROM              ORIGINAL
shirt    100  10.00 USD  override  Wholesale prices  -
`)
	before := ok(t, "--db", db, "export")
	// A file with bad rows: every one reported by line and column, nothing written.
	bad := writeFile(t, dir, "bad.csv", "Product Variant ID,SKU,Price USD\nshirt,,12\nhat,,12.345\n,NOPE,3\nshirt,,4\n")
	r := wantCode(t, exitInvalid, "", "--db", db, "csv", "import", "--list", "pl_wholesale", "--sku-map", skus, bad)
	for _, want := range []string{
		"3 problem(s) in the file, nothing written",
		`line 3, column C (Price USD): amount "12.345" in usd: more than 2 decimals`,
		`line 4, column B (SKU): no variant has SKU "NOPE"`,
		"line 5, column C (Price USD): line 2 already prices this variant",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
		}
	}
	r = wantCode(t, exitInvalid, "", "--db", db, "--json", "csv", "import", "--list", "pl_wholesale", "--sku-map", skus, bad)
	var failure struct {
		Error struct {
			Type     string `json:"type"`
			Problems []struct {
				Line   int    `json:"line"`
				Column int    `json:"column"`
				Header string `json:"header"`
			} `json:"problems"`
		} `json:"error"`
	}
	decode(t, r.stdout, &failure)
	if p := failure.Error.Problems; failure.Error.Type != "invalid_data" || len(p) != 3 || p[0].Line != 3 || p[0].Column != 3 || p[0].Header != "Price USD" {
		t.Errorf("error JSON: %+v", failure)
	}
	// The Service's refusal, at its line; and a list that does not exist.
	unknown := writeFile(t, dir, "unknown.csv", "Product Variant ID,Price XYZ\nshirt,1\n")
	r = wantCode(t, exitInvalid, "", "--db", db, "csv", "import", "--list", "pl_wholesale", unknown)
	if !strings.Contains(r.stderr, "line 1, column B (Price XYZ): unknown currency") {
		t.Errorf("unknown currency: stderr %q", r.stderr)
	}
	wantCode(t, exitNotFound, "", "--db", db, "csv", "import", "--list", "nope", file)
	same(t, "the store after refused imports", ok(t, "--db", db, "export"), before)
	// Region prices need region names: an export without --regions fails.
	r = wantCode(t, exitFailed, "", "--db", db, "csv", "export", "--list", "pl_wholesale")
	if !strings.Contains(r.stderr, `no name for region "reg_de"`) {
		t.Errorf("csv export without --regions: stderr %q", r.stderr)
	}
}

// flipByteAt damages a file: it inverts the byte at off.
func flipByteAt(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// indexIn returns the offset of the last s in the file.
func indexIn(t *testing.T, path, s string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.LastIndex(b, []byte(s))
	if i < 0 {
		t.Fatalf("%q not in %s", s, path)
	}
	return int64(i)
}

func TestCheck(t *testing.T) {
	db := catalogDB(t)
	same(t, "check", ok(t, "--db", db, "check"), "ok: "+db+" is sound: 2 customer groups, 3 price lists, 8 prices\n")
	var report struct {
		OK       bool     `json:"ok"`
		Problems []string `json:"problems"`
	}
	decode(t, ok(t, "--db", db, "check", "--json"), &report)
	if !report.OK {
		t.Errorf("check --json: %+v", report)
	}

	// A record whose bytes changed: its index entries no longer match it.
	const pageSize = 4096
	damaged := filepath.Join(t.TempDir(), "damaged.db")
	copyFile(t, db, damaged)
	flipByteAt(t, damaged, indexIn(t, damaged, "b_hat_jpy"))
	r := wantCode(t, exitCorrupt, "", "--db", damaged, "check")
	if !strings.Contains(r.stderr, "corrupt data") {
		t.Errorf("check of a damaged record: stderr %q", r.stderr)
	}
	r = wantCode(t, exitCorrupt, "", "--db", damaged, "check", "--json")
	decode(t, r.stdout, &report)
	if report.OK || len(report.Problems) == 0 {
		t.Errorf("check --json of a damaged file: %+v", report)
	}

	// A page whose header changed: bbolt panics reading it, in a goroutine of its own;
	// the check still reports damage, not a crash.
	broken := filepath.Join(t.TempDir(), "broken.db")
	copyFile(t, db, broken)
	page := indexIn(t, broken, "b_hat_jpy") / pageSize * pageSize
	flipByteAt(t, broken, page) // the page's ID
	r = wantCode(t, exitCorrupt, "", "--db", broken, "check")
	if !strings.Contains(r.stderr, "the file is damaged") || strings.Contains(r.stderr, "goroutine") {
		t.Errorf("check of a broken page: stderr %q", r.stderr)
	}

	// Not a bbolt file at all.
	garbage := writeFile(t, t.TempDir(), "garbage.db", strings.Repeat("not a database ", 1000))
	r = wantCode(t, exitCorrupt, "", "--db", garbage, "check")
	if !strings.Contains(r.stderr, "damaged") {
		t.Errorf("check of garbage: stderr %q", r.stderr)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCompact(t *testing.T) {
	db := catalogDB(t)
	out := filepath.Join(t.TempDir(), "compact.db")
	r := wantCode(t, exitOK, "", "--db", db, "compact", "--out", out, "--progress")
	if !strings.HasPrefix(r.stdout, "compacted "+db) || !strings.Contains(r.stderr, "compacting into") {
		t.Errorf("compact: stdout %q, stderr %q", r.stdout, r.stderr)
	}
	same(t, "the compact file's export", ok(t, "--db", out, "export"), ok(t, "--db", db, "export"))
	ok(t, "--db", out, "check")
	r = wantCode(t, exitFailed, "", "--db", db, "compact", "--out", out)
	if !strings.Contains(r.stderr, "exists") {
		t.Errorf("compact onto an existing file: stderr %q", r.stderr)
	}
}

// TestReadOnly checks that commands that only read never create nor change the file.
func TestReadOnly(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.db")
	wantCode(t, exitFailed, "", "--db", missing, "groups", "list")
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("groups list created %s", missing)
	}
	db := catalogDB(t)
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"groups", "list"}, {"groups", "show", "vip"}, {"lists", "list"}, {"lists", "show", "pl_vip"},
		{"prices", "list"}, {"resolve", "--currency", "usd", "shirt"}, {"check"}, {"export"},
		{"csv", "export", "--list", "pl_summer"},
	} {
		ok(t, append([]string{"--db", db}, args...)...)
	}
	after, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("reading commands changed the file")
	}
}

// TestREADME loads the CSV file that the README shows, as the README says, and checks
// that the problem the README quotes is the one the tool writes.
func TestREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, found := strings.Cut(string(readme), "```csv\n")
	block, _, closed := strings.Cut(rest, "```")
	if !found || !closed {
		t.Fatal("the README shows no CSV file")
	}
	db := catalogDB(t)
	dir := t.TempDir()
	skus := writeFile(t, dir, "skus.csv", "SKU,Product Variant ID\nTSHIRT-M,tshirt_m\n")
	regions := writeFile(t, dir, "regions.csv", "Region Name,Region ID\nEurope,reg_eu\n")
	file := writeFile(t, dir, "prices.csv", block)
	ok(t, "--db", db, "csv", "import", "--list", "pl_wholesale", "--sku-map", skus, "--regions", regions, file)
	same(t, "the README's file, exported again", ok(t, "--db", db, "csv", "export", "--list", "pl_wholesale", "--sku-map", skus, "--regions", regions),
		`Product Variant ID,SKU,Price USD,Price Europe [EUR],Min Quantity,Max Quantity
tshirt,,14.00,13.00,,
tshirt,,11.00,,50,
tshirt_m,TSHIRT-M,14.00,,,
`)
	bad := writeFile(t, dir, "bad.csv", "Product Variant ID,SKU,Price USD\ntshirt,,14\ntshirt,,12.345\n")
	r := wantCode(t, exitInvalid, "", "--db", db, "csv", "import", "--list", "pl_wholesale", bad)
	const quoted = `line 3, column C (Price USD): amount "12.345" in usd: more than 2 decimals`
	if !strings.Contains(r.stderr, quoted) || !strings.Contains(strings.Join(strings.Fields(string(readme)), " "), quoted) {
		t.Errorf("the README quotes %q; the tool writes:\n%s", quoted, r.stderr)
	}
}
