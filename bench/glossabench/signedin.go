package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alexedwards/argon2id"

	"glossa/content"
	"glossa/store"
)

// Signed-in readers: the rows that ask as readers with accounts, each
// client a different account, since a page is cached per reader and the
// session is looked up per request.

// readerPassword is every bench reader's password. Their hashes are made
// with cheap argon2id parameters (a hash carries its own), so signing a
// hundred readers in measures neither argon2id nor its memory.
const readerPassword = "bench reader password"

var cheapHash = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// reader is a signed-in account: its session cookie.
type reader struct {
	name   string
	cookie *http.Cookie
}

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// makeReaders creates n accounts named prefix1..prefixN in db.
func makeReaders(ctx context.Context, db *store.DB, prefix string, n int) ([]store.User, error) {
	hash, err := store.HashPassword(readerPassword, cheapHash)
	if err != nil {
		return nil, err
	}
	users := make([]store.User, n)
	for i := range users {
		if users[i], err = db.CreateUser(ctx, fmt.Sprintf("%s%d", prefix, i+1), hash); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// signIn signs each user in at base through POST /signin, as a browser
// does, and returns their session cookies. Sign-in is limited per address
// (10 a minute), so the readers come from loopback addresses of their
// own, signInsPerAddress to each, as readers on many machines would.
func signIn(ctx context.Context, base string, users []store.User) ([]reader, error) {
	out := make([]reader, len(users))
	var c *http.Client
	for i, u := range users {
		if i%signInsPerAddress == 0 {
			if c != nil {
				c.CloseIdleConnections()
			}
			ip := net.IPv4(127, 0, byte(1+i/signInsPerAddress/250), byte(1+i/signInsPerAddress%250))
			d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}
			c = &http.Client{Transport: &http.Transport{DialContext: d.DialContext},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		}
		form := url.Values{"name": {u.Name}, "password": {readerPassword}}
		req, err := http.NewRequestWithContext(ctx, "POST", base+"/signin", strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		for _, ck := range resp.Cookies() {
			if ck.Name == "glossa_session" && ck.Value != "" {
				out[i] = reader{name: u.Name, cookie: ck}
			}
		}
		if resp.StatusCode != http.StatusSeeOther || out[i].cookie == nil {
			return nil, fmt.Errorf("sign in %s: status %d, no session cookie", u.Name, resp.StatusCode)
		}
	}
	if c != nil {
		c.CloseIdleConnections()
	}
	return out, nil
}

// signInsPerAddress stays under glossa's default sign-in limit per
// address (10 a minute), with room for the bench's other sign-ins.
const signInsPerAddress = 5

// asReader makes a GET of url as r, a same-origin navigation as a click on
// glossa's pages makes it; gzip only when asked.
func asReader(url string, r reader, gz bool) (*http.Request, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	req.AddCookie(r.cookie)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	return req, nil
}

// fetchAs GETs url as r and returns the body as sent (gzipped when gz and
// glossa compressed it) and whether it was gzipped.
func fetchAs(ctx context.Context, url string, r reader, gz bool) ([]byte, bool, error) {
	req, err := asReader(url, r, gz)
	if err != nil {
		return nil, false, err
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req.WithContext(ctx))
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, false, err
	}
	if resp.StatusCode != 200 {
		return nil, false, fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return b, resp.Header.Get("Content-Encoding") == "gzip", nil
}

// signedInPageRow compares GET /read/{slug} by the readers, in turn (each
// request the next reader: as many distinct readers as clients), with a
// plain handler sending each reader the very bytes glossa sent them, from
// memory, picked by their cookie. Both sides send the page uncompressed,
// as in the signed-out rows: the clients do not ask for gzip.
func signedInPageRow(ctx context.Context, cfg config, g *glossaServer, readers []reader, metric string, goal float64) (row, error) {
	pageURL := g.url + "/read/" + g.slug
	pages := map[string][]byte{}
	size := 0
	for _, r := range readers {
		b, _, err := fetchAs(ctx, pageURL, r, false)
		if err != nil {
			return row{}, err
		}
		if !bytes.Contains(b, []byte(">"+r.name+"<")) {
			return row{}, fmt.Errorf("%s: the page for %s does not name them: not signed in?", metric, r.name)
		}
		pages[r.cookie.Value] = b
		size = max(size, len(b))
	}
	ref, stop, err := serveLoopback(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie("glossa_session")
		if err != nil || pages[ck.Value] == nil {
			http.Error(w, "who?", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(pages[ck.Value])
	}))
	if err != nil {
		return row{}, err
	}
	defer stop()
	var next atomic.Int64
	as := func(base string) func() (*http.Request, error) {
		return func() (*http.Request, error) {
			return asReader(base+"/read/"+g.slug, readers[int(next.Add(1))%len(readers)], false)
		}
	}
	gv, rv, ratio, err := compare(ctx, cfg, target{"glossa", as(g.url), 200}, target{"reference", as(ref), 200})
	if err != nil {
		return row{}, err
	}
	who := fmt.Sprintf("%d distinct readers", len(readers))
	if len(readers) == 1 {
		who = "one reader"
	}
	return row{
		metric: fmt.Sprintf("%s, %s, %d KB page", metric, who, size/1024),
		glossa: fmt.Sprintf("%.0f", gv), ref: fmt.Sprintf("%.0f", rv),
		value: fmt.Sprintf("%.2f", ratio), goal: fmt.Sprintf("≥ %.1f", goal), met: yesNo(ratio >= goal),
	}, nil
}

// classDB seeds a class at path: a teacher's group with readers members
// and n notes to the group by twenty of them (every tenth a question, on
// phrases and whole paragraphs over every block), all visible to every
// member. It returns the members who read.
func classDB(ctx context.Context, cfg config, path string, readers, n int) ([]store.User, error) {
	g, err := startGlossa(ctx, path, quietLog())
	if err != nil {
		return nil, err
	}
	defer g.close()
	db := g.db
	teacher, err := makeReaders(ctx, db, "teacher", 1)
	if err != nil {
		return nil, err
	}
	grp, err := db.CreateGroup(ctx, teacher[0].ID, "Seminar")
	if err != nil {
		return nil, err
	}
	members, err := makeReaders(ctx, db, "student", max(readers, 20))
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if _, err := db.Join(ctx, m.ID, grp.InviteCode); err != nil {
			return nil, err
		}
	}
	d, err := db.Document(ctx, g.slug)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(12, 1))
	blocks := d.Current.Blocks
	t0 := time.Now()
	for i := range n {
		blk := blocks[rng.IntN(len(blocks))]
		t := store.Original{Target: store.Target{RevisionID: d.Current.ID, Anchor: blk.Anchor}, BlockHash: blk.Hash}
		if l := content.CodePoints(blk.Text); rng.IntN(2) == 0 && l > 2 {
			start := rng.IntN(l - 1)
			t.Start, t.End = start, min(l, start+3+rng.IntN(40))
			t.Exact, t.Prefix, t.Suffix, _ = content.QuoteContext(blk.Text, t.Start, t.End)
		}
		if _, err := db.CreateNote(ctx, store.NewNote{
			DocumentID: d.ID, AuthorID: members[i%20].ID, Audience: store.Members, GroupID: grp.ID, Target: t,
			Question: i%10 == 0, Body: fmt.Sprintf("Note %d to the seminar, with *some* Markdown and a [link](https://example.org/%d).", i, i%50),
		}); err != nil {
			return nil, fmt.Errorf("seed class note %d: %w", i, err)
		}
	}
	fmt.Fprintf(cfg.log, "  seeded %d group notes in %s\n", n, time.Since(t0).Round(time.Millisecond))
	return members[:readers], nil
}

// classRows measures the essay page with cfg.classNotes notes visible to
// one signed-in reader, on the class database: the page's HTML, what it
// weighs gzipped as a browser gets it, its throughput from the page cache
// against the same bytes from memory, and its render when the page cache
// misses.
func classRows(ctx context.Context, cfg config, path string, members []store.User) ([]row, error) {
	g, err := startGlossa(ctx, path, quietLog())
	if err != nil {
		return nil, err
	}
	defer g.close()
	readers, err := signIn(ctx, g.url, members[:1])
	if err != nil {
		return nil, err
	}
	r := readers[0]
	pageURL := g.url + "/read/" + g.slug
	what := fmt.Sprintf("Essay page, %s notes visible to one signed-in reader", thousands(cfg.classNotes))

	// Cold: each request its own URL, so the page cache misses (the
	// rendered note bodies stay cached after the first).
	var renders []float64
	var first time.Duration
	for i := range 1 + cfg.rounds {
		t0 := time.Now()
		if _, _, err := fetchAs(ctx, fmt.Sprintf("%s?cold=%d", pageURL, i), r, false); err != nil {
			return nil, err
		}
		d := time.Since(t0)
		if i == 0 {
			first = d
			continue
		}
		renders = append(renders, d.Seconds())
	}
	cold := time.Duration(median(renders) * float64(time.Second))

	html, _, err := fetchAs(ctx, pageURL, r, false)
	if err != nil {
		return nil, err
	}
	zipped, isGz, err := fetchAs(ctx, pageURL, r, true)
	if err != nil {
		return nil, err
	}
	if isGz {
		zr, err := gzip.NewReader(bytes.NewReader(zipped))
		if err != nil {
			return nil, err
		}
		if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, html) {
			return nil, fmt.Errorf("%s: the gzipped page is not the page (%v)", what, err)
		}
	}
	fmt.Fprintf(cfg.log, "  %s KB of HTML, %.1f KB gzipped (gzip: %v); render on a miss: first %s, then median %s\n",
		thousands(len(html)/1024), kb(int64(len(zipped))), isGz, first.Round(time.Millisecond), cold.Round(100*time.Microsecond))

	tp, err := signedInPageRow(ctx, cfg, g, readers, what+", from the page cache (req/s)", 0.5)
	if err != nil {
		return nil, err
	}
	htmlKB, zKB := kb(int64(len(html))), kb(int64(len(zipped)))
	return []row{
		{metric: what + ": HTML before compression", glossa: fmt.Sprintf("%.1f KB", htmlKB), value: fmt.Sprintf("%.1f KB", htmlKB),
			goal: "≤ 150 KB", met: yesNo(htmlKB <= 150)},
		{metric: what + ": body transferred, gzipped (same-origin navigation)", glossa: fmt.Sprintf("%.1f KB", zKB),
			value: fmt.Sprintf("%.1f KB", zKB), goal: "≤ 60 KB", met: yesNo(zKB <= 60)},
		tp,
		{metric: what + fmt.Sprintf(": render when the page cache misses (median of %d; the first %s)", len(renders), ms(first)),
			glossa: ms(cold), value: ms(cold), goal: "≤ 50 ms", met: yesNo(cold <= 50*time.Millisecond)},
	}, nil
}

// classMemoryRow runs cmd/glossa on the class database and has the
// members, each signed in, load the essay page in turn (each request the
// next reader: every one of them a page of its own in the page cache)
// with cfg.clients clients for cfg.rounds × cfg.duration; the row is the
// process's peak resident set over that run, as in the memory row. The
// readers sign in before the run (cheap hashes: no argon2id memory).
func classMemoryRow(ctx context.Context, cfg config, dir, path string, members []store.User) (row, error) {
	metric := fmt.Sprintf("Peak RSS of cmd/glossa, %s notes visible, %d distinct signed-in readers loading the page",
		thousands(cfg.classNotes), len(members))
	ch, err := startChild(ctx, cfg, dir, path)
	if err != nil {
		return row{}, err
	}
	if ch == nil {
		return skipped(metric, "≤ 64 MB", "not measured: go build ./cmd/glossa failed (run from the repository root)"), nil
	}
	defer ch.stop()
	metric += ch.limitNote
	readers, err := signIn(ctx, ch.base, members)
	if err != nil {
		return row{}, err
	}
	pageURL := ch.base + "/read/" + ch.slug
	page, _, err := fetchAs(ctx, pageURL, readers[0], false)
	if err != nil {
		return row{}, err
	}
	var next atomic.Int64
	t := target{"glossa", func() (*http.Request, error) {
		return asReader(pageURL, readers[int(next.Add(1))%len(readers)], true)
	}, 200}
	m, err := ch.peakDuring(ctx, cfg, t)
	if err != nil {
		return row{}, err
	}
	fmt.Fprintf(cfg.log, "  page %d KB, %s\n", len(page)/1024, m)
	mb := float64(m.peak) / 1024
	return row{
		metric: fmt.Sprintf("%s (%d KB page, gzip asked, %.0f req/s; RSS before the run %.0f MB)",
			metric, len(page)/1024, m.rate, float64(m.idle)/1024),
		glossa: fmt.Sprintf("%.1f MB", mb), value: fmt.Sprintf("%.1f MB", mb), goal: "≤ 64 MB", met: yesNo(mb <= 64),
	}, nil
}
