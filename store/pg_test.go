package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glossa/internal/pgtest"
)

// The store's tests run on every database GLOSSA_TEST_DB selects (both
// when PostgreSQL is installed): TestMain runs the whole suite once per
// dialect, with testDialect saying which, and openTestDB opens a fresh
// database of it. A test about SQLite's file itself (backups, WAL, another
// process on the file) calls sqliteOnly.
var testDialect = sqlite

func TestMain(m *testing.M) {
	code := 0
	for _, d := range pgtest.Dialects() {
		testDialect = map[string]dialect{"sqlite": sqlite, "postgres": postgres}[d]
		fmt.Printf("=== store tests on %s\n", testDialect)
		if c := m.Run(); c != 0 {
			code = c
		}
	}
	pgtest.Stop()
	os.Exit(code)
}

// testDSN returns a fresh, empty database of testDialect for t: a file in
// its temporary directory, or a PostgreSQL database made from the
// migrated template (pgtest).
func testDSN(t testing.TB) string {
	t.Helper()
	if testDialect == sqlite {
		return filepath.Join(t.TempDir(), "glossa.db")
	}
	return pgtest.NewDatabase(t, "glossa_store_template", func(url string) error {
		db, err := Open(context.Background(), url)
		if err != nil {
			return err
		}
		return db.Close()
	})
}

// emptyTestDSN is testDSN without the migrations: a database no glossa
// has opened yet.
func emptyTestDSN(t testing.TB) string {
	t.Helper()
	if testDialect == sqlite {
		return filepath.Join(t.TempDir(), "glossa.db")
	}
	return pgtest.NewDatabase(t, "glossa_empty_template", func(string) error { return nil })
}

// sqliteOnly skips t on PostgreSQL: it tests SQLite's file.
func sqliteOnly(t testing.TB) {
	t.Helper()
	if testDialect != sqlite {
		t.Skip("about the SQLite file; not on", testDialect)
	}
}

// TestOpenPostgres opens a PostgreSQL database through store.Open, writes
// with named and positional parameters, and reads back.
func TestOpenPostgres(t *testing.T) {
	if testDialect != postgres {
		t.Skip("PostgreSQL only")
	}
	ctx := context.Background()
	db := openTestDB(t)
	if db.dialect != postgres {
		t.Fatalf("dialect %s, want postgres", db.dialect)
	}
	u, err := db.CreateUser(ctx, "ann", []byte("hash"))
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := db.UserByName(ctx, "ANN")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != u.ID {
		t.Errorf("UserByName(ANN) = %d, want %d", got.ID, u.ID)
	}
}

// TestBackupPostgres: Backup on PostgreSQL says what to use instead.
func TestBackupPostgres(t *testing.T) {
	if testDialect != postgres {
		t.Skip("PostgreSQL only")
	}
	db := openTestDB(t)
	err := db.Backup(context.Background(), filepath.Join(t.TempDir(), "copy.db"))
	if !errors.Is(err, ErrBackupPostgres) || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("Backup = %v, want ErrBackupPostgres naming pg_dump", err)
	}
}

// TestOthersWrotePostgres: a commit through another DB on the same
// PostgreSQL database is reported, once.
func TestOthersWrotePostgres(t *testing.T) {
	if testDialect != postgres {
		t.Skip("PostgreSQL only")
	}
	ctx := context.Background()
	url := testDSN(t)
	db, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.CreateUser(ctx, "elsewhere", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if moved, err := db.OthersWrote(ctx); err != nil || !moved {
		t.Fatalf("after another DB's commit: OthersWrote = %v, %v; want true", moved, err)
	}
	if moved, err := db.OthersWrote(ctx); err != nil || moved {
		t.Fatalf("asked again: OthersWrote = %v, %v; want false", moved, err)
	}
}
