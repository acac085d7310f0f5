package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// BenchmarkSearch searches 10,000 notes on a 100-paragraph document, as a
// member of the group most of them are in: bodies of 8 to 40 words from a
// vocabulary of 2,000 (word i is 1/(i+1) as likely: Zipf-ish), a fifth of
// the notes private to their authors, a tag on every third.
//
//	go test ./store/ -run '^$' -bench Search -benchtime 2s
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	db, ann, doc := benchFixture(b)
	bob := mustUser(b, db, "bob")
	g := mustGroup(b, db, ann, "Seminar")
	mustJoin(b, db, bob, g)
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 2000)
	for i := range vocab {
		vocab[i] = fmt.Sprintf("w%dx", i)
	}
	vocab[0], vocab[1], vocab[50] = "alliance", "power", "realism"
	zipf := rand.NewZipf(rand.New(rand.NewPCG(3, 4)), 1.1, 1, uint64(len(vocab)-1))
	for i := range 10000 {
		words := make([]string, 8+rng.IntN(33))
		for j := range words {
			words[j] = vocab[zipf.Uint64()]
		}
		n := NewNote{DocumentID: doc.ID, AuthorID: ann.ID, Audience: Members, GroupID: g.ID,
			Body: strings.Join(words, " "), Target: quote(doc.Current, i%100, i%5, 9+i%5)}
		if i%2 == 1 {
			n.AuthorID = bob.ID
		}
		if i%5 == 0 {
			n.Audience, n.GroupID = Private, 0
		}
		if i%3 == 0 {
			n.Tags = []string{vocab[zipf.Uint64()]}
		}
		if _, err := db.CreateNote(ctx, n); err != nil {
			b.Fatal(err)
		}
	}
	v := vw(bob)
	for _, q := range []string{
		"alliance",                 // in about a fifth of the notes
		"realism power",            // two words
		`"alliance power"`,         // a phrase
		"w700x",                    // a rare word
		"power -alliance user:ann", // negation and a filter
		"tag:power",                // filters only
	} {
		parsed, err := ParseSearch(q)
		if err != nil {
			b.Fatal(err)
		}
		res, err := db.Search(ctx, v, parsed)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.Search(ctx, v, parsed); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Total), "matches")
		})
	}
}
