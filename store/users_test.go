package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCreateUser(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	mustUser(t, db, "Ann")

	tests := []struct {
		name    string
		hash    []byte
		wantErr error
	}{
		{"Bob", []byte("h"), nil},
		{"ann", []byte("h"), ErrNameTaken},
		{"ANN", []byte("h"), ErrNameTaken},
		{"Ann", []byte("h"), ErrNameTaken},
		{"Ann2", []byte("h"), nil},
		{"", []byte("h"), ErrInvalid},
		{"Cid", nil, ErrInvalid},
		// The account rules: web checks them, and so does the store.
		{"-dan", []byte("h"), ErrInvalid},
		{"dan smith", []byte("h"), ErrInvalid},
		{"dan<script>", []byte("h"), ErrInvalid},
		{strings.Repeat("d", MaxNameLen+1), []byte("h"), ErrInvalid},
		{strings.Repeat("d", MaxNameLen), []byte("h"), nil},
		{"dan.smith_2-b", []byte("h"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := time.Now()
			u, err := db.CreateUser(ctx, tt.name, tt.hash)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("CreateUser(%q) error = %v, want %v", tt.name, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if u.ID == 0 || u.Name != tt.name {
				t.Errorf("CreateUser = %+v", u)
			}
			if u.CreatedAt.Before(before.Add(-time.Second)) || u.CreatedAt.Location() != time.UTC {
				t.Errorf("CreatedAt = %v, want about now in UTC", u.CreatedAt)
			}
		})
	}
}

func TestUserLookups(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann, err := db.CreateUser(ctx, "Ann", []byte("secret-hash"))
	if err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{"Ann", "ann", "ANN"} {
		u, hash, err := db.UserByName(ctx, name)
		if err != nil {
			t.Fatalf("UserByName(%q): %v", name, err)
		}
		if u != ann || string(hash) != "secret-hash" {
			t.Errorf("UserByName(%q) = %+v, %q; want %+v, secret-hash", name, u, hash, ann)
		}
	}
	if _, _, err := db.UserByName(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("UserByName(nobody) error = %v, want ErrNotFound", err)
	}

	u, err := db.User(ctx, ann.ID)
	if err != nil || u != ann {
		t.Errorf("User(%d) = %+v, %v; want %+v", ann.ID, u, err, ann)
	}
	if _, err := db.User(ctx, ann.ID+100); !errors.Is(err, ErrNotFound) {
		t.Errorf("User(unknown) error = %v, want ErrNotFound", err)
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	ann := mustUser(t, db, "ann")
	bob := mustUser(t, db, "bob")

	if err := db.CreateToken(ctx, ann.ID, []byte("ann-token-hash")); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateToken(ctx, bob.ID, []byte("bob-token-hash")); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateToken(ctx, ann.ID, []byte("ann-second-hash")); err != nil {
		t.Fatalf("second token for the same user: %v", err)
	}

	t.Run("errors", func(t *testing.T) {
		if err := db.CreateToken(ctx, 999, []byte("x")); !errors.Is(err, ErrNotFound) {
			t.Errorf("token for unknown user: error = %v, want ErrNotFound", err)
		}
		if err := db.CreateToken(ctx, bob.ID, []byte("ann-token-hash")); err == nil {
			t.Error("duplicate token hash accepted")
		}
		if err := db.CreateToken(ctx, bob.ID, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("empty hash: error = %v, want ErrInvalid", err)
		}
		if _, err := db.UserByToken(ctx, []byte("unknown")); !errors.Is(err, ErrNotFound) {
			t.Errorf("UserByToken(unknown) error = %v, want ErrNotFound", err)
		}
	})

	lastUsed := func(hash string) string {
		t.Helper()
		var s *string
		if err := db.sql.QueryRow(`SELECT last_used_at FROM api_tokens WHERE hash = ?`, []byte(hash)).Scan(&s); err != nil {
			t.Fatal(err)
		}
		if s == nil {
			return ""
		}
		return *s
	}
	if got := lastUsed("ann-token-hash"); got != "" {
		t.Fatalf("unused token has last_used_at %q", got)
	}

	for _, tt := range []struct {
		hash string
		want User
	}{
		{"ann-token-hash", ann},
		{"bob-token-hash", bob},
		{"ann-second-hash", ann},
	} {
		u, err := db.UserByToken(ctx, []byte(tt.hash))
		if err != nil || u != tt.want {
			t.Errorf("UserByToken(%s) = %+v, %v; want %+v", tt.hash, u, err, tt.want)
		}
	}
	first := lastUsed("ann-token-hash")
	if first == "" {
		t.Fatal("UserByToken did not record last_used_at")
	}
	// A use within tokenUseResolution of the recorded one writes nothing.
	if _, err := db.UserByToken(ctx, []byte("ann-token-hash")); err != nil {
		t.Fatal(err)
	}
	if second := lastUsed("ann-token-hash"); second != first {
		t.Errorf("last_used_at went from %s to %s at once, want it kept", first, second)
	}
	// One older than that is rewritten.
	old := time.Now().UTC().Add(-2 * tokenUseResolution).Format(timeFormat)
	if _, err := db.sql.Exec(`UPDATE api_tokens SET last_used_at = ? WHERE hash = ?`, old, []byte("ann-token-hash")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UserByToken(ctx, []byte("ann-token-hash")); err != nil {
		t.Fatal(err)
	}
	if third := lastUsed("ann-token-hash"); third <= old {
		t.Errorf("last_used_at %s kept at a later use, want it rewritten", third)
	}
}

// Names are one account whatever their case, in any script: Unicode case
// folding after NFKC, not SQLite's ASCII-only NOCASE.
func TestNamesFoldUnicode(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	for _, name := range []string{"Åsa", "Straße", "Ωmega"} {
		if _, err := db.CreateUser(ctx, name, []byte("h")); err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	for _, name := range []string{"åsa", "ÅSA", "STRASSE", "strasse", "ωMEGA", "ΩMEGA"} {
		if _, err := db.CreateUser(ctx, name, []byte("h")); !errors.Is(err, ErrNameTaken) {
			t.Errorf("create %s: %v, want ErrNameTaken", name, err)
		}
	}
	for in, want := range map[string]string{"åsa": "Åsa", "ÅSA": "Åsa", "strasse": "Straße", "ωmega": "Ωmega"} {
		u, _, err := db.UserByName(ctx, in)
		if err != nil || u.Name != want {
			t.Errorf("UserByName(%q) = %q, %v; want %q", in, u.Name, err, want)
		}
	}
	if _, err := db.CreateUser(ctx, "Asa", []byte("h")); err != nil {
		t.Errorf("Asa is not Åsa: %v", err)
	}
}

// Accounts made before names folded get their keys when the database is
// opened; two whose names fold alike both stay and both sign in by their
// exact names, the older by any spelling, and no third can be made.
func TestNameKeysForOldAccounts(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "glossa.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	// As the previous release left them: no keys, no unique index, and
	// NOCASE let both Émile and émile in.
	for _, q := range []string{
		`DROP INDEX users_name_key`,
		`INSERT INTO users (name, password_hash, created_at) VALUES ('Émile', x'01', '2026-01-01T00:00:00.000000000Z')`,
		`INSERT INTO users (name, password_hash, created_at) VALUES ('émile', x'02', '2026-01-02T00:00:00.000000000Z')`,
		`INSERT INTO users (name, password_hash, created_at) VALUES ('Zoë', x'03', '2026-01-03T00:00:00.000000000Z')`,
	} {
		if _, err := db.SQL().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	if db, err = Open(ctx, path); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	var missing int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM users WHERE name_key IS NULL`).Scan(&missing); err != nil || missing != 0 {
		t.Fatalf("%d accounts without a key (%v)", missing, err)
	}
	for in, want := range map[string]string{"Émile": "Émile", "émile": "émile", "ÉMILE": "Émile", "zoë": "Zoë", "ZOË": "Zoë"} {
		u, hash, err := db.UserByName(ctx, in)
		if err != nil || u.Name != want || len(hash) != 1 {
			t.Errorf("UserByName(%q) = %q, %v; want %q", in, u.Name, err, want)
		}
	}
	if _, err := db.CreateUser(ctx, "ÉMILE", []byte("h")); !errors.Is(err, ErrNameTaken) {
		t.Errorf("a third Émile: %v, want ErrNameTaken", err)
	}
	if _, err := db.CreateUser(ctx, "zoË", []byte("h")); !errors.Is(err, ErrNameTaken) {
		t.Errorf("a second Zoë: %v, want ErrNameTaken", err)
	}
}

// Names that only look alike are one name at sign-up: letters from
// another script (Cyrillic "о" in "bоb"), a whole name in another script,
// digits for letters. Distinct names stay distinct, accents included.
func TestLookalikeNamesRefused(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	for _, name := range []string{"bob", "poe", "Ilse", "josé"} {
		mustUser(t, db, name)
	}
	for _, tc := range []struct {
		name string
		want error
	}{
		{"b\u043eb", ErrNameLookalike}, // Cyrillic o
		{"B\u043eB", ErrNameLookalike},
		{"\u0440\u043e\u0435", ErrNameLookalike}, // Cyrillic "рое", all of it
		{"b0b", ErrNameLookalike},
		{"lIse", ErrNameLookalike},           // capital I for l
		{"\uff42\uff4f\uff42", ErrNameTaken}, // fullwidth ｂｏｂ: NFKC makes it bob
		{"BOB", ErrNameTaken},
		{"jose", nil},
		{"bobby", nil},
		{"ilse2", nil},
	} {
		_, err := db.CreateUser(ctx, tc.name, []byte("h"))
		if !errors.Is(err, tc.want) {
			t.Errorf("CreateUser(%q) = %v, want %v", tc.name, err, tc.want)
		}
	}
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil || n != 7 {
		t.Errorf("%d accounts (%v), want 4 + 3", n, err)
	}
}

// Accounts made before lookalikes were refused get their skeletons when
// the database is opened; two that look alike both keep signing in by
// their own names, and no third can be made.
func TestNameSkeletonsForOldAccounts(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "glossa.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	// As the previous release left them: no skeletons, and the Cyrillic
	// "bоb" let in beside "bob".
	for _, q := range []string{
		`INSERT INTO users (name, name_key, password_hash, created_at) VALUES ('bob', 'bob', x'01', '2026-01-01T00:00:00.000000000Z')`,
		"INSERT INTO users (name, name_key, password_hash, created_at) VALUES ('b\u043eb', 'b\u043eb', x'02', '2026-01-02T00:00:00.000000000Z')",
	} {
		if _, err := db.SQL().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	if db, err = Open(ctx, path); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	var missing int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM users WHERE name_skeleton IS NULL`).Scan(&missing); err != nil || missing != 0 {
		t.Fatalf("%d accounts without a skeleton (%v)", missing, err)
	}
	for in, want := range map[string]byte{"bob": 1, "b\u043eb": 2} {
		u, hash, err := db.UserByName(ctx, in)
		if err != nil || u.Name != in || len(hash) != 1 || hash[0] != want {
			t.Errorf("UserByName(%q) = %q, %x, %v", in, u.Name, hash, err)
		}
	}
	if _, err := db.CreateUser(ctx, "b0b", []byte("h")); !errors.Is(err, ErrNameLookalike) {
		t.Errorf("a third bob: %v, want ErrNameLookalike", err)
	}
}

// A name that breaks the rules is a *FieldError on "name", whose
// sentence is the one the sign-up form shows, and nothing is written.
func TestCreateUserNameRules(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	for name, want := range map[string]string{
		"":                                "Choose a name.",
		strings.Repeat("é", MaxNameLen+1): "A name has at most 32 characters.",
		"_ann":                            "A name has letters, digits, '-', '_' and '.', and starts with a letter or digit.",
		"ann bob":                         "A name has letters, digits, '-', '_' and '.', and starts with a letter or digit.",
	} {
		_, err := db.CreateUser(ctx, name, []byte("h"))
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "name" || fe.Text() != want || !errors.Is(err, ErrInvalid) {
			t.Errorf("CreateUser(%q) = %v, want a FieldError on name saying %q", name, err, want)
		}
		if _, _, err := db.UserByName(ctx, name); !errors.Is(err, ErrNotFound) {
			t.Errorf("CreateUser(%q) wrote a user (%v)", name, err)
		}
	}
}

// A FieldError says which field and what is wrong; wrapped with context
// it is still ErrInvalid, and its sentence is what people see.
func TestFieldErrorSentence(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	u := mustUser(t, db, "Ann")
	_, err := db.CreateGroup(ctx, u.ID, "  ")
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "name" || fe.Sentence() != "Name: a group needs a name." || !errors.Is(err, ErrInvalid) {
		t.Fatalf("CreateGroup with no name = %v (%#v)", err, fe)
	}
	if _, err := ValidateTag(""); !errors.As(err, &fe) || fe.Field != "" || fe.Sentence() != "A tag is empty." {
		t.Errorf("ValidateTag(\"\") = %v", err)
	}
	if !errors.As(ErrWidens, &fe) || fe.Field != "audience" || !errors.Is(ErrWidens, ErrInvalid) {
		t.Errorf("ErrWidens = %#v", ErrWidens)
	}
}
