package pgtest

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestNewDatabase makes two databases from one template and sees each is
// the template's copy and separate from the other.
func TestNewDatabase(t *testing.T) {
	ctx := context.Background()
	made := 0
	mk := func(url string) error {
		made++
		db, err := sql.Open("pgx", url)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(ctx, `CREATE TABLE t (x int); INSERT INTO t VALUES (1)`)
		return err
	}
	var urls []string
	for range 2 {
		urls = append(urls, NewDatabase(t, "pgtest_template", mk))
	}
	if made != 1 {
		t.Errorf("template made %d times, want once", made)
	}
	for i, u := range urls {
		db, err := sql.Open("pgx", u)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, `INSERT INTO t VALUES ($1)`, 10+i); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("database %d has %d rows, want the template's one and its own", i, n)
		}
	}
}

// TestStartDurable starts a server of its own with Options.Durable and
// sees it commits as a production server does, while the tests' shared
// server keeps running without fsync.
func TestStartDurable(t *testing.T) {
	if _, err := binDir(); err != nil && !Required() {
		t.Skip(err)
	}
	ctx := context.Background()
	s, err := Start(Options{Durable: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	got, err := s.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"fsync=on", "synchronous_commit=on", "full_page_writes=on"} {
		if !strings.Contains(got, want) {
			t.Errorf("durable server's settings %q, want %s", got, want)
		}
	}
	shared := server(t)
	if got, err := shared.Settings(ctx); err != nil || !strings.Contains(got, "fsync=off") {
		t.Errorf("shared server's settings %q, %v; want fsync=off", got, err)
	}
	url, err := s.CreateDatabase(ctx, "made")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		t.Errorf("the created database: %v", err)
	}
}
