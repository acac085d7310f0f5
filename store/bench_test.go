package store

import (
	"context"
	"fmt"
	"testing"
)

// benchFixture publishes a document of 100 paragraphs and returns it with
// its author.
func benchFixture(b *testing.B) (*DB, User, Document) {
	b.Helper()
	db := openTestDB(b)
	ann := mustUser(b, db, "ann")
	var paras []string
	for i := range 100 {
		paras = append(paras, fmt.Sprintf("Paragraph %d says something worth a note or two.", i))
	}
	mustPublish(b, db, pub("essay", paras...))
	return db, ann, mustDocument(b, db, "essay")
}

func BenchmarkCreateNote(b *testing.B) {
	ctx := context.Background()
	db, ann, doc := benchFixture(b)
	i := 0
	for b.Loop() {
		_, err := db.CreateNote(ctx, NewNote{
			DocumentID: doc.ID, AuthorID: ann.ID, Audience: Public, Body: "A note.",
			Target: quote(doc.Current, i%100, 0, 9),
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkCreateNoteParallel measures writers contending for SQLite's one
// write lock.
func BenchmarkCreateNoteParallel(b *testing.B) {
	ctx := context.Background()
	db, ann, doc := benchFixture(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			_, err := db.CreateNote(ctx, NewNote{
				DocumentID: doc.ID, AuthorID: ann.ID, Audience: Public, Body: "A note.",
				Target: quote(doc.Current, i%100, 0, 9),
			})
			if err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// notesFixture adds 1,000 notes, a tenth of them private, spread over the
// document.
func notesFixture(b *testing.B) (*DB, User, Document) {
	b.Helper()
	db, ann, doc := benchFixture(b)
	for i := range 1000 {
		a := Public
		if i%10 == 0 {
			a = Private
		}
		mustNote(b, db, ann, doc, a, fmt.Sprintf("Note %d, with a short body.", i), quote(doc.Current, (i*37)%100, i%5, 9+i%5))
	}
	return db, ann, doc
}

// BenchmarkNotes lists a document's 1,000 notes, in reading order, as the
// page view does.
func BenchmarkNotes(b *testing.B) {
	ctx := context.Background()
	db, ann, doc := notesFixture(b)
	for _, bc := range []struct {
		name  string
		v     Viewer
		limit int
		want  int
	}{
		{"author/all", Viewer{ann.ID}, 0, 1000},
		{"signed-out/all", Viewer{}, 0, 900},
		{"signed-out/page50", Viewer{}, 50, 50},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				notes, err := db.Notes(ctx, bc.v, NoteQuery{DocumentID: doc.ID, Limit: bc.limit})
				if err != nil {
					b.Fatal(err)
				}
				if len(notes) != bc.want {
					b.Fatalf("%d notes, want %d", len(notes), bc.want)
				}
			}
		})
	}
}

// BenchmarkNotesParallel is many page views at once: the read pool lets them
// run side by side.
func BenchmarkNotesParallel(b *testing.B) {
	ctx := context.Background()
	db, _, doc := notesFixture(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.Notes(ctx, Viewer{}, NoteQuery{DocumentID: doc.ID, Limit: 50}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkCountNotes(b *testing.B) {
	ctx := context.Background()
	db, ann, doc := notesFixture(b)
	for b.Loop() {
		if _, err := db.CountNotes(ctx, Viewer{ann.ID}, doc.ID); err != nil {
			b.Fatal(err)
		}
	}
}
