package web

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"glossa/store"
)

// nbSeed is a notebook's worth of notes: a reader in two groups, among
// classmates who write to the groups, in public and privately.
type nbSeed struct {
	reader *client
	g1, g2 store.Group
}

// seedNotebook writes n notes and replies on the essay, of which the
// reader sees about three in five and wrote about two in five: their own
// private notes with tags, their notes to group 1 (some questions), a
// classmate's notes to group 1 and a teacher's public ones (each tenth
// answered by the reader), and another reader's private notes, which
// the reader must never see or count.
func seedNotebook(b testing.TB, app *testApp, n int) nbSeed {
	b.Helper()
	ctx := context.Background()
	s := nbSeed{reader: app.signUp(b, "reader")}
	reader := viewerOfUser(b, app, "reader").UserID
	var others [3]int64
	for i := range others {
		u, err := app.db.CreateUser(ctx, fmt.Sprintf("classmate%d", i), []byte("x"))
		if err != nil {
			b.Fatal(err)
		}
		others[i] = u.ID
	}
	teacher, mate, stranger := others[0], others[1], others[2]
	var err error
	if s.g1, err = app.db.CreateGroup(ctx, teacher, "Seminar One"); err != nil {
		b.Fatal(err)
	}
	if s.g2, err = app.db.CreateGroup(ctx, reader, "Reading Club"); err != nil {
		b.Fatal(err)
	}
	for _, u := range []int64{reader, mate} {
		if _, err := app.db.Join(ctx, u, s.g1.InviteCode); err != nil {
			b.Fatal(err)
		}
	}
	e := app.essay(b)
	tags := func(i int) []string {
		j := i / 5 // not in step with who writes, or with questions
		switch j % 3 {
		case 0:
			return nil
		case 1:
			return []string{fmt.Sprintf("tag%d", j%30)}
		}
		return []string{fmt.Sprintf("tag%d", j%30), fmt.Sprintf("theme%d", j%7)}
	}
	note := func(i int) store.NewNote {
		blk := e.Current.Blocks[i%len(e.Current.Blocks)]
		nn := store.NewNote{DocumentID: e.ID, Body: fmt.Sprintf("Note %d with *some* Markdown and a [link](https://example.org/%d).", i, i%50),
			Target: store.Original{Target: store.Target{RevisionID: e.Rev.ID, Anchor: blk.Anchor}, BlockHash: blk.Hash}}
		switch i % 5 {
		case 0:
			nn.AuthorID, nn.Audience, nn.Tags = reader, store.Private, tags(i)
		case 1:
			nn.AuthorID, nn.Audience, nn.GroupID, nn.Question, nn.Tags = reader, store.Members, s.g1.ID, i%3 == 0, tags(i)
		case 2:
			nn.AuthorID, nn.Audience, nn.GroupID, nn.Tags = mate, store.Members, s.g1.ID, tags(i)
		case 3:
			nn.AuthorID, nn.Audience, nn.Tags = teacher, store.Public, tags(i)
		default:
			nn.AuthorID, nn.Audience, nn.Tags = stranger, store.Private, tags(i)
		}
		return nn
	}
	// Concurrent writers: the store batches them into few transactions.
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		tops  []store.Note
		first error
	)
	work := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				made, err := app.db.CreateNote(ctx, note(i))
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				if err == nil && i%10 == 3 {
					tops = append(tops, made)
				}
				mu.Unlock()
			}
		})
	}
	replies := n / 11
	for i := range n - replies {
		work <- i
	}
	close(work)
	wg.Wait()
	if first != nil {
		b.Fatal(first)
	}
	for i := range replies {
		t := tops[i%len(tops)]
		if _, err := app.db.CreateNote(ctx, store.NewNote{DocumentID: e.ID, AuthorID: reader, ParentID: t.ID,
			Body: fmt.Sprintf("Reply %d.", i)}); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkNotebook serves a signed-in reader's notebook over 10,000
// notes and replies: their own (the default), everything they can see,
// with facets chosen, a later page, and a search with facets.
func BenchmarkNotebook(b *testing.B) {
	app := newApp(b)
	s := seedNotebook(b, app, 10000)
	for _, tc := range []struct{ name, path string }{
		{"yours", "/notebook"},
		{"all", "/notebook?show=all"},
		{"all/facets", fmt.Sprintf("/notebook?show=all&group=%d&tag=tag1&tag=theme3&question=1", s.g1.ID)},
		{"all/page=100", "/notebook?show=all&from=2000"},
		{"all/search+facets", fmt.Sprintf("/notebook?show=all&q=markdown&group=%d&tag=tag4&question=1", s.g1.ID)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var size int
			b.ReportAllocs()
			for b.Loop() {
				res := s.reader.get(tc.path)
				body := readBody(res)
				if res.StatusCode != http.StatusOK {
					b.Fatalf("%s: status %d", tc.path, res.StatusCode)
				}
				size = len(body)
			}
			b.ReportMetric(float64(size), "bytes/page")
		})
	}
}
