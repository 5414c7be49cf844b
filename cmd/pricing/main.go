package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/commercekit/pricing"
	"github.com/commercekit/pricing/bolt"
	"github.com/commercekit/pricing/medusacsv"
	"github.com/commercekit/pricing/postgres"
)

// The exit codes; doc.go documents them.
const (
	exitOK       = 0
	exitFailed   = 1
	exitUsage    = 2
	exitNotFound = 3
	exitInvalid  = 4
	exitConflict = 5
	exitCorrupt  = 6
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one command of the tool.
type command struct {
	name     string // "groups list"
	synopsis string // what follows the name in its usage line
	summary  string
	run      func(e *env, args []string) error
}

// commands are the tool's commands, in the order of the usage text.
var commands = []command{
	{"groups list", "[--q TEXT] [--customer ID] [--limit N] [--offset N]", "list customer groups", groupsList},
	{"groups show", "ID [--customers N]", "show a customer group, its customers and the lists that name it", groupsShow},
	{"lists list", "[--q TEXT] [--status S] [--type T] [--group ID]... [--active-at TIME|now] [--limit N] [--offset N]", "list price lists", listsList},
	{"lists show", "ID", "show a price list", listsShow},
	{"prices list", "[--list ID | --variant ID... | --base] [--currency C] [--region R] [--limit N] [--offset N]", "list prices", pricesList},
	{"resolve", "--currency C [--region R] [--customer ID] [--group ID]... [--at TIME] [--tax-rate R] [--explain | --visible] VARIANT[:QTY]...", "resolve what a customer pays, and why", resolve},
	{"check", "", "verify the store (exit code 6 when damaged)", check},
	{"compact", "--out NEW.db", "copy the bbolt file into a new, compact file (not on postgres)", compact},
	{"export", "[--list ID]... [--variant ID]... [--out FILE]", "write a snapshot (JSON) of the store", export},
	{"import", "FILE|- [--chunk N]", "load a snapshot into the store", importSnapshot},
	{"csv import", "--list ID FILE|- [--sku-map FILE] [--regions FILE] [--ignore-unknown-columns] [--delimiter D]", "make a Medusa price-list CSV the prices of a list", csvImport},
	{"csv export", "--list ID [--sku-map FILE] [--regions FILE] [--out FILE] [--delimiter D]", "write a list's prices as a Medusa price-list CSV", csvExport},
}

// env is what a command runs with: its streams and the flags every command takes.
type env struct {
	ctx            context.Context
	args           []string // the command line, without the program name
	stdin          io.Reader
	stdout, stderr io.Writer
	store          storeFlags
	json           bool
	progress       bool // draw progress bars even when stderr is not a terminal
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// run runs the tool with args (without the program name) and returns its exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, args: args, stdin: stdin, stdout: stdout, stderr: stderr}
	top := e.flagSet("", "COMMAND [flags] [args]")
	top.Usage = func() { e.usage(stderr) }
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	args = top.Args()
	if len(args) == 0 {
		e.usage(stderr)
		return exitUsage
	}
	if args[0] == "help" {
		e.usage(stdout)
		return exitOK
	}
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && slicesEqual(args[:len(words)], words) {
			return e.finish(e.runCommand(c, args[len(words):]))
		}
	}
	fmt.Fprintf(stderr, "pricing: unknown command %q\n\n", strings.Join(args[:min(len(args), 2)], " "))
	e.usage(stderr)
	return exitUsage
}

// runCommand runs a command. A panic (bbolt panics on some damaged pages) is an
// error, not a crash whose exit code would read as a usage error.
func (e *env) runCommand(c command, args []string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("crashed: %v (a damaged file? run pricing check)", r)
			if os.Getenv(checkChildEnv) != "" {
				err = fmt.Errorf("%w: reading it crashed: %v", errDamaged, r)
			}
		}
	}()
	return c.run(e, args)
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (e *env) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: pricing [--db FILE | --postgres URL] [--json] COMMAND [flags] [args]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nEvery command takes --db FILE (default $PRICING_DB) or --postgres URL (default\n"+
		"$PRICING_POSTGRES, with --schema NAME), --json and --progress.\n"+
		"Run 'pricing COMMAND -h' for its flags. Exit codes: 0 done, 1 failed, 2 usage,\n"+
		"3 not found, 4 invalid input (nothing written), 5 conflict, 6 check found problems.\n")
}

// flagSet returns the flag set of a command, with the flags every command takes.
func (e *env) flagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("pricing "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: pricing %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	e.store.register(fs)
	fs.BoolVar(&e.json, "json", e.json, "write JSON to standard output, for scripts")
	fs.BoolVar(&e.progress, "progress", e.progress, "draw progress bars on standard error even when it is not a terminal")
	return fs
}

// parse parses a command's flags, which may come before, between or after its
// arguments ("--" ends the flags), and returns the arguments. It checks that there are
// between minArgs and maxArgs of them (maxArgs < 0: no limit).
func (e *env) parse(fs *flag.FlagSet, args []string, minArgs, maxArgs int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, &usageError{} // the flag package has printed the error and the usage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	switch {
	case len(pos) < minArgs:
		fs.Usage()
		return nil, &usageError{}
	case maxArgs >= 0 && len(pos) > maxArgs:
		fmt.Fprintf(e.stderr, "%s: unexpected argument %q\n", fs.Name(), pos[maxArgs])
		fs.Usage()
		return nil, &usageError{}
	}
	return pos, nil
}

// errHelp reports that a command's help was asked for and written: exit code 0.
var errHelp = errors.New("help")

// stringList is a flag that may be given several times, each value also split at
// commas: --group a --group b,c.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// finish reports the error of a command, if any, and returns the exit code.
func (e *env) finish(err error) int {
	if err == nil || errors.Is(err, errHelp) {
		return exitOK
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	var ue *usageError
	if errors.As(err, &ue) {
		if ue.msg != "" {
			fmt.Fprintf(e.stderr, "pricing: %s\n", ue.msg)
		}
		return exitUsage
	}
	code := exitCode(err)
	var ce *medusacsv.Error
	if errors.As(err, &ce) {
		fmt.Fprintf(e.stderr, "pricing: %d problem(s) in the file, nothing written:\n", len(ce.Problems))
		for _, p := range ce.Problems {
			fmt.Fprintf(e.stderr, "  %s\n", p)
		}
	} else if !errors.Is(err, errReported) {
		fmt.Fprintf(e.stderr, "pricing: %v\n", err)
	}
	if e.json && !errors.Is(err, errReported) {
		_ = e.writeJSON(map[string]any{"error": errorBody(err, code)})
	}
	return code
}

// errReported is a failure the command has already reported in full.
var errReported = errors.New("reported")

// exitCode returns the exit code of an error.
func exitCode(err error) int {
	switch {
	case errors.Is(err, bolt.ErrCorrupt), errors.Is(err, postgres.ErrCorrupt), errors.Is(err, errDamaged):
		return exitCorrupt
	case errors.Is(err, pricing.ErrInvalid):
		return exitInvalid
	case errors.Is(err, pricing.ErrNotFound), errors.Is(err, pricing.ErrNoPrice):
		return exitNotFound
	case errors.Is(err, pricing.ErrAlreadyExists), errors.Is(err, pricing.ErrConflict):
		return exitConflict
	}
	return exitFailed
}

// errorJSON is the JSON form of a failure.
type errorJSON struct {
	Type     string              `json:"type"`
	Message  string              `json:"message"`
	Fields   []fieldJSON         `json:"fields,omitempty"`
	Problems []medusacsv.Problem `json:"problems,omitempty"`
}

type fieldJSON struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// errorBody returns the JSON form of err. Its types are those of package httpapi.
func errorBody(err error, code int) errorJSON {
	body := errorJSON{Message: err.Error()}
	switch code {
	case exitInvalid:
		body.Type = "invalid_data"
	case exitNotFound:
		body.Type = "not_found"
		if errors.Is(err, pricing.ErrNoPrice) {
			body.Type = "no_price"
		}
	case exitConflict:
		body.Type = "conflict"
		if errors.Is(err, pricing.ErrAlreadyExists) {
			body.Type = "duplicate_error"
		}
	case exitCorrupt:
		body.Type = "corrupt"
	default:
		body.Type = "failed"
	}
	var ce *medusacsv.Error
	var ve *pricing.ValidationError
	var fe *pricing.FieldError
	switch {
	case errors.As(err, &ce):
		body.Problems = ce.Problems
	case errors.As(err, &ve):
		for _, f := range ve.Fields {
			body.Fields = append(body.Fields, fieldJSON{f.JSONField(), f.Reason})
		}
	case errors.As(err, &fe):
		body.Fields = []fieldJSON{{fe.JSONField(), fe.Reason}}
	}
	return body
}

// writeJSON writes v to standard output, indented.
func (e *env) writeJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// sortedKeys returns the keys of m in ascending order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
