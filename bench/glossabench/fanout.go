package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// fanOutRows connects cfg.readers signed-out readers to the document's
// event stream (GET /read/{slug}/events, as EventSource asks for it), then
// creates cfg.fanNotes public notes through the API one after another.
// For each note it takes the time from sending the POST until the last
// reader has read the note's event: the p50 and p99 of those times (over
// notes) are the rows; the p99 over every single delivery is printed too.
func fanOutRows(ctx context.Context, cfg config, g *glossaServer) ([]row, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tr := &http.Transport{MaxIdleConnsPerHost: -1, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	arrivals := make(chan time.Time, cfg.readers)
	var ready sync.WaitGroup
	ready.Add(cfg.readers)
	errc := make(chan error, cfg.readers)
	var wg sync.WaitGroup
	for range cfg.readers {
		wg.Go(func() {
			readied := false
			defer func() {
				if !readied {
					ready.Done()
				}
			}()
			req, err := http.NewRequestWithContext(ctx, "GET", g.url+"/read/"+g.slug+"/events", nil)
			if err != nil {
				errc <- err
				return
			}
			req.Header.Set("Accept", "text/event-stream")
			req.Header.Set("Cache-Control", "no-cache")
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
	// Let the streams settle into waiting before the first note.
	time.Sleep(200 * time.Millisecond)

	body, err := annotationJSON(ctx, g, "A note for every reader.")
	if err != nil {
		return nil, err
	}
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
		for range cfg.readers {
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
	fmt.Fprintf(cfg.log, "  every delivery (%d): p50 %s, p99 %s; last reader per note: p50 %s, p99 %s, max %s\n",
		len(all), ms(percentile(all, 50)), ms(percentile(all, 99)), ms(p50), ms(p99), ms(percentile(lasts, 100)))
	what := fmt.Sprintf("Live fan-out, %s SSE readers, until the last has the note (%d notes)", thousands(cfg.readers), cfg.fanNotes)
	return []row{
		{metric: what + ": p50", glossa: ms(p50), value: ms(p50), goal: "", met: ""},
		{metric: what + ": p99", glossa: ms(p99), value: ms(p99), goal: "≤ 50 ms", met: yesNo(p99 <= 50*time.Millisecond)},
	}, nil
}
