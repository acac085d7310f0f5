package web

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"glossa/content"
	"glossa/library"
	"glossa/store"
)

// editedEssay is the essay with three paragraphs edited the way an editor
// does: a typo fixed, words inserted, one paragraph rewritten.
func editedEssay(tb testing.TB) []byte {
	tb.Helper()
	src, err := content.Essays.ReadFile(essaySlug + ".md")
	if err != nil {
		tb.Fatal(err)
	}
	paras := strings.Split(string(src), "\n\n")
	var long []int
	for i, p := range paras {
		if len(p) > 400 && !strings.HasPrefix(p, "#") && !strings.HasPrefix(p, "[^") && !strings.HasPrefix(p, "---") {
			long = append(long, i)
		}
	}
	if len(long) < 12 {
		tb.Fatalf("only %d long paragraphs", len(long))
	}
	typo, insert, rewrite := long[2], long[6], long[10]
	paras[typo] = strings.Replace(paras[typo], "the", "teh", 1)
	paras[insert] = "Put plainly, and as later sections argue, " + paras[insert]
	paras[rewrite] = "This paragraph was rewritten from scratch by the editor, and no sentence of the original survives in it."
	return []byte(strings.Join(paras, "\n\n"))
}

// BenchmarkPublishRevision publishes a revision of the essay that edits
// three paragraphs, with 10,000 notes on random phrases and paragraphs to
// re-anchor: alignment, placement of every note and the one transaction
// that stores the revision and every new target. Each iteration publishes
// the other source, so each is a real revision with every note to move;
// the counts reported are those of the edit (every other iteration), the
// others undo it.
func BenchmarkPublishRevision(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "glossa.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	original, err := content.Essays.ReadFile(essaySlug + ".md")
	if err != nil {
		b.Fatal(err)
	}
	sources := []fstest.MapFS{
		{essaySlug + ".md": {Data: editedEssay(b)}},
		{essaySlug + ".md": {Data: original}},
	}
	if _, err := library.Publish(ctx, db, sources[1], ""); err != nil {
		b.Fatal(err)
	}
	lib, _, err := library.Load(ctx, db, sources[1], "", slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	seedRandomNotes(b, db, must(lib.Doc(essaySlug)), 10000)

	var last library.PublishReport
	i := 0
	for b.Loop() {
		reps, err := library.Publish(ctx, db, sources[i%2], "")
		if err != nil || !reps[0].Published {
			b.Fatalf("publish: %+v, %v", reps, err)
		}
		if i%2 == 0 {
			last = reps[0] // the edit, not its undoing
		}
		i++
	}
	n := last.Notes
	b.ReportMetric(float64(n.Exact), "exact")
	b.ReportMetric(float64(n.Mapped), "mapped")
	b.ReportMetric(float64(n.Moved), "moved")
	b.ReportMetric(float64(n.Fuzzy), "fuzzy")
	b.ReportMetric(float64(n.Orphan), "orphan")
}

// seedRandomNotes writes n private notes by one user on random phrases
// (four in five) and whole paragraphs of the current revision, from a
// fixed seed.
func seedRandomNotes(tb testing.TB, db *store.DB, e *library.Doc, n int) {
	tb.Helper()
	ctx := context.Background()
	u, err := db.CreateUser(ctx, "seed", []byte("x"))
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 2))
	for range n {
		blk := e.Current.Blocks[rng.IntN(len(e.Current.Blocks))]
		t := store.Original{Target: store.Target{RevisionID: e.Rev.ID, Anchor: blk.Anchor}, BlockHash: blk.Hash}
		if l := content.CodePoints(blk.Text); rng.IntN(5) > 0 && l > 2 {
			start := rng.IntN(l - 1)
			t.Start, t.End = start, min(l, start+3+rng.IntN(40))
			t.Exact, t.Prefix, t.Suffix, _ = content.QuoteContext(blk.Text, t.Start, t.End)
		}
		if _, err := db.CreateNote(ctx, store.NewNote{
			DocumentID: e.ID, AuthorID: u.ID, Audience: store.Private, Target: t, Body: "A note.",
		}); err != nil {
			tb.Fatal(err)
		}
	}
}
