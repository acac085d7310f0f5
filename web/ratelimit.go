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
// A state-changing request by nobody in particular (a form posted signed
// out, a sign-in, a refused API call) counts against its address
// instead, with the same budget (addrKey, which honours
// Config.TrustedProxies): such requests write nothing to the database,
// but each still costs a parse, a lookup and a response, and a client
// must not make them without end. Sign-in and sign-up have their own,
// lower per-address limit besides. Reads pass. Over the limit the answer
// is 429 with Retry-After and a message saying what to do; nothing is
// written.
//
// It makes one limiter for the whole router: chi builds a group's
// middleware chain once per route, so a limiter made inside the
// middleware would count each route apart.
func (s *Server) limitWrites() func(http.Handler) http.Handler {
	lim := httprate.NewRateLimiter(s.cfg.WriteLimit, time.Minute,
		httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
			msg := "You have made too many changes in the last minute. Wait a minute and try again; nothing was saved this time."
			if userFrom(r.Context()) == nil {
				msg = "Too many requests from this address in the last minute. Wait a minute and try again; nothing was saved this time."
			}
			s.serveError(w, r, &httpError{status: http.StatusTooManyRequests, msg: msg})
		}))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				next.ServeHTTP(w, r)
				return
			}
			key := addrKey(r)
			if u := userFrom(r.Context()); u != nil {
				key = "user:" + strconv.FormatInt(u.ID, 10)
			}
			if !lim.RespondOnLimit(w, r, key) {
				next.ServeHTTP(w, r)
			}
		})
	}
}
