package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// logRequests logs each request once it is answered: its method, its
// route pattern (/read/{slug}, never the path with its slugs and ids),
// the status, how long it took and the bytes of the body sent. Static
// files and the favicon are logged at Debug, so a server's log shows
// the requests people make rather than each stylesheet and script; the
// rest at Info. A live stream is logged when it ends.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		level := slog.LevelInfo
		if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/favicon.ico" {
			level = slog.LevelDebug
		}
		if !s.log.Enabled(r.Context(), level) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK // nothing written: net/http answers 200
		}
		route := "(none)"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		// The request's own context may be cancelled by now (the
		// client left); the line is written all the same.
		s.log.LogAttrs(context.WithoutCancel(r.Context()), level, "request",
			slog.String("method", r.Method), slog.String("route", route), slog.Int("status", status),
			slog.Duration("duration", time.Since(start)), slog.Int("bytes", ww.BytesWritten()))
	})
}
