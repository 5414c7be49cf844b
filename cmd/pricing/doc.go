// Command pricing looks inside a pricing store and moves data in and out of it: a
// merchant's operator lists and shows customer groups, price lists and prices,
// resolves a price with the resolver's explanation, checks a store and compacts a bbolt
// file, and exports and imports snapshots and Medusa's price-list CSV files, without
// writing code.
//
// Usage:
//
//	pricing [--db FILE | --postgres URL [--schema NAME]] COMMAND [flags] [args]
//
// The commands:
//
//	groups list        customer groups, with their number of customers
//	groups show ID     one group: its customers and the price lists that name it
//	lists list         price lists: type, status, window, audience, number of prices
//	lists show ID      one price list
//	prices list        prices of a list (--list), of variants (--variant), or base prices (--base)
//	resolve            what a customer pays: VARIANT[:QTY]..., --currency required, --explain for why
//	check              verify the store; exit code 6 when it finds problems
//	compact --out NEW  copy the bbolt file into a new, compact one (refused on postgres)
//	export             write a snapshot (JSON) of the store, or of some lists (--list)
//	import FILE        load a snapshot into the store, all or nothing (or in chunks, --chunk)
//	csv import FILE    make a Medusa price-list CSV the prices of a list (--list)
//	csv export         write a list's prices as a Medusa price-list CSV (--list)
//
// Every command takes --db FILE (or the environment variable PRICING_DB), the bbolt
// file of the store; commands that only read open it read-only, and never migrate it.
// Or --postgres URL (or PRICING_POSTGRES), a pgx connection string of the PostgreSQL
// database of a postgres store, with --schema NAME when its schema is not "pricing":
// a command that writes makes the schema, or migrates it, as postgres.Open does; one
// that only reads refuses a schema that is missing or at an older version. check runs
// the postgres store's Check (exit code 6 when it finds problems); compact is for bbolt
// files only. A flag overrides the other store's environment variable; two stores named
// at once are a usage error.
// --json writes the library's JSON forms to standard output, for scripts; tables are
// for people. Long work (import, export, csv import, check, compact) draws a progress
// bar on standard error when it is a terminal, or with --progress; standard output
// carries only the result. Flags may come before or after the arguments.
//
// Exit codes:
//
//	0  done
//	1  the operation failed (a file that cannot be read, a locked store, ...)
//	2  usage: an unknown command or flag, a missing argument
//	3  not found: an unknown group, list or variant price (resolve: an item without a price)
//	4  invalid input, refused whole: a bad CSV row, a bad snapshot record; nothing written
//	5  conflict: an ID or name that is taken, a group still in use
//	6  check found problems: the store's file is damaged, or the postgres store's data
//	   breaks the library's invariants
//
// With --json, a failure also writes {"error": {"type", "message", ...}} to standard
// output, with the bad fields or the CSV file's problems (line, column, reason).
package main
