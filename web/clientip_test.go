package web

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// Behind a reverse proxy every request comes from the proxy's address.
// With the proxy named in TrustedProxies, each reader has their own
// sign-in budget (and anonymous-write budget), taken from the right-most
// address in X-Forwarded-For that is not a trusted proxy, so a client
// cannot pick a fresh address by writing its own X-Forwarded-For; with
// no proxy named (the default), the headers are ignored altogether.
func TestPerAddressLimitsBehindTrustedProxy(t *testing.T) {
	signIn := func(c *client, h http.Header) int {
		t.Helper()
		h = h.Clone()
		h.Set("Content-Type", "application/x-www-form-urlencoded")
		res := c.do("POST", "/signin", strings.NewReader(url.Values{"name": {"x"}, "password": {"wrong password"}}.Encode()), h)
		readBody(res)
		return res.StatusCode
	}
	xff := func(v string) http.Header { return http.Header{"X-Forwarded-For": {v}} }
	const tooMany, wrong = http.StatusTooManyRequests, http.StatusUnauthorized

	t.Run("trusted", func(t *testing.T) {
		app := newApp(t, func(c *Config) {
			c.SignInLimit = 2
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
		})
		c := app.client(t)
		for i, tc := range []struct {
			h    http.Header
			want int
		}{
			{xff("198.51.100.1"), wrong},
			{xff("198.51.100.1"), wrong},
			{xff("198.51.100.1"), tooMany},
			// Another reader behind the same proxy has a budget of their own.
			{xff("198.51.100.2"), wrong},
			// A client's own X-Forwarded-For comes first; the proxy adds
			// the address it saw, which is the one that counts.
			{xff("203.0.113.9, 198.51.100.1"), tooMany},
			{http.Header{"X-Forwarded-For": {"203.0.113.10", "198.51.100.1"}}, tooMany},
			// A trusted hop between is skipped.
			{xff("198.51.100.1, 127.0.0.2"), tooMany},
			// X-Real-IP, from a proxy that sets only that.
			{http.Header{"X-Real-IP": {"198.51.100.3"}}, wrong},
			{http.Header{"X-Real-IP": {"198.51.100.3"}}, wrong},
			{http.Header{"X-Real-IP": {"198.51.100.3"}}, tooMany},
		} {
			if got := signIn(c, tc.h); got != tc.want {
				t.Errorf("attempt %d %v: %d, want %d", i, tc.h, got, tc.want)
			}
		}
	})
	t.Run("default", func(t *testing.T) {
		app := newApp(t, func(c *Config) { c.SignInLimit = 2 })
		c := app.client(t)
		for i, v := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
			want := wrong
			if i == 2 {
				want = tooMany
			}
			if got := signIn(c, xff(v)); got != want {
				t.Errorf("attempt %d, X-Forwarded-For %s, no proxy trusted: %d, want %d", i, v, got, want)
			}
		}
	})
	t.Run("anonymous writes", func(t *testing.T) {
		app := newApp(t, func(c *Config) {
			c.WriteLimit = 1
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
		})
		c := app.client(t)
		post := func(addr string) int {
			h := xff(addr)
			h.Set("Content-Type", "application/x-www-form-urlencoded")
			res := c.do("POST", "/prefs/guide", strings.NewReader("show=0"), h)
			readBody(res)
			return res.StatusCode
		}
		for i, tc := range []struct {
			addr string
			want int
		}{{"198.51.100.1", http.StatusSeeOther}, {"198.51.100.1", tooMany}, {"198.51.100.2", http.StatusSeeOther}} {
			if got := post(tc.addr); got != tc.want {
				t.Errorf("anonymous POST %d from %s: %d, want %d", i, tc.addr, got, tc.want)
			}
		}
	})
}
