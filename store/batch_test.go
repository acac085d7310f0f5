package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Tests of the create writer (batch.go). To put several notes in one
// batch, a test holds the one write connection: the writer takes the
// first note (the "plug") and waits for the connection, the notes sent
// after it queue, and when the test lets go they are written together.

// holdWriter takes the write connection and returns a function that gives
// it back.
func holdWriter(t *testing.T, db *DB) func() {
	t.Helper()
	// It counts on the write pool's one connection, which is SQLite's.
	sqliteOnly(t)
	tx, err := db.sql.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release := func() { once.Do(func() { tx.Rollback() }) }
	t.Cleanup(release)
	return release
}

// waitTaken waits until the writer has taken a note and waits for the
// connection holdWriter holds (database/sql counts such waits). It polls;
// the test's own timeout bounds it.
func waitTaken(db *DB, waitsBefore int64) {
	for db.sql.Stats().WaitCount == waitsBefore {
		time.Sleep(time.Millisecond)
	}
}

// waitQueue waits until n notes are queued and not yet taken by the
// writer. It polls; the test's own timeout bounds it.
func waitQueue(db *DB, n int) {
	for {
		db.cmu.Lock()
		l := len(db.queue)
		db.cmu.Unlock()
		if l == n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

type created struct {
	note Note
	err  error
}

// createAsync calls CreateNote in a goroutine.
func createAsync(ctx context.Context, db *DB, n NewNote) <-chan created {
	c := make(chan created, 1)
	go func() {
		note, err := db.CreateNote(ctx, n)
		c <- created{note, err}
	}()
	return c
}

func count(t *testing.T, db *DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.ro.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestGroupCommit writes valid and invalid notes in one batch: the valid
// ones are committed together, each invalid one fails with its own error
// and leaves nothing behind, even one that fails after its row and its
// full-text entry were written.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	rev := mustPublish(t, db, pub("essay", "Hello world.", "Second paragraph."))
	doc := mustDocument(t, db, "essay")
	// A note whose body is "fail" fails at its event, after the insert
	// and its triggers have run.
	trigger := `CREATE TRIGGER test_fail BEFORE INSERT ON events
		WHEN EXISTS (SELECT 1 FROM notes WHERE id = NEW.note_id AND body = 'fail')
		BEGIN SELECT RAISE(ABORT, 'test failure'); END`
	if db.dialect == postgres {
		trigger = `CREATE FUNCTION test_fail() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF EXISTS (SELECT 1 FROM notes WHERE id = NEW.note_id AND body = 'fail') THEN
				RAISE EXCEPTION 'test failure';
			END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER test_fail BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION test_fail()`
	}
	if _, err := db.sql.Exec(trigger); err != nil {
		t.Fatal(err)
	}
	note := func(body string) NewNote {
		return NewNote{DocumentID: doc.ID, AuthorID: ann.ID, Audience: Public, Body: body, Target: quote(rev, 0, 0, 5)}
	}

	release := holdWriter(t, db)
	waits0 := db.sql.Stats().WaitCount
	plug := createAsync(ctx, db, note("plug"))
	waitTaken(db, waits0)
	badAudience := note("bad audience")
	badAudience.Audience = "friends"
	noAuthor := note("no author")
	noAuthor.AuthorID = 999
	badTarget := note("bad target")
	badTarget.Target.Anchor = "p-nowhere"
	cases := []struct {
		n    NewNote
		want string // "" for success, else part of the error
		is   error
	}{
		{note("first"), "", nil},
		{badAudience, `unknown audience "friends"`, ErrInvalid},
		{note("second"), "", nil},
		{note("fail"), "test failure", nil},
		{noAuthor, "author 999", ErrNotFound},
		{badTarget, `no block "p-nowhere"`, ErrInvalid},
		{note("third"), "", nil},
	}
	var waits []<-chan created
	for i, c := range cases {
		waits = append(waits, createAsync(ctx, db, c.n))
		waitQueue(db, i+1) // keep the order
	}
	gen := db.Generation()
	release()

	if p := <-plug; p.err != nil {
		t.Fatal(p.err)
	}
	for i, c := range cases {
		got := <-waits[i]
		switch {
		case c.want == "" && got.err != nil:
			t.Errorf("%s: %v, want success", c.n.Body, got.err)
		case c.want == "" && got.note.Body != c.n.Body:
			t.Errorf("%s: got note %+v", c.n.Body, got.note)
		case c.want != "" && (got.err == nil || !strings.Contains(got.err.Error(), c.want)):
			t.Errorf("%s: error %v, want one saying %q", c.n.Body, got.err, c.want)
		case c.is != nil && !errors.Is(got.err, c.is):
			t.Errorf("%s: error %v, want %v", c.n.Body, got.err, c.is)
		}
		if c.want == "" {
			if _, err := db.Note(ctx, Viewer{}, got.note.ID); err != nil {
				t.Errorf("%s: answered but not stored: %v", c.n.Body, err)
			}
		}
	}
	// One commit for the plug, one for the batch of seven.
	if got := db.Generation() - gen; got != 2 {
		t.Errorf("%d commits for the plug and one batch, want 2", got)
	}
	// Nothing of the failed notes is left: rows, index, events.
	if n := count(t, db, `SELECT count(*) FROM notes`); n != 4 {
		t.Errorf("%d notes stored, want 4 (the plug and three)", n)
	}
	for _, q := range []string{`SELECT count(*) FROM note_search`, `SELECT count(*) FROM notes_fts`, `SELECT count(*) FROM events`} {
		if n := count(t, db, q); n != 4 {
			t.Errorf("%s = %d, want 4", q, n)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM notes_fts WHERE notes_fts MATCH 'fail'`); n != 0 {
		t.Errorf("the failed note is in the full-text index %d times", n)
	}
}

// TestGroupCommitConcurrent has many writers at once, a fifth of their
// notes invalid: each gets its own answer and exactly the valid notes are
// stored.
func TestGroupCommitConcurrent(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	rev := mustPublish(t, db, pub("essay", "Hello world.", "Second paragraph."))
	doc := mustDocument(t, db, "essay")
	const writers, perWriter = 8, 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				n := NewNote{DocumentID: doc.ID, AuthorID: ann.ID, Audience: Public,
					Body: fmt.Sprintf("writer %d note %d", w, i), Target: quote(rev, i%2, 0, 5)}
				invalid := i%5 == 0
				if invalid {
					n.Tags = []string{strings.Repeat("x", 41)} // too long
				}
				got, err := db.CreateNote(ctx, n)
				switch {
				case invalid && !errors.Is(err, ErrInvalid):
					t.Errorf("%s: error %v, want ErrInvalid", n.Body, err)
				case !invalid && err != nil:
					t.Errorf("%s: %v", n.Body, err)
				case !invalid && got.Body != n.Body:
					t.Errorf("%s: answered with note %q", n.Body, got.Body)
				case !invalid:
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if want := writers * perWriter * 4 / 5; ok != want {
		t.Errorf("%d notes created, want %d", ok, want)
	}
	if n := count(t, db, `SELECT count(*) FROM notes`); n != ok {
		t.Errorf("%d notes stored, %d acknowledged", n, ok)
	}
}

// TestCreateNoteCanceled: a note whose context ends while it waits is not
// written, whether it was still queued or already taken by the writer.
func TestCreateNoteCanceled(t *testing.T) {
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	rev := mustPublish(t, db, pub("essay", "Hello world."))
	doc := mustDocument(t, db, "essay")
	note := NewNote{DocumentID: doc.ID, AuthorID: ann.ID, Audience: Public, Body: "x", Target: quote(rev, 0, 0, 5)}

	done, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.CreateNote(done, note); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled before: error %v, want context.Canceled", err)
	}

	release := holdWriter(t, db)
	waits0 := db.sql.Stats().WaitCount
	takenCtx, cancelTaken := context.WithCancel(context.Background())
	taken := createAsync(takenCtx, db, note)
	waitTaken(db, waits0) // the writer holds it, waiting for the connection
	queuedCtx, cancelQueued := context.WithCancel(context.Background())
	queued := createAsync(queuedCtx, db, note)
	waitQueue(db, 1)
	cancelQueued()
	if got := <-queued; !errors.Is(got.err, context.Canceled) {
		t.Errorf("canceled in the queue: %+v, want context.Canceled", got)
	}
	waitQueue(db, 0) // withdrawn
	cancelTaken()
	release()
	if got := <-taken; !errors.Is(got.err, context.Canceled) {
		t.Errorf("canceled once taken: %+v, want context.Canceled", got)
	}
	if n := count(t, db, `SELECT count(*) FROM notes`); n != 0 {
		t.Errorf("%d notes stored, want none", n)
	}
	// The writer goes on.
	if _, err := db.CreateNote(context.Background(), note); err != nil {
		t.Fatal(err)
	}
}

// TestCloseWhileCreatesWait: Close writes the notes already waiting, then
// stops; a note asked for after Close gets ErrClosed; every acknowledged
// note is in the file when it is opened again.
func TestCloseWhileCreatesWait(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "glossa.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	ann := mustUser(t, db, "ann")
	rev := mustPublish(t, db, pub("essay", "Hello world."))
	doc := mustDocument(t, db, "essay")
	note := NewNote{DocumentID: doc.ID, AuthorID: ann.ID, Audience: Public, Body: "x", Target: quote(rev, 0, 0, 5)}

	release := holdWriter(t, db)
	waits0 := db.sql.Stats().WaitCount
	waits := []<-chan created{createAsync(ctx, db, note)}
	waitTaken(db, waits0)
	for i := range 4 {
		waits = append(waits, createAsync(ctx, db, note))
		waitQueue(db, i+1)
	}
	closed := make(chan error, 1)
	go func() { closed <- db.Close() }()
	for {
		db.cmu.Lock()
		c := db.closed
		db.cmu.Unlock()
		if c {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := db.CreateNote(ctx, note); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: error %v, want ErrClosed", err)
	}
	release()
	var ids []string
	for _, w := range waits {
		got := <-w
		if got.err != nil {
			t.Errorf("waiting at Close: %v", got.err)
			continue
		}
		ids = append(ids, got.note.ID)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, id := range ids {
		if _, err := db.Note(ctx, Viewer{}, id); err != nil {
			t.Errorf("acknowledged note %s: %v", id, err)
		}
	}
}
