package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"time"

	"glossa/content"
	"glossa/static"
	"glossa/store"
	"glossa/templates"
	"glossa/web"
)

// glossaServer is glossa running in this process on a loopback port, as
// cmd/glossa wires it, with a user and an API token for writes.
type glossaServer struct {
	dsn   string // the database, as store.Open takes it
	db    *store.DB
	srv   *web.Server
	hs    *http.Server
	url   string
	slug  string
	token string
	user  store.User

	closed bool
}

func startGlossa(ctx context.Context, path string, log *slog.Logger) (*glossaServer, error) {
	docs, err := content.Load(content.Essays)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	// One bench user writes as fast as it can: the per-user write limit
	// (120 a minute in production) would measure the limiter, not glossa.
	srv, err := web.New(ctx, web.Config{DB: db, Content: content.Essays, Templates: templates.FS, Static: static.FS, Logger: log,
		// The fan-out's readers are on one address, signed out or signed
		// up there (a class of a thousand), each account streaming once.
		WriteLimit: 1 << 30, SignInLimit: 1 << 30, MaxStreams: 1 << 20, MaxStreamsPerAddress: 1 << 20})
	if err != nil {
		db.Close()
		return nil, err
	}
	g := &glossaServer{dsn: path, db: db, srv: srv, slug: docs[0].Slug}
	g.user, err = db.CreateUser(ctx, "bench", []byte("x"))
	if errors.Is(err, store.ErrNameTaken) { // a database started before
		g.user, _, err = db.UserByName(ctx, "bench")
	}
	if err != nil {
		return nil, err
	}
	g.token = store.NewToken()
	if err := db.CreateToken(ctx, g.user.ID, store.HashToken(g.token)); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	g.url = "http://" + ln.Addr().String()
	// As cmd/glossa's server, minus the timeouts that only guard against
	// slow clients.
	g.hs = &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	g.hs.RegisterOnShutdown(srv.EndStreams)
	go g.hs.Serve(ln)
	return g, nil
}

func (g *glossaServer) close() {
	if g.closed {
		return
	}
	g.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	g.hs.Shutdown(ctx)
	g.srv.Close()
	g.db.Close()
}

// seedPublic writes n public notes by a seeding user on the document's
// current revision: every other one on a 12-character phrase (so the page
// highlights it), the rest on a whole block, as web's BenchmarkEssayPage
// seeds them.
func seedPublic(ctx context.Context, db *store.DB, slug string, n int) error {
	d, err := db.Document(ctx, slug)
	if err != nil {
		return err
	}
	u, err := db.CreateUser(ctx, fmt.Sprintf("public%d", rand.Int()), []byte("x"))
	if err != nil {
		return err
	}
	blocks := d.Current.Blocks
	for i := range n {
		blk := blocks[i%len(blocks)]
		t := store.Original{Target: store.Target{RevisionID: d.Current.ID, Anchor: blk.Anchor}, BlockHash: blk.Hash}
		if i%2 == 0 {
			l := content.CodePoints(blk.Text)
			start := (i * 7) % max(l-12, 1)
			t.Start, t.End = start, min(start+12, l)
			t.Exact, t.Prefix, t.Suffix, _ = content.QuoteContext(blk.Text, t.Start, t.End)
		}
		if _, err := db.CreateNote(ctx, store.NewNote{
			DocumentID: d.ID, AuthorID: u.ID, Audience: store.Public, Target: t,
			Body: fmt.Sprintf("Note %d with *some* Markdown and a [link](https://example.org/%d).", i, i%50),
		}); err != nil {
			return fmt.Errorf("seed note %d: %w", i, err)
		}
	}
	return nil
}

// seedPrivate writes n private notes by one user on random phrases (four
// in five) and whole blocks, from a fixed seed, as web's
// BenchmarkPublishRevision seeds them.
func seedPrivate(ctx context.Context, db *store.DB, slug string, n int) error {
	d, err := db.Document(ctx, slug)
	if err != nil {
		return err
	}
	u, err := db.CreateUser(ctx, "seed", []byte("x"))
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(4, 2))
	blocks := d.Current.Blocks
	for i := range n {
		blk := blocks[rng.IntN(len(blocks))]
		t := store.Original{Target: store.Target{RevisionID: d.Current.ID, Anchor: blk.Anchor}, BlockHash: blk.Hash}
		if l := content.CodePoints(blk.Text); rng.IntN(5) > 0 && l > 2 {
			start := rng.IntN(l - 1)
			t.Start, t.End = start, min(l, start+3+rng.IntN(40))
			t.Exact, t.Prefix, t.Suffix, _ = content.QuoteContext(blk.Text, t.Start, t.End)
		}
		if _, err := db.CreateNote(ctx, store.NewNote{
			DocumentID: d.ID, AuthorID: u.ID, Audience: store.Private, Target: t, Body: "A note.",
		}); err != nil {
			return fmt.Errorf("seed note %d: %w", i, err)
		}
	}
	return nil
}
