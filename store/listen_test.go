package store

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Two instances on one PostgreSQL database: a commit through one reaches
// the other's OthersWrote, woken by OthersNoticed; a rolled-back one
// sends nothing; and when the listening connection is lost, the other
// says so (an error, and a change, since it cannot know) until it has
// listened again, then hears the next commit.
func TestOtherInstancesNotice(t *testing.T) {
	if testDialect != postgres {
		t.Skip("LISTEN/NOTIFY: PostgreSQL only")
	}
	ctx := context.Background()
	dsn := testDSN(t)
	a, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	// next waits for db's next wake and returns what OthersWrote says.
	next := func(db *DB) (bool, error) {
		t.Helper()
		select {
		case <-db.OthersNoticed():
		case <-ctx.Done():
		}
		return db.OthersWrote(ctx)
	}
	// listening waits until db's listener is connected: connecting counts
	// as a change (what was committed before it listened).
	listening := func(db *DB) {
		t.Helper()
		for {
			moved, err := next(db)
			if err == nil && moved {
				return
			}
		}
	}
	listening(a)
	listening(b)

	// What a third connection hears, to see what a transaction sends.
	obs, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer obs.Close(ctx)
	if _, err := obs.Exec(ctx, `LISTEN `+noticeChannel); err != nil {
		t.Fatal(err)
	}

	commit := func(db *DB, keep bool) {
		t.Helper()
		tx, err := db.sql.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !keep {
			if err := db.notice(tx); err != nil {
				t.Fatal(err)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := db.commit(tx); err != nil {
			t.Fatal(err)
		}
	}
	commit(b, false) // rolled back: nothing
	commit(a, true)
	n, err := obs.WaitForNotification(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n.Payload != a.instance {
		t.Errorf("first notice from %q, want the committing instance %q (the rolled-back one sent %q)", n.Payload, a.instance, b.instance)
	}
	if moved, err := next(b); !moved || err != nil {
		t.Errorf("b after a's commit: OthersWrote = %v, %v; want true", moved, err)
	}
	if moved, err := b.OthersWrote(ctx); moved || err != nil {
		t.Errorf("b asked again: OthersWrote = %v, %v; want false", moved, err)
	}

	// The listeners' connections are cut: b reports it, and once it
	// listens again, hears a's next commit.
	if _, err := a.sql.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query IN ('LISTEN `+noticeChannel+`', '-- ping') AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	var lost bool
	for !lost {
		moved, err := next(b)
		if err != nil {
			if !moved {
				t.Errorf("b without its listener: OthersWrote = false, %v; want true (it cannot know)", err)
			}
			lost = true
		}
	}
	listening(b)
	commit(a, true)
	if moved, err := next(b); !moved || err != nil {
		t.Errorf("b after listening again and a's commit: OthersWrote = %v, %v; want true", moved, err)
	}
}
