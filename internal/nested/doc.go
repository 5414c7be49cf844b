// Package nested holds the test that makes `go test ./...` at the root of the
// repository run the tests of the modules nested in it (cmd/pricing, postgres): a
// package pattern stops at a nested go.mod, even in a workspace, so without it the
// README's test command would leave them out.
package nested
