package web

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"

	"glossa/content"
	"glossa/store"
)

// BenchmarkReadingPageBytes measures what a signed-in reader's reading
// page weighs (uncompressed HTML) with 0, 1,000 and 10,000 notes visible
// to them: the margins are summaries (margin.go), so the page grows with
// the essay's paragraphs, not with its notes.
//
//	go test ./web -run '^$' -bench ReadingPageBytes -benchtime 1x
func BenchmarkReadingPageBytes(b *testing.B) {
	for _, n := range []int{0, 1000, 10000} {
		b.Run(fmt.Sprintf("notes=%d", n), func(b *testing.B) {
			app := newApp(b)
			seedNotes(b, app, n)
			reader := app.signUp(b, "reader")
			var size int
			for b.Loop() {
				res := reader.get("/read/" + essaySlug)
				body := readBody(res)
				if res.StatusCode != http.StatusOK {
					b.Fatalf("status %d", res.StatusCode)
				}
				size = len(body)
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}

// BenchmarkClassPageUncached renders the reading page for a member of a
// seminar of 100 whose members wrote 10,000 notes to the group on
// phrases and whole paragraphs (as bench/glossabench's class database),
// all visible to the reader, when the page cache misses (each request its
// own query string). A member's page also offers the group's tours, so
// it covers every query a group's reader costs.
//
//	go test ./web -run '^$' -bench ClassPageUncached -benchtime 10x -cpuprofile cpu.out
func BenchmarkClassPageUncached(b *testing.B) {
	ctx := context.Background()
	app := newApp(b)
	c := app.signUp(b, "reader")
	members := []int64{viewerOfUser(b, app, "reader").UserID}
	teacher := must(app.db.CreateUser(ctx, "teacher", []byte("x")))
	grp := must(app.db.CreateGroup(ctx, teacher.ID, "Seminar"))
	for i := range 99 {
		u := must(app.db.CreateUser(ctx, fmt.Sprintf("student%d", i), []byte("x")))
		members = append(members, u.ID)
	}
	for _, id := range members {
		must(app.db.Join(ctx, id, grp.InviteCode))
	}
	e := app.essay(b)
	rng := rand.New(rand.NewPCG(12, 1))
	for i := range 10000 {
		blk := e.Current.Blocks[rng.IntN(len(e.Current.Blocks))]
		t := store.Original{Target: store.Target{RevisionID: e.Rev.ID, Anchor: blk.Anchor}, BlockHash: blk.Hash}
		if l := content.CodePoints(blk.Text); rng.IntN(2) == 0 && l > 2 {
			start := rng.IntN(l - 1)
			t.Start, t.End = start, min(l, start+3+rng.IntN(40))
			t.Exact, t.Prefix, t.Suffix, _ = content.QuoteContext(blk.Text, t.Start, t.End)
		}
		must(app.db.CreateNote(ctx, store.NewNote{
			DocumentID: e.ID, AuthorID: members[i%20], Audience: store.Members, GroupID: grp.ID, Target: t,
			Question: i%10 == 0, Body: fmt.Sprintf("Note %d to the seminar, with *some* Markdown and a [link](https://example.org/%d).", i, i%50),
		}))
	}
	benchUncachedPage(b, app, c)
}
