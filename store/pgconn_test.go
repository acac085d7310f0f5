package store

import (
	"database/sql/driver"
	"slices"
	"testing"
)

// TestParseBinding: SQLite's parameters become PostgreSQL's $n, numbered
// as SQLite numbers them; quoted text, comments, casts and dollar quotes
// are left alone.
func TestParseBinding(t *testing.T) {
	for _, c := range []struct {
		in, sql string
		params  []string
	}{
		{`SELECT ?, ?`, `SELECT $1, $2`, []string{"", ""}},
		{`SELECT :a, :b, :a`, `SELECT $1, $2, $1`, []string{"a", "b"}},
		{`SELECT ?2, ?1`, `SELECT $2, $1`, []string{"", ""}},
		{`SELECT :a, ?`, `SELECT $1, $2`, []string{"a", ""}},
		{`SELECT @a, x @@ q`, `SELECT $1, x @@ q`, []string{"a"}},
		{`SELECT x::text, ':a ?', "?", :b -- :c ?` + "\n" + `/* ? */`, `SELECT x::text, ':a ?', "?", $1 -- :c ?` + "\n" + `/* ? */`, []string{"b"}},
		{`SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`, []string{""}},
		{`DO $$ SELECT ? $$; SELECT $tag$ :x $tag$, ?`, `DO $$ SELECT ? $$; SELECT $tag$ :x $tag$, $1`, []string{""}},
	} {
		b, err := parseBinding(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if b.sql != c.sql || !slices.Equal(b.params, c.params) {
			t.Errorf("%s\n got %s %q\nwant %s %q", c.in, b.sql, b.params, c.sql, c.params)
		}
	}
}

// TestBindingArgs: a named value goes to its name's parameter whatever its
// position (pgx alone would bind it by position), an unnamed one to its
// position's.
func TestBindingArgs(t *testing.T) {
	b, err := parseBinding(`SELECT :x, ?2, :y`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.args([]driver.NamedValue{
		{Name: "y", Ordinal: 1, Value: "Y"},
		{Ordinal: 2, Value: "two"},
		{Name: "x", Ordinal: 3, Value: "X"},
		{Name: "unused", Ordinal: 4, Value: "U"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var vals []any
	for _, a := range got {
		vals = append(vals, a.Value)
	}
	if want := []any{"X", "two", "Y"}; !slices.Equal(vals, want) {
		t.Errorf("values %q, want %q", vals, want)
	}
	if _, err := b.args([]driver.NamedValue{{Name: "x", Ordinal: 1, Value: 1}}); err == nil {
		t.Error("missing values: no error")
	}
}
