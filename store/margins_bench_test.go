package store

import (
	"context"
	"fmt"
	"testing"
)

// classFixture is a seminar's document of 30 paragraphs: a teacher, 20
// students and 10,000 notes to the group, a tenth of them questions, one
// in fifty the teacher's (guide notes), every other one on a phrase, one
// in five with a reply. It returns the database, a student and the
// document.
func classFixture(b testing.TB, path string) (*DB, User, Document) {
	b.Helper()
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	teacher := mustUser(b, db, "teacher")
	g := mustGroup(b, db, teacher, "Seminar")
	var students []User
	for i := range 20 {
		u := mustUser(b, db, fmt.Sprintf("student%d", i))
		mustJoin(b, db, u, g)
		students = append(students, u)
	}
	var paras []string
	for i := range 30 {
		paras = append(paras, fmt.Sprintf("Paragraph %d says something worth a note or two, at a length a reader would call a paragraph of an essay.", i))
	}
	rev := mustPublish(b, db, pub("essay", paras...))
	doc := mustDocument(b, db, "essay")
	var last Note
	for i := range 10000 {
		author := students[i%20]
		if i%50 == 0 {
			author = teacher
		}
		n := NewNote{DocumentID: doc.ID, AuthorID: author.ID, Audience: Members, GroupID: g.ID,
			Question: i%10 == 3, Body: fmt.Sprintf("Note %d, with a *short* body.", i)}
		if i%5 == 4 {
			n = NewNote{AuthorID: author.ID, ParentID: last.ID, Body: fmt.Sprintf("Reply %d.", i)}
		} else if i%2 == 0 {
			n.Target = quote(rev, i%30, i%40, i%40+12)
		} else {
			n.Target = quote(rev, i%30, 0, 0)
		}
		created, err := db.CreateNote(ctx, n)
		if err != nil {
			b.Fatal(err)
		}
		if n.ParentID == "" {
			last = created
		}
	}
	return db, students[0], doc
}

// BenchmarkMargins chooses a reading page's margins for a student of a
// class that wrote 10,000 notes and replies on the document, all visible
// to them.
//
//	go test ./store -run '^$' -bench Margins -benchtime 20x
func BenchmarkMargins(b *testing.B) {
	ctx := context.Background()
	db, student, doc := classFixture(b, b.TempDir()+"/glossa.db")
	for _, o := range []struct {
		name  string
		order MarginOrder
	}{{"reading", MarginReading}, {"newest", MarginNewest}, {"reactions", MarginReactions}} {
		b.Run(o.name, func(b *testing.B) {
			q := MarginQuery{DocumentID: doc.ID, Order: o.order, Cards: 4, Marks: 20, Earlier: 5}
			for b.Loop() {
				m, err := db.Margins(ctx, vw(student), q)
				if err != nil {
					b.Fatal(err)
				}
				if m.Placed != 10000 {
					b.Fatalf("placed %d", m.Placed)
				}
			}
		})
	}
}
