package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
)

// tableRows reads every row of every table (FTS shadow tables included) as
// text, each table's rows sorted, so two databases can be compared row by
// row whatever order their pages hold them in.
func tableRows(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	all := map[string][]string{}
	for _, table := range tables {
		rows, err := db.Query(`SELECT * FROM "` + table + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var got []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%q", vals))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		slices.Sort(got)
		all[table] = got
	}
	return all
}

func integrityOK(t *testing.T, db *sql.DB) {
	t.Helper()
	var res string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check: %q %v", res, err)
	}
}

// A backup taken when nobody writes holds every row of every table, and
// reopens as a glossa database.
func TestBackupCopiesEveryRow(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	s := newSeminar(t)
	n := s.groupNote(t, s.teacher, s.d1, "A guide note with *Markdown*.")
	s.reply(t, s.member, n, "A reply.")
	if _, err := s.db.CreateNote(ctx, NewNote{DocumentID: s.d1.ID, AuthorID: s.member.ID, Audience: Public,
		Body: "Tagged", Tags: []string{"one", "two"}, Target: quote(s.r1, 0, 0, 4)}); err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(t.TempDir(), "backup.db")
	if err := s.db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	integrityOK(t, b.SQL())
	want, got := tableRows(t, s.db.SQL()), tableRows(t, b.SQL())
	if len(want["notes"]) != 3 || len(want) < 10 {
		t.Fatalf("fixture too small: %d tables, %d notes", len(want), len(want["notes"]))
	}
	for table, rows := range want {
		if !slices.Equal(rows, got[table]) {
			t.Errorf("table %s: %d rows in the source, %d in the backup, or they differ", table, len(rows), len(got[table]))
		}
	}
	for table := range got {
		if _, ok := want[table]; !ok {
			t.Errorf("table %s is only in the backup", table)
		}
	}
	if _, err := b.Note(ctx, vw(s.member), n.ID); err != nil {
		t.Errorf("the backup does not answer for the guide note: %v", err)
	}
}

// Backup never overwrites a file.
func TestBackupRefusesExistingFile(t *testing.T) {
	sqliteOnly(t)
	db := openTestDB(t)
	path := filepath.Join(t.TempDir(), "there.db")
	if err := os.WriteFile(path, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := db.Backup(context.Background(), path)
	if !errors.Is(err, ErrBackupExists) {
		t.Fatalf("backup over a file: %v, want ErrBackupExists", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "precious" {
		t.Errorf("the file was changed: %q", b)
	}
	if err := db.Backup(context.Background(), ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty path: %v", err)
	}
}

// A backup taken while writers keep creating notes is a sound database
// holding every note acknowledged before it began, each with its body.
func TestBackupWhileWriting(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	rev := mustPublish(t, db, pub("essay", "One paragraph to write notes on.", "And another."))
	doc := mustDocument(t, db, "essay")

	var (
		mu    sync.Mutex
		acked = map[string]string{} // id -> body, answered without error
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := fmt.Sprintf("writer %d, note %d", w, i)
				n, err := db.CreateNote(ctx, NewNote{DocumentID: doc.ID, AuthorID: ann.ID, Audience: Public,
					Body: body, Target: quote(rev, i%2, 0, 3)})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked[n.ID] = body
				mu.Unlock()
			}
		})
	}
	// Let the writers get going, then back up three times while they write.
	dir := t.TempDir()
	for round := range 3 {
		for {
			mu.Lock()
			k := len(acked)
			mu.Unlock()
			if k >= 50*(round+1) {
				break
			}
			runtime.Gosched()
		}
		mu.Lock()
		before := maps.Clone(acked)
		mu.Unlock()
		path := filepath.Join(dir, fmt.Sprintf("backup-%d.db", round))
		if err := db.Backup(ctx, path); err != nil {
			t.Fatal(err)
		}
		b, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		integrityOK(t, b)
		var inBackup int
		for id, body := range before {
			var got string
			if err := b.QueryRow(`SELECT body FROM notes WHERE id = ?`, id).Scan(&got); err != nil || got != body {
				t.Errorf("round %d: note %s acknowledged before the backup: %q, %v; want %q", round, id, got, err, body)
			}
		}
		b.QueryRow(`SELECT count(*) FROM notes`).Scan(&inBackup)
		b.Close()
		if inBackup < len(before) {
			t.Errorf("round %d: %d notes in the backup, %d acknowledged before it", round, inBackup, len(before))
		}
	}
	close(stop)
	wg.Wait()
}
