package store

import (
	"context"
	"slices"
	"testing"
	"time"

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
		WHERE datname = current_database() AND (query LIKE 'LISTEN %' OR query = '-- ping') AND pid <> pg_backend_pid()`); err != nil {
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

// Presence across instances: what one instance writes, another reads and
// is told of; its own readers it never reads back; an instance that
// stopped beating is left out, and when another's heartbeat deletes it,
// the others are told.
func TestPresenceAcrossInstances(t *testing.T) {
	if testDialect != postgres {
		t.Skip("instances share presence on PostgreSQL only")
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
	// Both listening: connecting rings once.
	<-a.PresenceNoticed()
	<-b.PresenceNoticed()
	ann, bob := mustUser(t, a, "ann"), mustUser(t, a, "bob")
	mustPublish(t, a, pub("essay", "Alpha beta gamma."))
	doc := mustDocument(t, a, "essay")

	reading := func(db *DB) []int64 {
		t.Helper()
		m, err := db.OthersReading(ctx, doc.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for id := range m {
			out = append(out, id)
		}
		slices.Sort(out)
		return out
	}
	if _, err := a.SyncPresence(ctx, []Reading{{doc.ID, ann.ID}, {doc.ID, bob.ID}}, nil); err != nil {
		t.Fatal(err)
	}
	<-b.PresenceNoticed()
	if got := reading(b); !slices.Equal(got, []int64{ann.ID, bob.ID}) {
		t.Errorf("b reads %v, want ann and bob", got)
	}
	if got := reading(a); len(got) != 0 {
		t.Errorf("a reads its own readers back: %v", got)
	}
	if _, err := a.SyncPresence(ctx, nil, []Reading{{doc.ID, bob.ID}}); err != nil {
		t.Fatal(err)
	}
	<-b.PresenceNoticed()
	if got := reading(b); !slices.Equal(got, []int64{ann.ID}) {
		t.Errorf("after bob left, b reads %v, want ann", got)
	}

	// a stops beating: its heartbeat is made old, as if it were killed.
	old := time.Now().UTC().Add(-PresenceExpiry - time.Second).Format(timeFormat)
	if _, err := a.sql.ExecContext(ctx, `UPDATE live_instances SET seen_at = ? WHERE instance = ?`, old, a.instance); err != nil {
		t.Fatal(err)
	}
	if got := reading(b); len(got) != 0 {
		t.Errorf("a's readers still counted after it stopped beating: %v", got)
	}
	expired, err := b.SyncPresence(ctx, nil, nil)
	if err != nil || !expired {
		t.Errorf("b's heartbeat: expired %v, %v; want a expired", expired, err)
	}
	<-a.PresenceNoticed() // told, though it is the one gone: it beats again
	var n int
	if err := a.sql.QueryRowContext(ctx, `SELECT count(*) FROM live_readers WHERE instance = ?`, a.instance).Scan(&n); err != nil || n != 0 {
		t.Errorf("a's rows after it expired: %d, %v; want none", n, err)
	}
}
