package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"glossa/internal/pgtest"
)

// postgresPass skips t unless the suite runs on PostgreSQL: a test that
// copies from SQLite to PostgreSQL runs once, in that pass.
func postgresPass(t *testing.T) {
	t.Helper()
	if testDialect != postgres {
		t.Skip("copies SQLite to PostgreSQL; runs once, in the PostgreSQL pass")
	}
}

// emptyPostgres is a fresh PostgreSQL database with nothing in it, not
// even glossa's schema.
func emptyPostgres(t *testing.T) string {
	return pgtest.NewDatabase(t, "glossa_empty_template", func(string) error { return nil })
}

// seedBroadly writes, through the store's API, at least one row of every
// table: users and tokens, sessions, two revisions of a document, a group
// with teachers, members, a removal, its tags and a post-first essay,
// notes of every audience with replies, an accepted answer, tags,
// reactions, a hidden note and a flag, mentions, a shared guide, an
// import, a deletion, what a reader is writing to.
func seedBroadly(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ann, bob, cat, dan := mustUser(t, db, "ann"), mustUser(t, db, "bob"), mustUser(t, db, "Çat"), mustUser(t, db, "dan")
	must(db.CreateToken(ctx, ann.ID, []byte("token-hash-of-ann")))
	must(db.SaveSession(ctx, "session-token", []byte("session data"), time.Now().Add(time.Hour)))

	r1 := mustPublish(t, db, pub("essay", "Café au lait, s’il vous plaît.", "Second paragraph here.", "A third one."))
	must(db.RecordOrigin(ctx, r1.ID, "embedded"))
	mustPublish(t, db, pub("other", "Another essay entirely."))
	doc := mustDocument(t, db, "essay")

	g, err := db.CreateGroup(ctx, ann.ID, "Seminar")
	must(err)
	g2, err := db.CreateGroup(ctx, ann.ID, "Second seminar")
	must(err)
	for _, u := range []User{bob, cat, dan} {
		_, err := db.Join(ctx, u.ID, g.InviteCode)
		must(err)
	}
	must(db.SetRole(ctx, ann.ID, g.ID, cat.ID, RoleTeacher))
	must(db.RemoveMember(ctx, ann.ID, g.ID, dan.ID))
	_, err = db.SetGroupTags(ctx, ann.ID, g.ID, []string{"theme", "method"})
	must(err)
	must(db.SetPostFirst(ctx, ann.ID, g.ID, doc.ID, true))
	must(db.SetWritingTo(ctx, bob.ID, doc.ID, Members, g.ID))

	pubNote, err := db.CreateNote(ctx, NewNote{DocumentID: doc.ID, AuthorID: ann.ID, Audience: Public,
		Body: "On *lait*, @bob", Mentions: []string{"bob"}, Tags: []string{"dairy", "food"}, Target: quote(r1, 0, 8, 12)})
	must(err)
	question, err := db.CreateNote(ctx, NewNote{DocumentID: doc.ID, AuthorID: bob.ID, Audience: Members, GroupID: g.ID,
		Question: true, Body: "Why a second paragraph?", Target: quote(r1, 1, 0, 0)})
	must(err)
	answer, err := db.CreateNote(ctx, NewNote{AuthorID: cat.ID, ParentID: question.ID, Body: "Because."})
	must(err)
	_, err = db.CreateNote(ctx, NewNote{AuthorID: ann.ID, ParentID: question.ID, Body: "And more."})
	must(err)
	_, err = db.Accept(ctx, ann.ID, question.ID, answer.ID)
	must(err)
	_, err = db.CreateNote(ctx, NewNote{DocumentID: doc.ID, AuthorID: bob.ID, Audience: Teachers, GroupID: g.ID,
		Body: "For teachers", Target: quote(r1, 2, 2, 7)})
	must(err)
	mustNote(t, db, bob, doc, Private, "Just mine", quote(r1, 2, 0, 0))
	guide, err := db.CreateNote(ctx, NewNote{DocumentID: doc.ID, AuthorID: ann.ID, Audience: Members, GroupID: g.ID,
		Body: "A guide", Target: quote(r1, 0, 0, 0)})
	must(err)
	_, err = db.Join(ctx, bob.ID, g2.InviteCode)
	must(err)
	_, err = db.ShareGuide(ctx, ann.ID, guide.ID)
	must(err)
	_, err = db.React(ctx, bob.ID, pubNote.ID, Helpful, true)
	must(err)
	must(db.FlagNote(ctx, bob.ID, guide.ID, "off topic"))
	flags, err := db.OpenFlags(ctx, ann.ID, 0)
	if err == nil && len(flags) > 0 {
		must(db.ResolveFlag(ctx, ann.ID, flags[0].ID))
	}
	_, err = db.Hide(ctx, ann.ID, answer.ID, "spoiler")
	must(err)
	gone := mustNote(t, db, bob, doc, Public, "to be deleted", quote(r1, 1, 0, 6))
	must(db.DeleteNote(ctx, bob.ID, gone.ID, 0))
	edited := mustNote(t, db, bob, doc, Public, "first words", quote(r1, 1, 7, 16))
	_, err = db.UpdateNote(ctx, bob.ID, edited.ID, 0, NoteUpdate{Body: "second words", Audience: Public})
	must(err)
	lait := quote(r1, 0, 8, 12)
	_, err = db.ImportNotes(ctx, ann.ID, doc.ID, []ImportNote{{Key: "1", Source: "https://x.test/a/1", Audience: Public,
		Body: "imported", Original: lait, Current: Current{Target: lait.Target, Status: StatusExact, Score: 1}}}, ImportAllowance{})
	must(err)
	must(db.MarkNotificationsRead(ctx, bob.ID))

	// A second revision re-anchors the notes (note_targets keeps both).
	p2 := pub("essay", "Café au lait, s’il vous plaît.", "Second paragraph here, edited.", "A third one.")
	mustPublish(t, db, p2)
}

// copiedRows reads every row of table, columns cols, as sorted strings.
func copiedRows(t *testing.T, db *sql.DB, table string, cols []string) []string {
	t.Helper()
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = quoteIdent(c)
	}
	rows, err := db.Query(`SELECT ` + strings.Join(q, ", ") + ` FROM ` + quoteIdent(table))
	if err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			switch x := v.(type) {
			case nil:
				b.WriteString("NULL")
			case []byte:
				fmt.Fprintf(&b, "%q", x)
			case string:
				fmt.Fprintf(&b, "%q", x)
			case float64:
				fmt.Fprintf(&b, "%g", x)
			default:
				fmt.Fprintf(&b, "%v", x)
			}
			if i < len(vals)-1 {
				b.WriteString(" | ")
			}
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// copyTables lists the tables CopyToPostgres fills and their columns.
func copyTables(t *testing.T, pg *sql.DB) map[string][]string {
	t.Helper()
	rows, err := pg.Query(`SELECT table_name::text, column_name::text FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_generated = 'NEVER' AND table_name <> 'schema_migrations'
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var tbl, col string
		if err := rows.Scan(&tbl, &col); err != nil {
			t.Fatal(err)
		}
		out[tbl] = append(out[tbl], col)
	}
	return out
}

// emptyOnSQLite are the tables one glossa on a SQLite file leaves empty
// by design, so the seed cannot fill them: who is reading live on each of
// several instances (presence across instances; PostgreSQL's).
var emptyOnSQLite = map[string]bool{"live_instances": true, "live_readers": true}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestCopyToPostgres copies a broadly seeded SQLite database into an
// empty PostgreSQL one and compares every table row by row; the source
// file is unchanged; the copy works as a glossa database (new ids follow
// the copied ones, search finds the copied notes); a second copy into it
// is refused.
func TestCopyToPostgres(t *testing.T) {
	postgresPass(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "glossa.db")
	lite, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	seedBroadly(t, lite)
	if err := lite.Close(); err != nil {
		t.Fatal(err)
	}
	before := fileSum(t, path)
	url := emptyPostgres(t)

	counts, err := CopyToPostgres(ctx, path, url)
	if err != nil {
		t.Fatal(err)
	}
	if after := fileSum(t, path); after != before {
		t.Error("the copy changed the SQLite file")
	}

	src, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	pg, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	tables := copyTables(t, pg.SQL())
	if len(tables) < 20 || len(counts) != len(tables) {
		t.Fatalf("%d tables in PostgreSQL, %d copied", len(tables), len(counts))
	}
	for _, c := range counts {
		cols := tables[c.Table]
		want := copiedRows(t, src, c.Table, cols)
		got := copiedRows(t, pg.SQL(), c.Table, cols)
		if len(want) == 0 && !emptyOnSQLite[c.Table] {
			t.Errorf("table %s: the seed wrote no row", c.Table)
		}
		if int64(len(want)) != c.Rows {
			t.Errorf("table %s: reported %d rows copied, the source has %d", c.Table, c.Rows, len(want))
		}
		for _, r := range want {
			if !slices.Contains(got, r) {
				t.Errorf("table %s: row only in SQLite: %s", c.Table, r)
			}
		}
		for _, r := range got {
			if !slices.Contains(want, r) {
				t.Errorf("table %s: row only in PostgreSQL: %s", c.Table, r)
			}
		}
	}

	// Identity sequences continue after the copied ids, the triggers are
	// on again, and the search index has the copied notes' words.
	u, err := pg.CreateUser(ctx, "eve", []byte("hash"))
	if err != nil {
		t.Fatalf("a new user after the copy: %v", err)
	}
	var maxID int64
	src.QueryRow(`SELECT max(id) FROM users`).Scan(&maxID)
	if u.ID <= maxID {
		t.Errorf("new user id %d, want more than the copied %d", u.ID, maxID)
	}
	var disabled int
	if err := pg.SQL().QueryRow(`SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'`).Scan(&disabled); err != nil || disabled != 0 {
		t.Errorf("%d triggers left disabled (%v)", disabled, err)
	}
	// The index's words are computed from the copied texts.
	for _, word := range []string{"lait", "guide", "dairy"} {
		var n int
		if err := pg.SQL().QueryRow(`SELECT count(*) FROM notes_fts WHERE words @@ to_tsquery('simple', ?)`, word).Scan(&n); err != nil || n == 0 {
			t.Errorf("the search index after the copy: %d notes with %q (%v)", n, word, err)
		}
	}

	if _, err := CopyToPostgres(ctx, path, url); !errors.Is(err, ErrTargetNotEmpty) {
		t.Errorf("a second copy into the same database: %v, want ErrTargetNotEmpty", err)
	}
}

// TestCopyToPostgresAllOrNothing: a row PostgreSQL refuses (text with a
// NUL character, which SQLite keeps) halfway through the copy leaves the
// target empty, its triggers on, and ready for a copy once the row is
// fixed. A source at an older schema version, a database of another
// application and a SQLite target are refused before anything is written.
func TestCopyToPostgresAllOrNothing(t *testing.T) {
	postgresPass(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "glossa.db")
	lite, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	seedBroadly(t, lite)
	if _, err := lite.SQL().Exec(`UPDATE flags SET reason = 'bad' || char(0) || 'reason'`); err != nil {
		t.Fatal(err)
	}
	lite.Close()
	url := emptyPostgres(t)

	_, err = CopyToPostgres(ctx, path, url)
	if err == nil || !strings.Contains(err.Error(), "table flags") {
		t.Fatalf("copy of a row PostgreSQL refuses: %v, want an error naming table flags", err)
	}
	if strings.Contains(err.Error(), "@127.0.0.1") && strings.Contains(url, ":") && strings.Contains(err.Error(), "password") {
		t.Errorf("error shows the URL's password: %v", err)
	}
	pg, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	for table := range copyTables(t, pg.SQL()) {
		var n int
		if err := pg.SQL().QueryRow(`SELECT count(*) FROM ` + quoteIdent(table)).Scan(&n); err != nil || n != 0 {
			t.Errorf("after the failed copy, %s has %d rows (%v)", table, n, err)
		}
	}
	var disabled int
	if err := pg.SQL().QueryRow(`SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'`).Scan(&disabled); err != nil || disabled != 0 {
		t.Errorf("%d triggers left disabled (%v)", disabled, err)
	}
	pg.Close()

	fixed, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fixed.SQL().Exec(`UPDATE flags SET reason = 'fixed'`); err != nil {
		t.Fatal(err)
	}
	fixed.Close()
	if _, err := CopyToPostgres(ctx, path, url); err != nil {
		t.Fatalf("the copy after fixing the row: %v", err)
	}

	// An older source is refused: it must be migrated first, and the copy
	// never writes to it.
	old := filepath.Join(t.TempDir(), "old.db")
	odb, err := open(ctx, old, 11)
	if err != nil {
		t.Fatal(err)
	}
	odb.Close()
	if _, err := CopyToPostgres(ctx, old, emptyPostgres(t)); err == nil || !strings.Contains(err.Error(), "schema version 11") {
		t.Errorf("copy from a version-11 file: %v", err)
	}

	other := emptyPostgres(t)
	conn, err := sql.Open("pgx", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(`CREATE TABLE invoices (id int)`); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if _, err := CopyToPostgres(ctx, path, other); !errors.Is(err, ErrTargetNotEmpty) || !strings.Contains(err.Error(), "invoices") {
		t.Errorf("copy into another application's database: %v", err)
	}
	if _, err := CopyToPostgres(ctx, path, filepath.Join(t.TempDir(), "x.db")); !errors.Is(err, ErrInvalid) {
		t.Errorf("copy to a SQLite file: %v", err)
	}
}
