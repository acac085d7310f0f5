package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Two writers and a reader tailing the log, as a live stream does: the
// reader, moving past the last number it saw each time, receives every
// event of both writers, once, in increasing order.
func TestEventsTailedWhileTwoWrite(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann, bob := mustUser(t, db, "ann"), mustUser(t, db, "bob")
	r := mustPublish(t, db, pub("essay", "Alpha beta gamma.", "Delta epsilon."))
	doc := mustDocument(t, db, "essay")

	const each = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, u := range []User{ann, bob} {
		wg.Go(func() {
			for i := range each {
				if _, err := db.CreateNote(ctx, NewNote{DocumentID: doc.ID, AuthorID: u.ID, Audience: Public,
					Body: fmt.Sprintf("%s %d", u.Name, i), Target: quote(r, i%2, 0, 5)}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	seen := map[string]bool{}
	var after int64
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		evs, err := db.Events(ctx, Viewer{}, doc.ID, after, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.ID <= after {
				t.Fatalf("event %d after %d", e.ID, after)
			}
			if seen[e.NoteID] {
				t.Fatalf("event for note %s twice", e.NoteID)
			}
			seen[e.NoteID], after = true, e.ID
		}
		if finished && len(evs) == 0 {
			break
		}
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != 2*each {
		t.Errorf("the reader received %d events, want %d", len(seen), 2*each)
	}
}

// On PostgreSQL two transactions can number events at once: the store's
// write lock (pgconn.go) keeps its own writers in turn, but the numbering
// must not depend on it. Here two transactions that bypass it log an event
// each on one document; the first has numbered its event and not
// committed when the second starts. With a number drawn from a sequence,
// the second commits first, a reader moves past its number, and the
// first's event, committed later with a smaller number, is never read.
// With the document's counter, the second waits for the first.
func TestEventNumbersCommitInOrder(t *testing.T) {
	if testDialect != postgres {
		t.Skip("SQLite has one writer at a time; PostgreSQL only")
	}
	ctx := context.Background()
	dsn := testDSN(t)
	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A document with two notes, written directly: the test is about
	// the log's numbers alone.
	var doc, rev, user int64
	ts := now()
	for _, q := range []struct {
		sql  string
		args []any
		into *int64
	}{
		{`INSERT INTO users (name, password_hash, created_at) VALUES ('ann', 'x', ?) RETURNING id`, []any{ts}, &user},
		{`INSERT INTO documents (slug, title) VALUES ('essay', 'Essay') RETURNING id`, nil, &doc},
		{`INSERT INTO revisions (document_id, number, source_hash, source, published_at) VALUES (?, 1, 'h', 'x', ?) RETURNING id`, []any{&doc, ts}, &rev},
	} {
		args := make([]any, len(q.args))
		for i, a := range q.args {
			if p, ok := a.(*int64); ok {
				a = *p
			}
			args[i] = a
		}
		if err := db.SQL().QueryRowContext(ctx, q.sql, args...).Scan(q.into); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO blocks (revision_id, position, anchor, hash, text) VALUES (?, 0, 'p1', 'h', 'x')`, rev); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"n1", "n2"} {
		if _, err := db.SQL().ExecContext(ctx, `INSERT INTO notes (id, document_id, author_id, audience, body,
			orig_revision_id, orig_anchor, orig_block_hash, orig_exact, orig_prefix, orig_suffix, orig_start, orig_end,
			cur_revision_id, cur_anchor, cur_start, cur_end, cur_exact, cur_prefix, cur_suffix, cur_status, cur_score,
			created_at, updated_at, version)
			VALUES (?1, ?2, ?3, 'public', ?1, ?4, 'p1', 'h', 'x', '', '', 0, 1, ?4, 'p1', 0, 1, 'x', '', '', 'exact', 1, ?5, ?5, 1)`,
			id, doc, user, rev, ts); err != nil {
			t.Fatal(err)
		}
	}
	const start = 0
	wc, err := newPGConnector(dsn, false)
	if err != nil {
		t.Fatal(err)
	}
	raw := sql.OpenDB(unlockedConnector{wc})
	defer raw.Close()

	tx1, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback()
	if err := logEvent(ctx, tx1, EventEdited, "n1", user); err != nil {
		t.Fatal(err)
	}
	second := make(chan error, 1)
	go func() {
		tx2, err := raw.BeginTx(ctx, nil)
		if err == nil {
			defer tx2.Rollback()
			err = logEvent(ctx, tx2, EventEdited, "n2", user)
		}
		if err == nil {
			err = tx2.Commit()
		}
		second <- err
	}()
	// Until the second has committed, or waits for a lock.
	var (
		secondErr  error
		secondDone bool
	)
	for !secondDone {
		select {
		case secondErr = <-second:
			secondDone = true
			continue
		default:
		}
		var waiting int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}

	// The reader tails the log, before and after the first commits, as
	// Events does (the events of the document after the last one seen).
	got := map[string]bool{}
	after := int64(start)
	read := func() {
		rows, err := db.SQL().QueryContext(ctx, `SELECT seq, note_id FROM events WHERE document_id = ? AND seq > ? ORDER BY seq`, doc, after)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var note string
			if err := rows.Scan(&after, &note); err != nil {
				t.Fatal(err)
			}
			got[note] = true
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	read()
	if err := tx1.Commit(); err != nil {
		t.Fatal(err)
	}
	if !secondDone {
		secondErr = <-second
	}
	if secondErr != nil {
		t.Fatal(secondErr)
	}
	read()
	for _, n := range []string{"n1", "n2"} {
		if !got[n] {
			t.Errorf("the reader never received the event of note %s", n)
		}
	}
}

// unlockedConnector makes write connections that do not take the store's
// write lock, for TestEventNumbersCommitInOrder.
type unlockedConnector struct{ *pgConnector }

func (c unlockedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.pgConnector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return unlockedConn{conn.(*pgConn)}, nil
}

type unlockedConn struct{ *pgConn }

func (c unlockedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.pgConn.Conn.BeginTx(ctx, opts)
}
