package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"

	"glossa/internal/pgtest"
)

// TestSchemasMatch migrates a SQLite and a PostgreSQL database to the
// latest version and compares their schemas, normalised: the tables,
// each column's type, nullability and place in the primary key, the
// foreign keys and what a delete does to them, and the indexes (columns,
// uniqueness, partial or not, and the name of each one a migration
// creates). The search index is left out: it is FTS4 on SQLite and a
// tsvector on PostgreSQL by design (dialect.go). A migration added to one
// folder and not the other, or written differently, fails here.
func TestSchemasMatch(t *testing.T) {
	if testDialect != sqlite {
		t.Skip("compares both dialects; runs once, in the SQLite pass")
	}
	if !slices.Contains(pgtest.Dialects(), "postgres") {
		t.Skip("PostgreSQL not selected (GLOSSA_TEST_DB)")
	}
	ctx := context.Background()
	lite := openTestDB(t)
	testDialect = postgres
	pgURL := testDSN(t)
	testDialect = sqlite
	pg, err := Open(ctx, pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()

	want, err := sqliteSchema(ctx, lite.SQL())
	if err != nil {
		t.Fatal(err)
	}
	got, err := postgresSchema(ctx, pg.SQL())
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 20 {
		t.Fatalf("SQLite schema has %d facts; the query reads too little:\n%s", len(want), strings.Join(want, "\n"))
	}
	for _, f := range want {
		if !slices.Contains(got, f) {
			t.Errorf("only on SQLite: %s", f)
		}
	}
	for _, f := range got {
		if !slices.Contains(want, f) {
			t.Errorf("only on PostgreSQL: %s", f)
		}
	}

	// The same versions recorded.
	var vl, vp int
	if err := lite.SQL().QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&vl); err != nil {
		t.Fatal(err)
	}
	if err := pg.SQL().QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&vp); err != nil {
		t.Fatal(err)
	}
	if vl != vp {
		t.Errorf("schema version: SQLite %d, PostgreSQL %d", vl, vp)
	}
}

// skipTable: the search index's tables, which differ by design.
func skipTable(name string) bool { return strings.HasPrefix(name, "notes_fts") }

// normType maps each dialect's column type to one name.
func normType(t string) string {
	switch strings.ToLower(t) {
	case "integer", "bigint":
		return "int"
	case "text":
		return "text"
	case "real", "double precision":
		return "real"
	case "blob", "bytea":
		return "blob"
	}
	return "?" + t
}

func queryStrings(ctx context.Context, db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// sqliteSchema lists the facts of a SQLite schema, one string each.
func sqliteSchema(ctx context.Context, db *sql.DB) ([]string, error) {
	tables, err := queryStrings(ctx, db, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var facts []string
	for _, tbl := range tables {
		if skipTable(tbl) {
			continue
		}
		facts = append(facts, "table "+tbl)
		rows, err := db.QueryContext(ctx, `SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, tbl)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var (
				name, typ   string
				notnull, pk int
			)
			if err := rows.Scan(&name, &typ, &notnull, &pk); err != nil {
				rows.Close()
				return nil, err
			}
			// A primary key column is never NULL in practice, whatever
			// SQLite's table_info says of a TEXT one.
			facts = append(facts, fmt.Sprintf("column %s.%s %s notnull=%v pk=%d", tbl, name, normType(typ), notnull == 1 || pk > 0, pk))
		}
		rows.Close()

		fks, err := db.QueryContext(ctx, `SELECT id, "table", "from", "to", on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`, tbl)
		if err != nil {
			return nil, err
		}
		byID := map[int][]string{}
		var ids []int
		for fks.Next() {
			var (
				id                   int
				to, from, toCol, del string
			)
			if err := fks.Scan(&id, &to, &from, &toCol, &del); err != nil {
				fks.Close()
				return nil, err
			}
			if _, ok := byID[id]; !ok {
				ids = append(ids, id)
				byID[id] = []string{to, del, "", ""}
			}
			byID[id][2] += from + ","
			byID[id][3] += toCol + ","
		}
		fks.Close()
		for _, id := range ids {
			f := byID[id]
			facts = append(facts, fmt.Sprintf("fk %s(%s) -> %s(%s) on delete %s", tbl, strings.TrimSuffix(f[2], ","), f[0], strings.TrimSuffix(f[3], ","), f[1]))
		}

		idx, err := db.QueryContext(ctx, `SELECT name, "unique", origin, partial FROM pragma_index_list(?)`, tbl)
		if err != nil {
			return nil, err
		}
		type index struct {
			name, origin    string
			unique, partial int
		}
		var list []index
		for idx.Next() {
			var i index
			if err := idx.Scan(&i.name, &i.unique, &i.origin, &i.partial); err != nil {
				idx.Close()
				return nil, err
			}
			list = append(list, i)
		}
		idx.Close()
		for _, i := range list {
			if i.origin == "pk" {
				continue // the primary key, listed with the columns
			}
			cols, err := queryStrings(ctx, db, `SELECT name FROM pragma_index_info(?) ORDER BY seqno`, i.name)
			if err != nil {
				return nil, err
			}
			name := i.name
			if i.origin != "c" {
				name = "(constraint)"
			}
			facts = append(facts, fmt.Sprintf("index %s %s(%s) unique=%v partial=%v", name, tbl, strings.Join(cols, ","), i.unique == 1, i.partial == 1))
		}
	}
	slices.Sort(facts)
	return facts, nil
}

// postgresSchema lists the facts of a PostgreSQL schema as sqliteSchema
// does.
func postgresSchema(ctx context.Context, db *sql.DB) ([]string, error) {
	var facts []string
	tables, err := queryStrings(ctx, db, `SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	for _, tbl := range tables {
		if !skipTable(tbl) {
			facts = append(facts, "table "+tbl)
		}
	}
	rows, err := db.QueryContext(ctx, `
		SELECT c.relname::text, a.attname::text, format_type(a.atttypid, NULL), a.attnotnull,
		       coalesce(array_position(pk.conkey, a.attnum), 0)
		FROM pg_attribute a
		JOIN pg_class c ON c.oid = a.attrelid
		LEFT JOIN pg_constraint pk ON pk.conrelid = c.oid AND pk.contype = 'p'
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
		  AND a.attnum > 0 AND NOT a.attisdropped`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var (
			tbl, name, typ string
			notnull        bool
			pk             int
		)
		if err := rows.Scan(&tbl, &name, &typ, &notnull, &pk); err != nil {
			rows.Close()
			return nil, err
		}
		if skipTable(tbl) {
			continue
		}
		facts = append(facts, fmt.Sprintf("column %s.%s %s notnull=%v pk=%d", tbl, name, normType(typ), notnull, pk))
	}
	rows.Close()

	fks, err := db.QueryContext(ctx, `
		SELECT c.conrelid::regclass::text, c.confrelid::regclass::text,
		       (SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
		        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n),
		       (SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
		        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n),
		       CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'
		                          WHEN 'r' THEN 'RESTRICT' ELSE 'SET DEFAULT' END
		FROM pg_constraint c
		WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace`)
	if err != nil {
		return nil, err
	}
	for fks.Next() {
		var tbl, to, from, toCols, del string
		if err := fks.Scan(&tbl, &to, &from, &toCols, &del); err != nil {
			fks.Close()
			return nil, err
		}
		if skipTable(tbl) {
			continue
		}
		facts = append(facts, fmt.Sprintf("fk %s(%s) -> %s(%s) on delete %s", tbl, from, to, toCols, del))
	}
	fks.Close()

	idx, err := db.QueryContext(ctx, `
		SELECT ic.relname::text, tc.relname::text,
		       (SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, i)
		        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n),
		       i.indisunique, i.indpred IS NOT NULL,
		       EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('u', 'p'))
		FROM pg_index i
		JOIN pg_class ic ON ic.oid = i.indexrelid
		JOIN pg_class tc ON tc.oid = i.indrelid
		WHERE tc.relnamespace = current_schema()::regnamespace AND NOT i.indisprimary`)
	if err != nil {
		return nil, err
	}
	for idx.Next() {
		var (
			name, tbl, cols           string
			unique, partial, fromCons bool
		)
		if err := idx.Scan(&name, &tbl, &cols, &unique, &partial, &fromCons); err != nil {
			idx.Close()
			return nil, err
		}
		if skipTable(tbl) {
			continue
		}
		if fromCons {
			name = "(constraint)"
		}
		facts = append(facts, fmt.Sprintf("index %s %s(%s) unique=%v partial=%v", name, tbl, cols, unique, partial))
	}
	idx.Close()
	slices.Sort(facts)
	return facts, nil
}
