package web

import (
	"fmt"
	"glossa/store"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"
	"golang.org/x/net/html"
)

func TestSignUpSignInSignOut(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	doc := ann.page("/", http.StatusOK)
	if got := text(query(doc, ".who")); !strings.Contains(got, "ann") {
		t.Fatalf("header says %q", got)
	}
	res := ann.postForm("/signout", nil)
	readBody(res)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", res.StatusCode)
	}
	if query(ann.page("/", http.StatusOK), ".who") != nil {
		t.Fatal("still signed in after signing out")
	}

	c := app.client(t)
	res = c.postForm("/signin", url.Values{"name": {"ANN"}, "password": {"correct horse"}, "next": {"/read/" + essaySlug}})
	readBody(res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/read/"+essaySlug {
		t.Fatalf("sign in: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestSessionCookieAttributesAndRenewal(t *testing.T) {
	app := newApp(t)
	c := app.client(t)
	// A visit before signing in gets no session cookie at all (nothing to
	// store), so fixation needs a planted cookie: plant one and check that
	// signing in replaces it.
	u, _ := url.Parse(app.ts.URL)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "glossa_session", Value: "planted-token-planted-token-1234", Path: "/"}})
	res := c.postForm("/signup", url.Values{"name": {"ann"}, "password": {"correct horse"}, "password2": {"correct horse"}})
	readBody(res)
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "glossa_session" {
			session = ck
		}
	}
	if session == nil {
		t.Fatal("no session cookie set at sign-up")
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure {
		t.Errorf("cookie: HttpOnly=%v SameSite=%v Secure=%v", session.HttpOnly, session.SameSite, session.Secure)
	}
	if session.Value == "planted-token-planted-token-1234" {
		t.Error("session token not renewed at sign-in")
	}
}

func TestSignInErrorsDoNotEnumerate(t *testing.T) {
	app := newApp(t)
	app.signUp(t, "ann")
	c := app.client(t)
	msg := func(name, pw string) (int, string) {
		res := c.postForm("/signin", url.Values{"name": {name}, "password": {pw}})
		doc := parsePage(t, res, http.StatusUnauthorized)
		return res.StatusCode, text(query(doc, ".error-message"))
	}
	s1, m1 := msg("ann", "wrong password")
	s2, m2 := msg("nobody", "wrong password")
	if s1 != s2 || m1 != m2 || m1 == "" {
		t.Errorf("wrong password: %d %q; unknown name: %d %q", s1, m1, s2, m2)
	}
	// The name typed is kept in the form.
	res := c.postForm("/signin", url.Values{"name": {"ann"}, "password": {"nope nope"}})
	doc := parsePage(t, res, http.StatusUnauthorized)
	if got := attr(query(doc, "input[name=name]"), "value"); got != "ann" {
		t.Errorf("name not kept: %q", got)
	}
}

func TestSignUpValidation(t *testing.T) {
	app := newApp(t)
	app.signUp(t, "ann")
	c := app.client(t)
	cases := []struct {
		name, pw, pw2, field string
		status               int
	}{
		{"", "correct horse", "correct horse", "name", 422},
		{"has space", "correct horse", "correct horse", "name", 422},
		{"bob", "short", "short", "password", 422},
		{"bob", "correct horse", "correct hoarse", "password2", 422},
		{"Ann", "correct horse", "correct horse", "name", 409},
		{"аnn", "correct horse", "correct horse", "name", 409}, // Cyrillic а: looks like ann
	}
	for _, tc := range cases {
		res := c.postForm("/signup", url.Values{"name": {tc.name}, "password": {tc.pw}, "password2": {tc.pw2}})
		doc := parsePage(t, res, tc.status)
		if query(doc, "#"+tc.field+"-error") == nil {
			t.Errorf("%+v: no error beside %s", tc, tc.field)
		}
		if got := attr(query(doc, "input[name=name]"), "value"); got != tc.name {
			t.Errorf("name not kept: %q", got)
		}
		if tc.name == "аnn" && !strings.Contains(text(query(doc, "#name-error")), "looks like one that is taken") {
			t.Errorf("lookalike name: the error says %q", text(query(doc, "#name-error")))
		}
	}
}

func TestSignInRateLimited(t *testing.T) {
	app := newApp(t, func(c *Config) { c.SignInLimit = 3 })
	c := app.client(t)
	var last int
	for range 4 {
		res := c.postForm("/signin", url.Values{"name": {"x"}, "password": {"wrong password"}})
		readBody(res)
		last = res.StatusCode
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("4th attempt: %d, want 429", last)
	}
}

// Every "next" goes through localPath, which must refuse whatever a
// browser would resolve to another host, as http.Redirect will send it
// (it cleans the path: "/./\evil.example" became "/\evil.example", which
// browsers read as "//evil.example").
func TestOpenRedirectRefused(t *testing.T) {
	for _, tc := range []struct{ next, want string }{
		// Another site, however it is written.
		{"https://evil.example/", "/"},
		{"https:evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"//evil.example/", "/"},
		{"///evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"\\/evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"/./\\evil.example", "/"},
		{"/../\\evil.example", "/"},
		{"/read/../\\evil.example", "/"},
		{"/.\\evil.example", "/"},
		{"/%2F/evil.example", "/"},
		{"/%2f/evil.example", "/"},
		{"/%5Cevil.example", "/"},
		{"/%5cevil.example", "/"},
		{"/./%5Cevil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r\n/evil.example", "/"},
		{"\t//evil.example", "/"},
		{" //evil.example", "/"},
		{"/\x00/evil.example", "/"},
		{"/%09/evil.example", "/"},
		{"evil.example", "/"},
		{"", "/"},
		// Paths here, as http.Redirect sends them.
		{"/", "/"},
		{"/read/x?y=1#p-1", "/read/x?y=1#p-1"},
		{"/join/abc", "/join/abc"},
		{"/read/x/../y", "/read/y"},
		{"/..//evil.example", "/evil.example"},
		{"/./read/x", "/read/x"},
		{"/groups/1/", "/groups/1/"},
		{"/search?q=%2F%2Fx", "/search?q=%2F%2Fx"},
	} {
		if got := localNext(tc.next); got != tc.want {
			t.Errorf("localNext(%q) = %q, want %q", tc.next, got, tc.want)
		}
	}
}

// The hostile forms through the routes that redirect to a "next": sign-in,
// sign-up and the guide switch. What leaves, in Location, is a path here.
func TestRedirectsStayHere(t *testing.T) {
	app := newApp(t)
	app.signUp(t, "ann")
	hostile := []string{"/./\\evil.example", "/../\\evil.example", "/%5Cevil.example", "/%2F/evil.example", "//evil.example", "/\t/evil.example"}
	check := func(what string, res *http.Response) {
		t.Helper()
		readBody(res)
		loc := res.Header.Get("Location")
		if res.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("%s: %d → Location %q, want / ", what, res.StatusCode, loc)
		}
	}
	for i, next := range hostile {
		c := app.client(t)
		check("sign in, next="+next, c.postForm("/signin", url.Values{"name": {"ann"}, "password": {"correct horse"}, "next": {next}}))
		check("guide switch, next="+next, c.postForm("/prefs/guide", url.Values{"show": {"0"}, "next": {next}}))
		name := fmt.Sprintf("new%c", 'a'+i)
		check("sign up, next="+next, app.client(t).postForm("/signup", url.Values{"name": {name}, "password": {"correct horse"}, "password2": {"correct horse"}, "next": {next}}))
		doc := c.page("/signin?next="+url.QueryEscape(next), http.StatusOK)
		if got := attr(query(doc, `input[name="next"]`), "value"); got != "/" {
			t.Errorf("sign-in form keeps next %q, want /", got)
		}
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	app := newApp(t)
	ann := app.signUp(t, "ann")
	p := app.paragraph(t, 0)
	form := url.Values{"anchor": {p.Anchor}, "body": {"forged"}}.Encode()
	for _, h := range []http.Header{
		{"Sec-Fetch-Site": {"cross-site"}},
		{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {""}},
	} {
		h.Set("Content-Type", "application/x-www-form-urlencoded")
		res := ann.do("POST", "/read/"+essaySlug+"/notes", strings.NewReader(form), h)
		readBody(res)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site form post %v: %d, want 403", h, res.StatusCode)
		}
		res = ann.do("POST", "/api/documents/"+essaySlug+"/annotations/", strings.NewReader(`{}`),
			http.Header{"Sec-Fetch-Site": {"cross-site"}, "Content-Type": {"application/ld+json"}})
		readBody(res)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site API post: %d, want 403", res.StatusCode)
		}
	}
	if n := must(app.db.CountNotes(t.Context(), viewerOf(t.Context()), app.essay(t).ID)); n != 0 {
		t.Errorf("%d notes written by forged requests", n)
	}
}

// The hash an unknown name is compared against must be a well-formed
// argon2id hash with the server's parameters (so the comparison costs what
// a real one does), and must not match any password.
func TestDummyHashHasTheParameters(t *testing.T) {
	for _, p := range []*argon2id.Params{store.DefaultPasswordParams, cheapPasswords} {
		h, err := dummyHash(p)
		if err != nil {
			t.Fatal(err)
		}
		got, salt, key, err := argon2id.DecodeHash(h)
		if err != nil {
			t.Fatalf("dummy hash %q does not decode: %v", h, err)
		}
		if got.Memory != p.Memory || got.Iterations != p.Iterations || got.Parallelism != p.Parallelism ||
			len(salt) != int(p.SaltLength) || len(key) != int(p.KeyLength) {
			t.Errorf("dummy hash %q has parameters %+v, salt %d, key %d bytes; want %+v", h, got, len(salt), len(key), p)
		}
		if p == cheapPasswords {
			for _, pw := range []string{"", "not anyone's password", "correct horse battery"} {
				if ok, err := argon2id.ComparePasswordAndHash(pw, h); ok || err != nil {
					t.Errorf("password %q against the dummy hash: ok %v, err %v", pw, ok, err)
				}
			}
		}
	}
	other, _ := dummyHash(cheapPasswords)
	again, _ := dummyHash(cheapPasswords)
	if other == again {
		t.Error("two dummy hashes are the same: the salt and key are not random")
	}
}

// Hashes made with no parameters use glossa's (OWASP's minimum), and an
// account hashed with other parameters (the library's defaults, used
// before) still signs in: a hash carries its parameters.
func TestPasswordParams(t *testing.T) {
	h, err := store.HashPassword("a password long enough", nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _, _, err := argon2id.DecodeHash(string(h))
	if err != nil {
		t.Fatal(err)
	}
	if p.Memory != 19*1024 || p.Iterations != 2 || p.Parallelism != 1 {
		t.Errorf("default parameters m=%d t=%d p=%d, want OWASP's m=19456 t=2 p=1", p.Memory, p.Iterations, p.Parallelism)
	}
	old, err := store.HashPassword("a password long enough", &argon2id.Params{Memory: 64 * 1024, Iterations: 1, Parallelism: 2, SaltLength: 16, KeyLength: 32})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := argon2id.ComparePasswordAndHash("a password long enough", string(old)); !ok || err != nil {
		t.Fatalf("an old-parameter hash no longer matches: %v %v", ok, err)
	}
}

// The sign-up form says what a name and a password must be beside their
// fields from the start (aria-describedby), and still after a refusal,
// with the error; signing in shows no rules.
func TestSignUpFormShowsRules(t *testing.T) {
	app := newApp(t)
	c := app.client(t)
	check := func(doc *html.Node, field, want string) {
		t.Helper()
		rules := query(doc, "#"+field+"-rules")
		if rules == nil || !strings.Contains(text(rules), want) {
			t.Errorf("%s rules: %q, want them to say %q", field, text(rules), want)
		}
	}
	doc := c.page("/signup", http.StatusOK)
	check(doc, "name", strconv.Itoa(maxNameLen)+" letters and digits")
	check(doc, "password", "At least "+strconv.Itoa(minPasswordLen)+" characters")
	for field, want := range map[string]string{"name": "name-rules", "password": "password-rules", "password2": ""} {
		if got := attr(query(doc, "#"+field), "aria-describedby"); got != want {
			t.Errorf("#%s aria-describedby %q, want %q", field, got, want)
		}
	}

	res := c.postForm("/signup", url.Values{"name": {"-ann"}, "password": {"short"}, "password2": {"short"}})
	doc = parsePage(t, res, http.StatusUnprocessableEntity)
	check(doc, "name", strconv.Itoa(maxNameLen))
	for field, want := range map[string]string{"name": "name-rules name-error", "password": "password-rules password-error"} {
		in := query(doc, "#"+field)
		if got := attr(in, "aria-describedby"); got != want || attr(in, "aria-invalid") != "true" {
			t.Errorf("after a refusal, #%s aria-describedby %q (want %q), aria-invalid %q", field, got, want, attr(in, "aria-invalid"))
		}
	}

	doc = c.page("/signin", http.StatusOK)
	if query(doc, "#name-rules") != nil || attr(query(doc, "#name"), "aria-describedby") != "" {
		t.Error("the sign-in form shows the sign-up rules")
	}
}
