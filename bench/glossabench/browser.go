package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// weight is what one kind of resource cost a first load.
type weight struct {
	transferred, decoded int64
	count                int
}

// pageWeightRows loads url in a fresh headless Chromium with the cache off
// and adds up, from the DevTools network events, the bytes on the wire
// (Network.loadingFinished encodedDataLength: headers and body) and the
// decoded body bytes (Network.dataReceived dataLength) of every request the
// page makes except its live event stream, which never finishes: the
// document, stylesheets, scripts (modules included), images and fonts.
// JavaScript is a row of its own.
//
// With a session cookie, the page is loaded by that signed-in reader.
func pageWeightRows(ctx context.Context, cfg config, url, label string, session *http.Cookie) []row {
	total := "Essay page first load, " + label + ": HTML+CSS+JS+images, transferred / decoded"
	js := "Essay page first load, " + label + ": JS, transferred / decoded"
	skip := func(why string) []row {
		return []row{
			{metric: total, glossa: why, goal: "≤ 100 KB", met: "not measured"},
			{metric: js, glossa: why, goal: "≤ 20 KB", met: "not measured"},
		}
	}
	if !cfg.browser {
		return skip("skipped (not in this run)")
	}
	exe := os.Getenv("GLOSSA_CHROMIUM")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		return skip("skipped (no Chromium)")
	}
	byType, err := loadWeights(ctx, exe, url, session)
	if err != nil {
		fmt.Fprintln(cfg.log, "  page weight:", err)
		return skip("skipped (Chromium failed: see the log)")
	}
	var all weight
	var kinds []string
	for k, w := range byType {
		all.transferred += w.transferred
		all.decoded += w.decoded
		all.count += w.count
		kinds = append(kinds, fmt.Sprintf("%s %d (%.1f KB)", k, w.count, kb(w.transferred)))
	}
	slices.Sort(kinds)
	fmt.Fprintf(cfg.log, "  %s: %v\n", label, kinds)
	s := byType[string(network.ResourceTypeScript)]
	return []row{
		{metric: fmt.Sprintf("%s (%d requests)", total, all.count),
			glossa: fmt.Sprintf("%.1f KB / %.1f KB", kb(all.transferred), kb(all.decoded)),
			value:  fmt.Sprintf("%.1f KB", kb(all.transferred)), goal: "≤ 100 KB", met: yesNo(kb(all.transferred) <= 100)},
		{metric: fmt.Sprintf("%s (%d files)", js, s.count),
			glossa: fmt.Sprintf("%.1f KB / %.1f KB", kb(s.transferred), kb(s.decoded)),
			value:  fmt.Sprintf("%.1f KB", kb(s.transferred)), goal: "≤ 20 KB", met: yesNo(kb(s.transferred) <= 20)},
	}
}

func kb(n int64) float64 { return float64(n) / 1024 }

func loadWeights(ctx context.Context, exe, url string, session *http.Cookie) (map[string]weight, error) {
	dataDir, err := os.MkdirTemp("", "glossabench-chromium-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dataDir)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(dataDir),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()
	if err := chromedp.Do(tab); err != nil { // starts the browser, with no deadline
		return nil, err
	}

	var mu sync.Mutex
	kinds := map[network.RequestID]string{}
	decoded := map[network.RequestID]int64{}
	out := map[string]weight{}
	if err := chromedp.Listen(tab, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			kinds[e.RequestID] = string(e.Type)
		case *network.EventDataReceived:
			decoded[e.RequestID] += e.DataLength
		case *network.EventLoadingFinished:
			k := kinds[e.RequestID]
			if k == string(network.ResourceTypeEventSource) {
				return
			}
			w := out[k]
			w.transferred += int64(e.EncodedDataLength)
			w.decoded += decoded[e.RequestID]
			w.count++
			out[k] = w
		}
	}); err != nil {
		return nil, err
	}
	step, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	// chromedp enables the Network domain itself; a fresh profile has an
	// empty cache anyway, but say so.
	if _, err := chromedp.Call(step, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		return nil, err
	}
	if session != nil {
		httpOnly := true
		if _, err := chromedp.Call(step, network.SetCookie, network.SetCookieParams{Name: session.Name, Value: session.Value,
			URL: url, Path: "/", HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteLax}); err != nil {
			return nil, err
		}
	}
	if err := chromedp.Do(step,
		chromedp.Navigate(url),
		chromedp.WaitReady("body"),
		chromedp.Sleep(time.Second), // modules imported after load, images
	); err != nil {
		return nil, err
	}
	mu.Lock()
	defer mu.Unlock()
	return maps.Clone(out), nil
}
