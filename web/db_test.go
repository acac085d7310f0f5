package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"glossa/internal/pgtest"
	"glossa/store"
)

// The web tests run on every database GLOSSA_TEST_DB selects (pgtest):
// TestMain runs them once on SQLite, then again on PostgreSQL, with
// testDialect saying which. On PostgreSQL only the tests in postgresFiles
// run (the authorization matrix, the API and the pages, where the
// database's answers decide what a reader sees, and the mixed load); the
// others skip there when they start an app, and browser tests skip
// wherever they are (newBrowser), to keep the suite's time in bounds: they
// exercise the browser and the server's own machinery, which does not
// change with the database.
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
		if c := m.Run(); c != 0 {
			code = c
		}
	}
	pgtest.Stop()
	os.Exit(code)
}

// newTestDSN returns a fresh, empty database of testDialect for t: a file
// in a temporary folder, or a PostgreSQL database made from a migrated
// template. On PostgreSQL it skips t unless its test is in postgresFiles.
func newTestDSN(t testing.TB) string {
	t.Helper()
	if testDialect == "sqlite" {
		return filepath.Join(t.TempDir(), "glossa.db")
	}
	if f := testFile(); !postgresFiles[f] {
		t.Skipf("%s runs on SQLite only (web/db_test.go, postgresFiles)", f)
	}
	return pgtest.NewDatabase(t, "glossa_web_template", func(url string) error {
		db, err := store.Open(context.Background(), url)
		if err != nil {
			return err
		}
		return db.Close()
	})
}

// testFile is the file of the test function running: the outermost
// glossa/web.Test… function on the stack (a subtest's closure is in its
// test's file too).
func testFile() string {
	pc := make([]uintptr, 64)
	frames := runtime.CallersFrames(pc[:runtime.Callers(2, pc)])
	file := ""
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, "glossa/web.Test") {
			file = filepath.Base(f.File)
		}
		if !more {
			return file
		}
	}
}

// testLogger discards the server's log, unless GLOSSA_TEST_LOG=1 asks for
// it on standard error (to see a 500's cause).
func testLogger() *slog.Logger {
	if os.Getenv("GLOSSA_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
