package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// plantRepetitive writes n private notes by a new user, each 10,000
// characters of one word over and over: what a hostile writer or importer
// can plant so that phrase searches of that word cost seconds. The notes
// are private, so the signed-out searcher finds none of them, and the
// index still has to look at every one.
func plantRepetitive(t testing.TB, db *DB, n int) Document {
	t.Helper()
	ctx := context.Background()
	u := mustUser(t, db, "planter")
	mustPublish(t, db, pub("essay", "Alliances in Asia are many.", "The second paragraph."))
	doc := mustDocument(t, db, "essay")
	body := strings.TrimSpace(strings.Repeat("a ", 5000))
	for range n {
		if _, err := db.CreateNote(ctx, NewNote{DocumentID: doc.ID, AuthorID: u.ID, Audience: Private,
			Body: body, Target: quote(doc.Current, 1, 0, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	return doc
}

// costliest is the costliest search the limits allow over planted notes:
// one phrase of the planted word, MaxSearchWords long.
func costliest(t testing.TB) SearchQuery {
	t.Helper()
	q, err := ParseSearch(`"` + strings.TrimSpace(strings.Repeat("a ", MaxSearchWords)) + `"`)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// A search past its deadline stops, says so with ErrSearchTimeout, and
// gives its connection back.
func TestSearchStopsAtItsDeadline(t *testing.T) {
	costlyOnSQLite(t)
	db := openTestDB(t)
	plantRepetitive(t, db, 300)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := db.Search(ctx, Viewer{}, costliest(t))
	if !errors.Is(err, ErrSearchTimeout) {
		t.Fatalf("a search of 300 repetitive notes given 50 ms: %v, want ErrSearchTimeout", err)
	}
	if n := db.ro.Stats().InUse; n != 0 {
		t.Errorf("%d read connections still in use after the search stopped", n)
	}
	// The connection it used is as good as any: searches on every
	// connection of the pool work.
	for range db.ro.Stats().MaxOpenConnections + 1 {
		if got := search(t, db, Viewer{}, "alliance"); len(got) != 0 {
			t.Errorf("found %q", got)
		}
	}
	// A caller who gives up is not a timeout.
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := db.Search(ctx, Viewer{}, costliest(t)); !errors.Is(err, context.Canceled) || errors.Is(err, ErrSearchTimeout) {
		t.Errorf("a search whose caller gave up: %v, want context.Canceled", err)
	}
	// And the limit on words holds for queries built without ParseSearch.
	q := costliest(t)
	q.Terms = append(q.Terms, SearchTerm{Value: "b"})
	if _, err := db.Search(context.Background(), Viewer{}, q); !errors.Is(err, ErrInvalid) {
		t.Errorf("a search of %d words: %v, want ErrInvalid", MaxSearchWords+1, err)
	}
}

// However many costly searches run, a page's read still finds a
// connection: searches run at most cap(searchSlots) at once, fewer than
// the read connections, and one that cannot get its turn in time says so
// with ErrSearchBusy.
func TestSearchesLeaveConnectionsForPages(t *testing.T) {
	costlyOnSQLite(t)
	db := openTestDB(t)
	doc := plantRepetitive(t, db, 300)
	db.searchTimeout = time.Minute // the searches below end when the test cancels them
	pool, slots := db.ro.Stats().MaxOpenConnections, cap(db.searchSlots)
	if slots < 1 || slots >= pool {
		t.Fatalf("%d searches at once with %d read connections: want at least one, and fewer than the connections", slots, pool)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make(chan error, pool)
	for range pool {
		go func() {
			_, err := db.Search(ctx, Viewer{}, costliest(t))
			errs <- err
		}()
	}
	for len(db.searchSlots) < slots || db.ro.Stats().InUse < slots {
		time.Sleep(time.Millisecond)
	}

	if _, err := db.Notes(context.Background(), Viewer{}, NoteQuery{DocumentID: doc.ID}); err != nil {
		t.Errorf("a page's read while %d costly searches are asked for: %v", pool, err)
	}
	busy, cancelBusy := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelBusy()
	if _, err := db.Search(busy, Viewer{}, costliest(t)); !errors.Is(err, ErrSearchBusy) {
		t.Errorf("a search while every slot is taken: %v, want ErrSearchBusy", err)
	}

	// Every costly search was still running or waiting, so the read above
	// did not wait for one to end.
	cancel()
	for range pool {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Errorf("a costly search ended with %v before the test gave up on it: the reads above waited for it", err)
		}
	}
	if n := db.ro.Stats().InUse; n != 0 {
		t.Errorf("%d read connections still in use after every search ended", n)
	}
	if n := len(db.searchSlots); n != 0 {
		t.Errorf("%d search slots still taken after every search ended", n)
	}
}

// costlyOnSQLite skips t on PostgreSQL, where the planted notes cost a
// search little: a tsvector keeps at most 256 positions of a word, so a
// phrase of it is checked quickly. TestStatementStopsAtDeadline checks
// there that a statement stops when its context ends, which is what the
// search budget relies on.
func costlyOnSQLite(t *testing.T) {
	t.Helper()
	if testDialect == postgres {
		t.Skip("the planted notes are not a costly search on PostgreSQL")
	}
}

// TestStatementStopsAtDeadline: on PostgreSQL a read statement running
// when its context ends is stopped (pgx cancels it on the server), fails
// with the context's error, and leaves its connection usable.
func TestStatementStopsAtDeadline(t *testing.T) {
	if testDialect != postgres {
		t.Skip("PostgreSQL only; SQLite's interrupt is TestSearchStopsAtItsDeadline")
	}
	db := openTestDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := db.ro.ExecContext(ctx, `SELECT pg_sleep(30)`)
	if err == nil || ctx.Err() == nil {
		t.Fatalf("a 30 s statement given 50 ms: %v", err)
	}
	if n := db.ro.Stats().InUse; n != 0 {
		t.Errorf("%d read connections still in use", n)
	}
	for range db.ro.Stats().MaxOpenConnections + 1 {
		if got := search(t, db, Viewer{}, "alliance"); len(got) != 0 {
			t.Fatalf("search after the stop: %q", got)
		}
	}
}
