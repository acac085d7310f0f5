package pgtest

import (
	"context"
	"database/sql"
	"os"
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
