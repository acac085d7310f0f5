package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/httprate"
)

// defaultWriteLimit is how many state-changing requests a reader may make
// per minute by default: two a second for a whole minute, far above what a
// person writing, replying and reacting in a seminar does (a note every
// few seconds in a burst at most), low enough that a runaway script
// cannot fill the database or keep the one writer busy for everyone else.
const defaultWriteLimit = 120

// limitWrites limits each signed-in reader (by session or API token) to
// Config.WriteLimit state-changing requests per minute, keyed by user id
// so that a seminar behind one address (a school's NAT) shares nothing.
// Reads and requests by nobody in particular pass: a reader who is not
// signed in cannot write, and sign-in and sign-up have their own
// per-address limit. Over the limit the answer is 429 with Retry-After
// and a message saying what to do; nothing is written.
//
// It makes one limiter for the whole router: chi builds a group's
// middleware chain once per route, so a limiter made inside the
// middleware would count each route apart.
func (s *Server) limitWrites() func(http.Handler) http.Handler {
	lim := httprate.NewRateLimiter(s.cfg.WriteLimit, time.Minute,
		httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
			s.serveError(w, r, &httpError{status: http.StatusTooManyRequests,
				msg: "You have made too many changes in the last minute. Wait a minute and try again; nothing was saved this time."})
		}))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u := userFrom(r.Context())
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				u = nil
			}
			if u == nil || !lim.RespondOnLimit(w, r, "user:"+strconv.FormatInt(u.ID, 10)) {
				next.ServeHTTP(w, r)
			}
		})
	}
}
