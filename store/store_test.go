package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/scs/sqlite3store"
)

// openTestDB opens a fresh database of the dialect under test (testDSN).
func openTestDB(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func hashText(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// pub builds a publication whose blocks are the given paragraphs, with
// content-style anchors.
func pub(slug string, paragraphs ...string) Publication {
	p := Publication{
		Slug:       slug,
		Title:      "Title of " + slug,
		Source:     []byte(strings.Join(paragraphs, "\n\n")),
		SourceHash: hashText(strings.Join(paragraphs, "\n\n")),
	}
	for i, text := range paragraphs {
		h := hashText(text)
		p.Blocks = append(p.Blocks, Block{Position: i, Anchor: "p-" + h[:8], Hash: h, Text: text})
	}
	return p
}

func mustPublish(t testing.TB, db *DB, p Publication) Revision {
	t.Helper()
	rev, _, err := db.Publish(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

func mustDocument(t testing.TB, db *DB, slug string) Document {
	t.Helper()
	d, err := db.Document(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustUser(t testing.TB, db *DB, name string) User {
	t.Helper()
	u, err := db.CreateUser(context.Background(), name, []byte("hash-of-"+name))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// quote targets code points [start, end) of block i of rev, computing the
// quote and context as the server does. start = end = 0 targets the whole
// block.
func quote(rev Revision, i, start, end int) Original {
	b := rev.Blocks[i]
	o := Original{Target: Target{RevisionID: rev.ID, Anchor: b.Anchor}, BlockHash: b.Hash}
	if start == 0 && end == 0 {
		return o
	}
	r := []rune(b.Text)
	o.Start, o.End = start, end
	o.Exact = string(r[start:end])
	o.Prefix = string(r[max(0, start-32):start])
	o.Suffix = string(r[end:min(len(r), end+32)])
	return o
}

func mustNote(t testing.TB, db *DB, author User, doc Document, a Audience, body string, target Original) Note {
	t.Helper()
	n, err := db.CreateNote(context.Background(), NewNote{
		DocumentID: doc.ID, AuthorID: author.ID, Audience: a, Body: body, Target: target,
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMigrationsIdempotentOnReopen(t *testing.T) {
	ctx := context.Background()
	path := emptyTestDSN(t)
	ms, err := migrations(testDialect)
	if err != nil {
		t.Fatal(err)
	}

	type record struct {
		version   int
		appliedAt string
	}
	records := func(db *DB) []record {
		t.Helper()
		rows, err := db.sql.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var rs []record
		for rows.Next() {
			var r record
			if err := rows.Scan(&r.version, &r.appliedAt); err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
		}
		return rs
	}

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	first := records(db)
	if len(first) != len(ms) {
		t.Fatalf("after first open, %d migrations recorded, want %d", len(first), len(ms))
	}
	ann := mustUser(t, db, "ann")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	for range 2 {
		db, err = Open(ctx, path)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		if got := records(db); !equalSlices(got, first) {
			t.Errorf("after reopen, records = %v, want unchanged %v", got, first)
		}
		if u, err := db.User(ctx, ann.ID); err != nil || u.Name != "ann" {
			t.Errorf("after reopen, User = %v, %v; want ann", u, err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func equalSlices[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The path goes into a file: URI; characters that mean something there
// must not cut it short or land the database elsewhere.
func TestOpenOddPaths(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	for _, name := range []string{"plain.db", "with space.db", "what?.db", "hash#tag.db", "100%.db", "ümlaut.db"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			db, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			mustUser(t, db, "ann")
			db.Close()
			// Reopening the same path finds the same data.
			db, err = Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, _, err := db.UserByName(ctx, "ann"); err != nil {
				t.Errorf("after reopening %q: %v", path, err)
			}
			if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) == 0 || entries[0].Name() != name {
				t.Errorf("files in directory: %v, want %q first", entries, name)
			}
		})
	}
}

// Several handles opening a new file at once (as two processes might) all
// succeed, and each migration is applied once.
func TestOpenConcurrently(t *testing.T) {
	ctx := context.Background()
	path := emptyTestDSN(t)
	const n = 6
	dbs := make([]*DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = Open(ctx, path) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Open %d: %v", i, errs[i])
			continue
		}
		defer dbs[i].Close()
	}
	if t.Failed() {
		return
	}
	ms, _ := migrations(testDialect)
	var count int
	if err := dbs[0].sql.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != len(ms) {
		t.Errorf("%d migration records, want %d", count, len(ms))
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := emptyTestDSN(t)
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (9999, ?)`, now()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err := Open(ctx, path); err == nil {
		db.Close()
		t.Fatal("Open of a database from a newer version succeeded")
	} else if !strings.Contains(err.Error(), "9999") {
		t.Errorf("error %q does not name the unknown version", err)
	}
}

// Every table of ours is STRICT (sqlite_% are SQLite's own).
func TestTablesAreStrict(t *testing.T) {
	sqliteOnly(t)
	db := openTestDB(t)
	rows, err := db.sql.Query(`SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var (
			name   string
			strict bool
		)
		if err := rows.Scan(&name, &strict); err != nil {
			t.Fatal(err)
		}
		n++
		if !strict {
			t.Errorf("table %s is not STRICT", name)
		}
	}
	if n < 9 {
		t.Errorf("found %d tables, want at least 9", n)
	}
}

// The pragmas are in the DSN, so connections opened later have them too,
// not only the one that ran the migrations.
func TestPragmasOnEveryConnection(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := openTestDB(t)
	check := func(name string, c *sql.Conn, want map[string]string) {
		t.Helper()
		for pragma, w := range want {
			var got string
			if err := c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != w {
				t.Errorf("%s: PRAGMA %s = %s, want %s", name, pragma, got, w)
			}
		}
	}
	rwWant := map[string]string{
		"foreign_keys": "1", "journal_mode": "wal", "busy_timeout": "5000", "synchronous": "2" /* FULL */, "query_only": "0",
		"cache_size": "-2000", // the default: this is a new connection (see below)
	}
	// The write pool has one connection: discard it each time (a Raw
	// callback returning ErrBadConn does that) so the next is a new one.
	// The cache_size set on each shows up on the next only if it is not new.
	for i := range 3 {
		c, err := db.sql.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprintf("write connection %d", i), c, rwWant)
		if _, err := c.ExecContext(ctx, "PRAGMA cache_size = -1234"); err != nil {
			t.Fatal(err)
		}
		c.Raw(func(any) error { return driver.ErrBadConn })
		c.Close()
	}
	// Hold several read connections at once so the pool must open new ones.
	roWant := map[string]string{"foreign_keys": "1", "journal_mode": "wal", "busy_timeout": "5000", "query_only": "1"}
	for i := range 4 {
		c, err := db.ro.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		check(fmt.Sprintf("read connection %d", i), c, roWant)
	}
}

// The read pool refuses writes, so a write slipping into a read method
// fails loudly.
func TestReadPoolIsQueryOnly(t *testing.T) {
	db := openTestDB(t)
	_, err := db.ro.Exec(`INSERT INTO groups (name, created_at) VALUES ('g', ?)`, now())
	if err == nil {
		t.Fatal("write through the read pool succeeded")
	}
}

// The sessions table is scs's sqlite3store's, which glossa used before
// its own session rows (sessions.go): rows it wrote read back the same,
// so readers stay signed in across the change.
func TestSessionsWithSQLite3Store(t *testing.T) {
	sqliteOnly(t) // scs's sqlite3store is SQLite's
	db := openTestDB(t)
	s := sqlite3store.NewWithCleanupInterval(db.SQL(), 0)

	exp := time.Now().Add(time.Hour).Truncate(time.Millisecond)
	if err := s.Commit("tok1", []byte("data1"), exp); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if row, err := db.FindSession(t.Context(), "tok1"); err != nil || string(row.Data) != "data1" || !row.Expiry.Equal(exp) {
		t.Fatalf("FindSession of sqlite3store's row = %q %v, %v; want data1 %v", row.Data, row.Expiry, err, exp)
	}
	b, found, err := s.Find("tok1")
	if err != nil || !found || string(b) != "data1" {
		t.Fatalf("Find = %q, %v, %v; want data1, true, nil", b, found, err)
	}
	// Commit again replaces.
	if err := s.Commit("tok1", []byte("data2"), time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if b, _, _ := s.Find("tok1"); string(b) != "data2" {
		t.Errorf("after second Commit, Find = %q, want data2", b)
	}
	// Expired sessions are not found.
	if err := s.Commit("old", []byte("x"), time.Now().Add(-time.Minute)); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if _, found, err := s.Find("old"); err != nil || found {
		t.Errorf("expired session: found = %v, err = %v; want false, nil", found, err)
	}
	if err := s.Delete("tok1"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, found, _ := s.Find("tok1"); found {
		t.Error("session found after Delete")
	}
}

// The schema refuses what the Go code would never write: these statements
// go around the methods, straight to SQL.
func TestSchemaConstraints(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	rev := mustPublish(t, db, pub("one", "First paragraph.", "Second paragraph."))
	other := mustPublish(t, db, pub("two", "Other document."))
	doc := mustDocument(t, db, "one")
	mustNote(t, db, ann, doc, Public, "kept", quote(rev, 0, 0, 5))
	if err := db.CreateToken(ctx, ann.ID, []byte("tok")); err != nil {
		t.Fatal(err)
	}

	// insertNote writes a valid note with one column overridden.
	insertNote := func(col string, val any) error {
		cols := map[string]any{
			"id": newNoteID(), "document_id": doc.ID, "author_id": ann.ID, "audience": "public",
			"group_id": nil, "body": "",
			"orig_revision_id": rev.ID, "orig_anchor": rev.Blocks[0].Anchor, "orig_block_hash": "h",
			"orig_exact": "First", "orig_prefix": "", "orig_suffix": "", "orig_start": 0, "orig_end": 5,
			"cur_revision_id": rev.ID, "cur_anchor": rev.Blocks[0].Anchor,
			"cur_exact": "First", "cur_prefix": "", "cur_suffix": "", "cur_start": 0, "cur_end": 5,
			"cur_status": "exact", "cur_score": 1.0, "created_at": now(), "updated_at": now(), "version": 1,
		}
		cols[col] = val
		var names, marks []string
		var args []any
		for k, v := range cols {
			names = append(names, k)
			marks = append(marks, "?")
			args = append(args, v)
		}
		_, err := db.sql.ExecContext(ctx, `INSERT INTO notes (`+strings.Join(names, ",")+`) VALUES (`+strings.Join(marks, ",")+`)`, args...)
		return err
	}
	if err := insertNote("body", "baseline"); err != nil {
		t.Fatalf("baseline note insert failed: %v", err)
	}

	tests := []struct {
		name string
		do   func() error
	}{
		{"note on missing document", func() error { return insertNote("document_id", 999) }},
		{"note by missing author", func() error { return insertNote("author_id", 999) }},
		{"note on another document's revision", func() error { return insertNote("orig_revision_id", other.ID) }},
		{"note current on another document's revision", func() error { return insertNote("cur_revision_id", other.ID) }},
		{"note on missing block", func() error { return insertNote("orig_anchor", "p-nothere") }},
		{"note replying to missing note", func() error { return insertNote("parent_id", "nosuchnote") }},
		{"unknown audience", func() error { return insertNote("audience", "friends") }},
		{"group audience without group", func() error { return insertNote("audience", "group") }},
		{"public note with group", func() error { return insertNote("group_id", 1) }},
		{"unknown status", func() error { return insertNote("cur_status", "lost") }},
		{"quote shorter than offsets", func() error { return insertNote("orig_end", 6) }},
		{"whole block not at 0", func() error { return insertNote("cur_exact", "") }},
		{"local timestamp", func() error { return insertNote("created_at", "2024-01-02T03:04:05+01:00") }},
		{"wrong type (STRICT)", func() error { return insertNote("orig_start", "zero") }},
		{"version 0", func() error { return insertNote("version", 0) }},
		{"token for missing user", func() error {
			_, err := db.sql.Exec(`INSERT INTO api_tokens (user_id, hash, created_at) VALUES (999, x'01', ?)`, now())
			return err
		}},
		{"block of missing revision", func() error {
			_, err := db.sql.Exec(`INSERT INTO blocks VALUES (999, 0, 'p-x', 'h', 't')`)
			return err
		}},
		{"current revision of another document", func() error {
			_, err := db.sql.Exec(`UPDATE documents SET current_revision_id = ? WHERE id = ?`, other.ID, doc.ID)
			return err
		}},
		{"user with notes deleted", func() error {
			_, err := db.sql.Exec(`DELETE FROM users WHERE id = ?`, ann.ID)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); err == nil {
				t.Error("succeeded, want a constraint error")
			}
		})
	}

	// Deleting a document takes its revisions, blocks and notes with it.
	if _, err := db.sql.Exec(`DELETE FROM documents WHERE id = ?`, doc.ID); err != nil {
		t.Fatalf("delete document: %v", err)
	}
	for _, q := range []string{
		`SELECT count(*) FROM revisions WHERE document_id = ?`,
		`SELECT count(*) FROM notes WHERE document_id = ?`,
		`SELECT count(*) FROM blocks WHERE revision_id IN (SELECT id FROM revisions WHERE document_id = ?)`,
	} {
		var n int
		if err := db.sql.QueryRow(q, doc.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s: %d rows left after deleting the document", q, n)
		}
	}
	// Deleting a user (now without notes) takes their tokens.
	if _, err := db.sql.Exec(`DELETE FROM users WHERE id = ?`, ann.ID); err != nil {
		t.Fatalf("delete user: %v", err)
	}
	if _, err := db.UserByToken(ctx, []byte("tok")); !errors.Is(err, ErrNotFound) {
		t.Errorf("token of deleted user: err = %v, want ErrNotFound", err)
	}
}
