package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// fanOutRows measures live fan-out for each number of readers in
// cfg.readers twice: that many readers who are not signed in (all one
// viewer), then that many distinct signed-in members of one group, a
// lecture, each reader an account of its own, reading a note their
// teacher writes to the group. The lecture is signed up once, as large
// as the largest number; each smaller class is the first of its members.
func fanOutRows(ctx context.Context, cfg config, g *glossaServer) ([]row, error) {
	public, err := annotationJSON(ctx, g, "A note for every reader.")
	if err != nil {
		return nil, err
	}
	var rows []row
	for _, n := range cfg.readers {
		fmt.Fprintf(cfg.log, "  live fan-out to %d readers not signed in\n", n)
		r, err := fanOut(ctx, cfg, g, []string{g.url}, fmt.Sprintf("%s SSE readers not signed in", thousands(n)), make([]string, n), public, 50*time.Millisecond)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	most := slices.Max(cfg.readers)
	fmt.Fprintf(cfg.log, "  signing up %d members of one group\n", most)
	cookies, group, err := lecture(ctx, most, g)
	if err != nil {
		return nil, err
	}
	var note map[string]any
	if err := json.Unmarshal(public, &note); err != nil {
		return nil, err
	}
	note["audience"] = fmt.Sprintf("group:%d", group)
	toGroup, err := json.Marshal(note)
	if err != nil {
		return nil, err
	}
	for _, n := range cfg.readers {
		fmt.Fprintf(cfg.log, "  live fan-out to %d signed-in members\n", n)
		r, err := fanOut(ctx, cfg, g, []string{g.url}, fmt.Sprintf("%s distinct signed-in members of one group", thousands(n)), cookies[:n], toGroup, 50*time.Millisecond)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	if cfg.instances < 2 {
		return rows, nil
	}
	// Several instances on one database, as behind a load balancer: the
	// same members spread over them in turn, the note written to the
	// first, so most readers learn of it from another instance's notice.
	urls := []string{g.url}
	for range cfg.instances - 1 {
		other, err := startGlossa(ctx, g.dsn, quietLog())
		if err != nil {
			return nil, err
		}
		defer other.close()
		urls = append(urls, other.url)
	}
	for _, n := range cfg.readers {
		fmt.Fprintf(cfg.log, "  live fan-out to %d signed-in members on %d instances\n", n, len(urls))
		r, err := fanOut(ctx, cfg, g, urls, fmt.Sprintf("%s distinct signed-in members of one group, spread over %d instances", thousands(n), len(urls)), cookies[:n], toGroup, 100*time.Millisecond)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	return rows, nil
}

// lecture makes a group taught by the bench user and n members, each
// signed up through the sign-up form, and returns their session cookies
// and the group's id.
func lecture(ctx context.Context, n int, g *glossaServer) ([]string, int64, error) {
	grp, err := g.db.CreateGroup(ctx, g.user.ID, "Lecture")
	if err != nil {
		return nil, 0, err
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	cookies := make([]string, n)
	errs := make(chan error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range next {
				name := fmt.Sprintf("student%04d", i)
				form := url.Values{"name": {name}, "password": {"lecture-hall"}, "password2": {"lecture-hall"}}
				resp, err := client.PostForm(g.url+"/signup", form)
				if err != nil {
					errs <- err
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				for _, c := range resp.Cookies() {
					if c.Name == "glossa_session" {
						cookies[i] = c.Name + "=" + c.Value
					}
				}
				if resp.StatusCode != http.StatusSeeOther || cookies[i] == "" {
					errs <- fmt.Errorf("sign up %s: status %d, no session", name, resp.StatusCode)
					continue
				}
				u, _, err := g.db.UserByName(ctx, name)
				if err == nil {
					_, err = g.db.Join(ctx, u.ID, grp.InviteCode)
				}
				if err != nil {
					errs <- fmt.Errorf("%s joins the group: %w", name, err)
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, 0, err
	}
	return cookies, grp.ID, nil
}

// fanOut connects one reader per entry of cookies (a session cookie, or
// "" for a reader not signed in) to the document's event stream (GET
// /read/{slug}/events, as EventSource asks for it) on the instances at
// urls in turn, then creates cfg.fanNotes notes (the annotation body)
// through g's API one after another. For each note it takes the time from sending the POST until
// the last reader has read the note's event: the p50 and p99 of those
// times (over notes) are the rows, the p99 against goal; the p99 over
// every single delivery is printed too.
func fanOut(ctx context.Context, cfg config, g *glossaServer, urls []string, who string, cookies []string, body []byte, goal time.Duration) ([]row, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tr := &http.Transport{MaxIdleConnsPerHost: -1, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	readers := len(cookies)

	arrivals := make(chan time.Time, readers)
	var ready sync.WaitGroup
	ready.Add(readers)
	errc := make(chan error, readers)
	var wg sync.WaitGroup
	for i, cookie := range cookies {
		base := urls[i%len(urls)]
		wg.Go(func() {
			readied := false
			defer func() {
				if !readied {
					ready.Done()
				}
			}()
			req, err := http.NewRequestWithContext(ctx, "GET", base+"/read/"+g.slug+"/events", nil)
			if err != nil {
				errc <- err
				return
			}
			req.Header.Set("Accept", "text/event-stream")
			req.Header.Set("Cache-Control", "no-cache")
			if cookie != "" {
				req.Header.Set("Cookie", cookie)
			}
			resp, err := client.Do(req)
			if err != nil {
				errc <- err
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
				errc <- fmt.Errorf("events: status %d, %s", resp.StatusCode, resp.Header.Get("Content-Type"))
				return
			}
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				line := sc.Text()
				switch {
				case !readied && strings.HasPrefix(line, "retry:"):
					readied = true
					ready.Done()
				case line == "event: note":
					arrivals <- time.Now()
				}
			}
		})
	}
	waited := make(chan struct{})
	go func() { ready.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(60 * time.Second):
		return nil, fmt.Errorf("fan-out: readers not connected after 60 s")
	}
	select {
	case err := <-errc:
		return nil, fmt.Errorf("fan-out reader: %w", err)
	default:
	}
	// Let the streams settle into waiting before the first note: a
	// signed-in reader's stream counts who else is here when it opens
	// and when the readers change (at most twice a second).
	time.Sleep(time.Second)

	newReq := g.createRequest(body)
	var all, lasts []time.Duration
	for i := range cfg.fanNotes {
		req, err := newReq()
		if err != nil {
			return nil, err
		}
		posted := make(chan error, 1)
		t0 := time.Now()
		go func() {
			resp, err := client.Do(req.WithContext(ctx))
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					err = fmt.Errorf("create: status %d", resp.StatusCode)
				}
			}
			posted <- err
		}()
		var last time.Duration
		timeout := time.After(10 * time.Second)
		for range readers {
			select {
			case at := <-arrivals:
				d := at.Sub(t0)
				all = append(all, d)
				last = max(last, d)
			case err := <-errc:
				return nil, fmt.Errorf("fan-out reader: %w", err)
			case <-timeout:
				return nil, fmt.Errorf("fan-out note %d: not every reader had it after 10 s", i+1)
			}
		}
		if err := <-posted; err != nil {
			return nil, err
		}
		lasts = append(lasts, last)
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	wg.Wait()

	p50, p99 := percentile(lasts, 50), percentile(lasts, 99)
	fmt.Fprintf(cfg.log, "  %s: every delivery (%d): p50 %s, p99 %s; last reader per note: p50 %s, p99 %s, max %s\n",
		who, len(all), ms(percentile(all, 50)), ms(percentile(all, 99)), ms(p50), ms(p99), ms(percentile(lasts, 100)))
	what := fmt.Sprintf("Live fan-out, %s, until the last has the note (%d notes)", who, cfg.fanNotes)
	return []row{
		{metric: what + ": p50", glossa: ms(p50), value: ms(p50), goal: "", met: ""},
		{metric: what + ": p99", glossa: ms(p99), value: ms(p99), goal: fmt.Sprintf("≤ %d ms", goal.Milliseconds()), met: yesNo(p99 <= goal)},
	}, nil
}
