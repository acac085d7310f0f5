package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// logRecords keeps what a Server logs, for tests to read.
type logRecords struct {
	mu  sync.Mutex
	got []slog.Record
}

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, r.Clone())
	return nil
}
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecords) WithGroup(string) slog.Handler      { return l }

// take returns the records logged since the last take at level or above.
func (l *logRecords) take(level slog.Level) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.got {
		if r.Level >= level {
			s := r.Level.String() + " " + r.Message
			r.Attrs(func(a slog.Attr) bool { s += " " + a.String(); return true })
			out = append(out, s)
		}
	}
	l.got = nil
	return out
}

// When the client goes away, net/http cancels the request's context, and
// whatever the handler was waiting for (the database, a hashing slot)
// gives up with context.Canceled. That is nobody's error: it must not be
// logged as one, nor answered with a 500 page (nobody would read it). A
// deadline that runs out is still an error.
func TestClientGoneIsNotAServerError(t *testing.T) {
	logs := &logRecords{}
	app := newApp(t, func(c *Config) { c.Logger = slog.New(logs) })
	ann := app.signUp(t, "ann")
	base, err := url.Parse(app.ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	session := ann.http.Jar.Cookies(base)
	logs.take(slog.LevelDebug)

	gone, cancel := context.WithCancel(context.Background())
	cancel()
	late, cancelLate := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelLate()
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		method  string
		path    string
		signed  bool
		wantErr bool
	}{
		{"reading page, signed out", gone, "GET", "/read/" + essaySlug, false, false},
		{"reading page, signed in", gone, "GET", "/read/" + essaySlug, true, false},
		{"annotations API", gone, "GET", "/api/documents/" + essaySlug + "/annotations/", false, false},
		{"notebook", gone, "GET", "/notebook", true, false},
		{"reading page, deadline passed", late, "GET", "/read/" + essaySlug + "?sort=time", false, true},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil).WithContext(tc.ctx)
		if tc.signed {
			for _, c := range session {
				req.AddCookie(c)
			}
		}
		rec := httptest.NewRecorder()
		app.srv.ServeHTTP(rec, req)
		errs := logs.take(slog.LevelWarn)
		if tc.wantErr {
			if rec.Code != http.StatusInternalServerError || len(errs) == 0 {
				t.Errorf("%s: %d, logged %q; want a logged 500", tc.name, rec.Code, errs)
			}
			continue
		}
		if rec.Code >= 500 || strings.Contains(rec.Body.String(), "Something went wrong") {
			t.Errorf("%s, client gone: answered %d %q", tc.name, rec.Code, truncate(rec.Body.String(), 200))
		}
		if len(errs) > 0 {
			t.Errorf("%s, client gone: logged %q", tc.name, errs)
		}
	}
}
