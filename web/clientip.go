package web

import (
	"net/http"
	"net/netip"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"
)

// clientIP finds the address a request comes from, for the per-address
// limits (sign-in and sign-up, anonymous state changes). By default that
// is the TCP peer and nothing a client sends can change it. Behind a
// reverse proxy every reader would then share the proxy's address, and
// with it one budget, so Config.TrustedProxies names the proxies: only
// when the peer is one of them is X-Forwarded-For read, right to left,
// skipping trusted hops, and the first address that is not trusted is
// the client (chi's ClientIPFromXFF); X-Real-IP, which a proxy such as
// nginx overwrites, is the fallback when there is no X-Forwarded-For.
// A client that reaches glossa directly cannot choose its address.
func clientIP(trusted []netip.Prefix) func(http.Handler) http.Handler {
	if len(trusted) == 0 {
		return middleware.ClientIPFromRemoteAddr
	}
	cidrs := make([]string, len(trusted))
	for i, p := range trusted {
		cidrs[i] = p.String()
	}
	realIP := middleware.ClientIPFromHeader("X-Real-IP", cidrs...)
	xff := middleware.ClientIPFromXFF(cidrs...)
	// X-Real-IP first, so that X-Forwarded-For, when it names a client,
	// has the last word.
	return func(next http.Handler) http.Handler { return realIP(xff(next)) }
}

// addrKey is the key of a request's address in the per-address limits:
// the client's address (see clientIP), an IPv6 one cut to its /64, which
// one machine usually holds whole. When no address could be found (a
// forwarded chain that does not parse), the TCP peer stands in: sharing
// the proxy's budget is strictly safer than a key the client chose.
func addrKey(r *http.Request) string {
	ip := middleware.GetClientIP(r.Context())
	if ip == "" {
		ip = r.RemoteAddr
		if a, err := netip.ParseAddrPort(ip); err == nil {
			ip = a.Addr().Unmap().String()
		}
	}
	return "addr:" + httprate.CanonicalizeIP(ip)
}
