package web

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glossa/internal/pgtest"
	"glossa/store"
)

// The web tests run on every database GLOSSA_TEST_DB selects (pgtest):
// TestMain runs them once on SQLite, then again on PostgreSQL, with
// testDialect saying which. On PostgreSQL only the tests in postgresFiles
// run (the authorization matrix, the API and the pages, where the
// database's answers decide what a reader sees, and the mixed load), and
// of those not the browser tests (newBrowser skips them), to keep the
// suite's time in bounds: the others exercise the browser and the
// server's own machinery, which does not change with the database.
var testDialect = "sqlite"

// postgresFiles are the test files whose tests run on PostgreSQL too.
var postgresFiles = map[string]bool{
	"authz_matrix_test.go": true,
	"api_test.go":          true,
	"api_create_test.go":   true,
	"api_groups_test.go":   true,
	"api_tags_test.go":     true,
	"anonymous_test.go":    true,
	"audience_test.go":     true,
	"conversation_test.go": true,
	"export_test.go":       true,
	"groups_test.go":       true,
	"load_test.go":         true,
	"import_test.go":       true,
	"insights_test.go":     true,
	"notebook_test.go":     true,
	"privacy_test.go":      true,
	"read_test.go":         true,
	"removals_test.go":     true,
	"revisions_test.go":    true,
	"search_test.go":       true,
	"tags_test.go":         true,
}

func TestMain(m *testing.M) {
	code := 0
	for _, d := range pgtest.Dialects() {
		testDialect = d
		fmt.Printf("=== web tests on %s\n", d)
		if d != "sqlite" {
			if err := skipOutside(postgresFiles); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
		}
		if c := m.Run(); c != 0 {
			code = c
		}
	}
	pgtest.Stop()
	os.Exit(code)
}

// skipOutside makes the test runs that follow skip every test and fuzz
// target declared outside files, by adding their names to -test.skip
// (which m.Run reads at each run).
func skipOutside(files map[string]bool) error {
	names, err := filepath.Glob("*_test.go")
	if err != nil {
		return err
	}
	var skip []string
	fset := token.NewFileSet()
	for _, name := range names {
		if files[name] {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil &&
				(strings.HasPrefix(fn.Name.Name, "Test") || strings.HasPrefix(fn.Name.Name, "Fuzz")) && fn.Name.Name != "TestMain" {
				skip = append(skip, fn.Name.Name)
			}
		}
	}
	if len(skip) == 0 {
		return nil
	}
	f := flag.Lookup("test.skip")
	if f == nil {
		return errors.New("no -test.skip flag to skip the SQLite-only tests with")
	}
	re := "^(" + strings.Join(skip, "|") + ")$"
	if v := f.Value.String(); v != "" {
		re = v + "|" + re
	}
	return f.Value.Set(re)
}

// newTestDSN returns a fresh, empty database of testDialect for t: a file
// in a temporary folder, or a PostgreSQL database made from a migrated
// template.
func newTestDSN(t testing.TB) string {
	t.Helper()
	if testDialect == "sqlite" {
		return filepath.Join(t.TempDir(), "glossa.db")
	}
	return pgtest.NewDatabase(t, "glossa_web_template", func(url string) error {
		db, err := store.Open(context.Background(), url)
		if err != nil {
			return err
		}
		return db.Close()
	})
}

// testLogger discards the server's log, unless GLOSSA_TEST_LOG=1 asks for
// it on standard error (to see a 500's cause).
func testLogger() *slog.Logger {
	if os.Getenv("GLOSSA_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
