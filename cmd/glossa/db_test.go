package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"glossa/internal/pgtest"
	"glossa/store"
)

// forEachDB runs f once per database GLOSSA_TEST_DB selects (pgtest),
// as a subtest named for it, with newDB making a fresh database of that
// kind and returning what -db takes: a file in a temporary folder, or an
// empty PostgreSQL database (no schema: the command under test migrates
// it, as a first run on a new database does).
func forEachDB(t *testing.T, f func(t *testing.T, newDB func() string)) {
	for _, d := range pgtest.Dialects() {
		t.Run(d, func(t *testing.T) {
			n := 0
			f(t, func() string {
				n++
				if d == "sqlite" {
					return filepath.Join(t.TempDir(), fmt.Sprintf("g%d.db", n))
				}
				return pgtest.NewDatabase(t, "glossa_cmd_empty", func(string) error { return nil })
			})
		})
	}
}

// onPostgres skips t unless PostgreSQL is selected, and returns a fresh
// empty PostgreSQL database.
func onPostgres(t *testing.T) string {
	t.Helper()
	for _, d := range pgtest.Dialects() {
		if d == "postgres" {
			return pgtest.NewDatabase(t, "glossa_cmd_empty", func(string) error { return nil })
		}
	}
	t.Skip("PostgreSQL not selected (GLOSSA_TEST_DB)")
	return ""
}

// withPassword is url with a password in it: the server trusts every
// local connection, so it is ignored, but it must never be printed.
func withPassword(t *testing.T, url string) string {
	t.Helper()
	const secret = "s3cret-pw"
	u := strings.Replace(url, "postgres://postgres@", "postgres://postgres:"+secret+"@", 1)
	if u == url {
		t.Fatalf("no user in %s to add a password to", url)
	}
	return u
}

// glossa backup on PostgreSQL refuses, naming PostgreSQL's own tools, and
// no command prints a URL's password: not in -db's help (whose default is
// GLOSSA_DB), nor in an error, nor in migrate-db's report.
func TestPostgresBackupAndPasswords(t *testing.T) {
	url := withPassword(t, onPostgres(t))
	ctx := context.Background()
	var out, errb bytes.Buffer
	err := run(ctx, []string{"backup", "-db", url, filepath.Join(t.TempDir(), "b.db")}, env(), nil, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "pg_dump") || !strings.Contains(err.Error(), "point-in-time recovery") {
		t.Errorf("backup of a PostgreSQL database: %v, want a refusal naming pg_dump and point-in-time recovery", err)
	}
	for _, args := range [][]string{{"backup", "-h"}, {"publish", "-h"}, {"user", "add", "-h"}} {
		out.Reset()
		if err := run(ctx, args, env("GLOSSA_DB", url), nil, &out, &errb); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(out.String(), "s3cret") || !strings.Contains(out.String(), "postgres://postgres@127.0.0.1") {
			t.Errorf("glossa %s with GLOSSA_DB=%s:\n%s", strings.Join(args, " "), url, out.String())
		}
		if !strings.Contains(out.String(), "postgres:// URL") || !strings.Contains(out.String(), "SQLite database file") {
			t.Errorf("glossa %s: -db's help does not name both kinds of database:\n%s", strings.Join(args, " "), out.String())
		}
	}
	// A database that is not there: the error names it, without the password.
	missing := strings.Replace(url, "/test_", "/nosuch_", 1)
	err = run(ctx, []string{"token", "new", "-db", missing, "ann"}, env(), nil, &out, &errb)
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "nosuch_") {
		t.Errorf("a missing PostgreSQL database: %v", err)
	}
}

// glossa migrate-db copies a SQLite database served and written by the
// commands into an empty PostgreSQL one, which the commands then use,
// and refuses a second copy into it; the source is only read.
func TestMigrateDBCommand(t *testing.T) {
	url := withPassword(t, onPostgres(t))
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "glossa.db")
	mustRun := func(stdin string, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if err := run(ctx, args, env(), strings.NewReader(stdin), &out, &errb); err != nil {
			t.Fatalf("glossa %s: %v\n%s", strings.Join(args, " "), err, errb.String())
		}
		return out.String()
	}
	mustRun("correct horse\n", "user", "add", "-db", file, "ann")
	mustRun("", "publish", "-db", file)
	token := strings.TrimSpace(mustRun("", "token", "new", "-db", file, "ann"))
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}

	out := mustRun("", "migrate-db", "-from", file, "-to", url)
	if strings.Contains(out, "s3cret") || !strings.Contains(out, "to postgres://postgres@127.0.0.1") || !strings.Contains(out, "  users ") {
		t.Errorf("migrate-db printed:\n%s", out)
	}
	if after, _ := os.ReadFile(file); !bytes.Equal(before, after) {
		t.Error("migrate-db changed the SQLite file")
	}
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.UserByToken(ctx, store.HashToken(token))
	db.Close()
	if err != nil || u.Name != "ann" {
		t.Errorf("the token made on SQLite, on PostgreSQL: %+v %v", u, err)
	}
	// The copy is a glossa database the commands use.
	mustRun("correct horse\n", "user", "add", "-db", url, "bob")
	if got := mustRun("", "publish", "-db", url); !strings.Contains(got, "revision 1 is current") {
		t.Errorf("publish after the copy: %s", got)
	}

	var errb bytes.Buffer
	err = run(ctx, []string{"migrate-db", "-from", file, "-to", url}, env(), nil, io.Discard, &errb)
	if err == nil || !strings.Contains(err.Error(), "not empty") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("a second migrate-db into the same database: %v", err)
	}
	for _, args := range [][]string{
		{"migrate-db", "-from", file},
		{"migrate-db", "-from", file, "-to", filepath.Join(t.TempDir(), "x.db")},
		{"migrate-db", "-from", filepath.Join(t.TempDir(), "nope.db"), "-to", onPostgres(t)},
	} {
		if err := run(ctx, args, env(), nil, io.Discard, &errb); err == nil {
			t.Errorf("glossa %s: no error", strings.Join(args, " "))
		}
	}
}
