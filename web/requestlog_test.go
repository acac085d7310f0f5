package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"
)

// records is a slog.Handler that hands each "request" record to a
// channel, at or above its level.
type records struct {
	level slog.Level
	ch    chan slog.Record
}

func (h records) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }
func (h records) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "request" {
		h.ch <- r
	}
	return nil
}
func (h records) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h records) WithGroup(string) slog.Handler      { return h }

// next is the next request line, as attributes.
func (h records) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case r := <-h.ch:
		attrs := map[string]any{"level": r.Level}
		r.Attrs(func(a slog.Attr) bool {
			attrs[a.Key] = a.Value.Any()
			return true
		})
		return attrs
	case <-time.After(30 * time.Second): // a hang, not a measure
		t.Fatal("no request was logged")
		return nil
	}
}

// Each request is logged once, with its method, route pattern (not the
// path), status, duration and bytes; static files only at Debug.
func TestRequestLog(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		h := records{level: level, ch: make(chan slog.Record, 16)}
		a := newApp(t, func(c *Config) { c.Logger = slog.New(h) })
		c := a.client(t)

		// The bytes logged are those sent: asked for gzip explicitly, the
		// client keeps the body as it came.
		drain := func(path string) int64 {
			res := c.do(http.MethodGet, path, nil, http.Header{"Accept-Encoding": {"gzip"}})
			n, _ := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return n
		}
		n := drain("/read/" + essaySlug)
		got := h.next(t)
		if got["method"] != http.MethodGet || got["route"] != "/read/{slug}" || got["status"] != int64(200) ||
			got["bytes"] != n || got["level"] != slog.LevelInfo {
			t.Errorf("reading page: logged %v, want GET /read/{slug} 200 with %d bytes at Info", got, n)
		}
		if d, ok := got["duration"].(time.Duration); !ok || d <= 0 {
			t.Errorf("reading page: duration %v", got["duration"])
		}

		drain("/static/css/site.css")
		drain("/no/such/page")
		got = h.next(t)
		if level == slog.LevelDebug {
			if got["route"] != "/static/*" || got["level"] != slog.LevelDebug {
				t.Errorf("static file at Debug: logged %v", got)
			}
			got = h.next(t)
		}
		// At Info, the stylesheet was not logged: the next line is the
		// page that does not exist.
		if got["route"] != "(none)" || got["status"] != int64(404) {
			t.Errorf("unknown page: logged %v, want route (none), 404", got)
		}
	}
}
