package nested

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNestedModules runs `go test ./...` in every module nested in the repository, with
// the -race and -short of this run. PRICING_NESTED=skip skips it, for a CI script that
// tests each module itself.
func TestNestedModules(t *testing.T) {
	if os.Getenv("PRICING_NESTED") == "skip" {
		t.Skip("PRICING_NESTED=skip: the nested modules are tested on their own")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	modules := nestedModules(t, root)
	if len(modules) == 0 {
		t.Fatal("no nested module found")
	}
	// The go command of PATH: runtime.GOROOT is deprecated, and names the toolchain
	// that built this test, which need not be where the test runs.
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the nested modules' tests need the go command: %v", err)
	}
	args := []string{"test"}
	if raceEnabled {
		args = append(args, "-race")
	}
	if testing.Short() {
		args = append(args, "-short")
	}
	args = append(args, "./...")
	for _, dir := range modules {
		rel, _ := filepath.Rel(root, dir)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			cmd := exec.Command(goBin, args...)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), rel, err, out)
			}
			t.Logf("go %s in %s:\n%s", strings.Join(args, " "), rel, out)
		})
	}
}

// nestedModules returns the directories below root (but root) that hold a go.mod,
// outside testdata and hidden directories. It reads every file of those modules, so
// that go test's cache knows them: a change to any of them runs the test again.
func nestedModules(t *testing.T, root string) []string {
	var modules []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (name == "testdata" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			if path != root {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					modules = append(modules, path)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range modules {
		if err := filepath.WalkDir(m, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			_, err = os.ReadFile(path)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	return modules
}
