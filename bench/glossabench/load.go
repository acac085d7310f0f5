package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"glossa/content"
	"glossa/store"
)

// target is one side of a comparison: a base URL and how to make the
// request each client repeats, with the status that counts as success.
type target struct {
	name   string
	newReq func() (*http.Request, error)
	status int
}

// drive runs clients keep-alive clients against t for d and returns the
// successful requests per second. Any other answer is an error: a ratio
// over failures would mean nothing.
func drive(ctx context.Context, t target, clients int, d time.Duration) (float64, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	var ok atomic.Int64
	var firstErr error
	var once sync.Once
	fail := func(err error) { once.Do(func() { firstErr = err }) }
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				req, err := t.newReq()
				if err != nil {
					fail(err)
					return
				}
				resp, err := c.Do(req.WithContext(ctx))
				if err != nil {
					fail(err)
					return
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil {
					fail(err)
					return
				}
				if resp.StatusCode != t.status {
					fail(fmt.Errorf("%s: %s %s: status %d, want %d", t.name, req.Method, req.URL.Path, resp.StatusCode, t.status))
					return
				}
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	return float64(ok.Load()) / time.Since(start).Seconds(), ctx.Err()
}

// compare drives a and b alternately, cfg.rounds times each (the side that
// goes first alternates too), and returns the medians of each side's rate
// and of the per-round ratio a/b.
func compare(ctx context.Context, cfg config, a, b target) (ra, rb, ratio float64, err error) {
	var as, bs, rs []float64
	for i := range cfg.rounds {
		order := []*target{&a, &b}
		if i%2 == 1 {
			order = []*target{&b, &a}
		}
		got := map[*target]float64{}
		for _, t := range order {
			v, err := drive(ctx, *t, cfg.clients, cfg.duration)
			if err != nil {
				return 0, 0, 0, err
			}
			got[t] = v
		}
		as, bs = append(as, got[&a]), append(bs, got[&b])
		rs = append(rs, got[&a]/got[&b])
		fmt.Fprintf(cfg.log, "  round %d: %s %.0f/s, %s %.0f/s, ratio %.2f\n", i+1, a.name, got[&a], b.name, got[&b], got[&a]/got[&b])
	}
	return median(as), median(bs), median(rs), nil
}

// serveLoopback serves h on a fresh loopback port until ctx ends; it
// returns the base URL and a function that stops the server.
func serveLoopback(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	return "http://" + ln.Addr().String(), func() { hs.Close() }, nil
}

// pageRow compares GET /read/{slug}, signed out, with a plain net/http
// handler writing the very bytes glossa answered, from memory.
func pageRow(ctx context.Context, cfg config, g *glossaServer, metric string, goal float64) (row, error) {
	page, err := fetchPage(ctx, g.url+"/read/"+g.slug)
	if err != nil {
		return row{}, err
	}
	ref, stop, err := serveLoopback(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	if err != nil {
		return row{}, err
	}
	defer stop()
	get := func(url string) func() (*http.Request, error) {
		return func() (*http.Request, error) { return http.NewRequest("GET", url, nil) }
	}
	gv, rv, ratio, err := compare(ctx, cfg,
		target{"glossa", get(g.url + "/read/" + g.slug), 200},
		target{"reference", get(ref + "/page"), 200})
	if err != nil {
		return row{}, err
	}
	return row{
		metric: fmt.Sprintf("%s, %d KB page", metric, len(page)/1024),
		glossa: fmt.Sprintf("%.0f", gv), ref: fmt.Sprintf("%.0f", rv),
		value: fmt.Sprintf("%.2f", ratio), goal: fmt.Sprintf("≥ %.1f", goal), met: yesNo(ratio >= goal),
	}, nil
}

func fetchPage(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return io.ReadAll(resp.Body)
}

// annotationJSON is a W3C annotation on the first 12 characters of the
// document's longest block, public, as a script with a token posts it.
func annotationJSON(ctx context.Context, g *glossaServer, body string) ([]byte, error) {
	d, err := g.db.Document(ctx, g.slug)
	if err != nil {
		return nil, err
	}
	var blk store.Block
	for _, b := range d.Current.Blocks {
		if len(b.Text) > len(blk.Text) {
			blk = b
		}
	}
	exact, _, _, _ := content.QuoteContext(blk.Text, 0, 12)
	return json.Marshal(map[string]any{
		"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
		"body":     map[string]any{"type": "TextualBody", "value": body, "format": "text/markdown"},
		"audience": "public",
		"target": map[string]any{"source": g.url + "/read/" + g.slug, "selector": map[string]any{
			"type": "FragmentSelector", "conformsTo": "http://tools.ietf.org/rfc/rfc3236", "value": blk.Anchor,
			"refinedBy": []map[string]any{
				{"type": "TextPositionSelector", "start": 0, "end": 12},
				{"type": "TextQuoteSelector", "exact": exact},
			},
		}},
	})
}

func (g *glossaServer) createRequest(body []byte) func() (*http.Request, error) {
	return func() (*http.Request, error) {
		req, err := http.NewRequest("POST", g.url+"/api/documents/"+g.slug+"/annotations/", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/ld+json")
		req.Header.Set("Authorization", "Bearer "+g.token)
		return req, nil
	}
}

// createRow compares creating a note through the API (token lookup,
// cross-origin check, JSON decoding and validation, anchoring, the insert
// and its full-text index triggers, the event log, the JSON-LD answer)
// with a bare handler that reads the same request body and inserts the
// same row into a table with the notes table's columns but none of its
// constraints, indexes or triggers. That table lives in its own file
// opened with store.Open, so it has the very DSN pragmas (WAL,
// synchronous=FULL, immediate transactions) and the single-writer pool
// glossa has: each of its inserts is its own transaction, committed and
// fsynced before the answer, as each of glossa's notes is. On PostgreSQL
// the table is in a database of its own on the same server, opened the
// same way: the same write pool whose transactions take turns, the same
// synchronous commit.
func createRow(ctx context.Context, cfg config, g *glossaServer, dir string) (row, error) {
	body, err := annotationJSON(ctx, g, "A benchmark note with *some* Markdown.")
	if err != nil {
		return row{}, err
	}
	refDSN, err := cfg.database(ctx, dir, "reference")
	if err != nil {
		return row{}, err
	}
	ref, err := store.Open(ctx, refDSN)
	if err != nil {
		return row{}, err
	}
	defer ref.Close()
	if _, err := ref.SQL().ExecContext(ctx, `CREATE TABLE ref_notes AS SELECT * FROM notes WHERE 1 = 0`); err != nil {
		return row{}, err
	}
	d, err := g.db.Document(ctx, g.slug)
	if err != nil {
		return row{}, err
	}
	blk := d.Current.Blocks[0]
	const insert = `INSERT INTO ref_notes (id, document_id, author_id, audience, body,
		orig_revision_id, orig_anchor, orig_block_hash, orig_exact, orig_prefix, orig_suffix, orig_start, orig_end,
		cur_revision_id, cur_anchor, cur_start, cur_end, cur_exact, cur_prefix, cur_suffix, cur_status, cur_score,
		created_at, updated_at, version, question, hidden_reason)
		VALUES (?, ?, ?, 'public', ?, ?, ?, ?, ?, '', '', 0, 12, ?, ?, 0, 12, ?, '', '', 'exact', 1, ?, ?, 1, 0, '')`
	refURL, stop, err := serveLoopback(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil || len(b) == 0 {
			http.Error(w, "no body", 400)
			return
		}
		var id [16]byte
		rand.Read(id[:])
		now := time.Now().UTC().Format("2006-01-02T15:04:05.000000000Z")
		exact := "A benchmark "
		if _, err := ref.SQL().ExecContext(r.Context(), insert, hex.EncodeToString(id[:]), d.ID, g.user.ID,
			"A benchmark note with *some* Markdown.", d.Current.ID, blk.Anchor, blk.Hash, exact,
			d.Current.ID, blk.Anchor, exact, now, now); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":%q}`, hex.EncodeToString(id[:]))
	}))
	if err != nil {
		return row{}, err
	}
	defer stop()
	gv, rv, ratio, err := compare(ctx, cfg,
		target{"glossa", g.createRequest(body), http.StatusCreated},
		target{"reference", func() (*http.Request, error) {
			return http.NewRequest("POST", refURL+"/notes", bytes.NewReader(body))
		}, http.StatusCreated})
	if err != nil {
		return row{}, err
	}
	return row{
		metric: "Note creation via API (notes/s)", glossa: fmt.Sprintf("%.0f", gv), ref: fmt.Sprintf("%.0f", rv),
		value: fmt.Sprintf("%.2f", ratio), goal: "≥ 0.5", met: yesNo(ratio >= 0.5),
	}, nil
}
