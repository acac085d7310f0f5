package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// TableCount is how many rows of a table CopyToPostgres copied.
type TableCount struct {
	Table string
	Rows  int64
}

// ErrTargetNotEmpty: CopyToPostgres copies into an empty database only.
var ErrTargetNotEmpty = errors.New("the PostgreSQL database is not empty")

// CopyToPostgres copies the SQLite database in the file from into the
// PostgreSQL database at the URL to, which must be empty (or hold only
// glossa's schema, with no rows), and returns the rows copied per table.
//
// The source is opened read-only and read in one transaction, so it is
// left as it was and copied as of one commit. It must be at the schema
// version this glossa knows (opening it with this glossa once migrates
// it); the target is migrated to that version first, as Open does.
//
// The copy is one transaction on the target, holding the write lock every
// glossa takes (pgConn), so an instance started on the target meanwhile
// waits, and a failure anywhere leaves the target as empty as it was. In
// it, each table of the target's schema is filled with the source's rows,
// every column and id as they are: the tables in an order where the rows a
// foreign key refers to come first, and the references that make a cycle
// (a note's parent, the answer a question accepted, a document's current
// revision) filled in once every row is there. The triggers that maintain
// derived tables (note_targets, the search index) are off during the copy,
// since those tables are copied too. Then each identity sequence is set
// past the largest id copied, and the row counts are compared, table by
// table, before the commit.
func CopyToPostgres(ctx context.Context, from, to string) ([]TableCount, error) {
	if !isPostgresURL(to) {
		return nil, fmt.Errorf("copy to %q: %w", to, invalid("to", "want a postgres:// or postgresql:// URL"))
	}
	if isPostgresURL(from) {
		return nil, fmt.Errorf("copy from %s: %w", redactURL(from), invalid("from", "want a SQLite file"))
	}
	counts, err := copyToPostgres(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("copy %s to %s: %w", from, redactURL(to), err)
	}
	return counts, nil
}

func copyToPostgres(ctx context.Context, from, to string) ([]TableCount, error) {
	// The source: read-only, so nothing here can change it, and one read
	// transaction, so every table is read as of the same commit.
	if _, err := os.Stat(from); err != nil {
		return nil, err
	}
	src, err := sql.Open("sqlite3", dsn(from, url.Values{
		"mode":          {"ro"},
		"_query_only":   {"1"},
		"_busy_timeout": {strconv.FormatInt(busyTimeout.Milliseconds(), 10)},
	}))
	if err != nil {
		return nil, err
	}
	defer src.Close()
	src.SetMaxOpenConns(1)
	stx, err := src.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", from, err)
	}
	defer stx.Rollback()
	ms, err := migrations(sqlite)
	if err != nil {
		return nil, err
	}
	known := ms[len(ms)-1].version
	var version int
	if err := stx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return nil, fmt.Errorf("%s is not a glossa database (no schema_migrations): %w", from, err)
	}
	if version != known {
		return nil, fmt.Errorf("%s is at schema version %d, this glossa at %d: run this glossa on it once (glossa publish -db %s) to migrate it, then copy it", from, version, known, from)
	}

	// The target: refuse a database holding anything but glossa's
	// schema before migrating it, so a mistyped URL never gets glossa's
	// tables added to another application's database.
	if err := checkForeignTables(ctx, to); err != nil {
		return nil, err
	}
	db, err := Open(ctx, to)
	if err != nil {
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, err
	}

	conn, err := pgx.Connect(ctx, to)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(writeLockKey)); err != nil {
		return nil, fmt.Errorf("wait for the write lock: %w", err)
	}
	var target int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&target); err != nil {
		return nil, err
	}
	if target != version {
		return nil, fmt.Errorf("the PostgreSQL database is at schema version %d, the SQLite file at %d", target, version)
	}

	tables, err := pgTables(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("read the PostgreSQL schema: %w", err)
	}
	var full []string
	for _, t := range tables {
		var has bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t.ident()+`)`).Scan(&has); err != nil {
			return nil, err
		}
		if has {
			full = append(full, t.name)
		}
	}
	if len(full) > 0 {
		return nil, fmt.Errorf("%w: %s hold rows; migrate-db copies into an empty database only", ErrTargetNotEmpty, strings.Join(full, ", "))
	}
	order, err := copyOrder(tables)
	if err != nil {
		return nil, err
	}

	// Triggers off while copying: the tables they fill are copied too.
	// ALTER TABLE is transactional, so a failure leaves them on.
	for _, t := range tables {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+t.ident()+` DISABLE TRIGGER USER`); err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
	}
	var counts []TableCount
	for _, t := range order {
		n, err := copyTable(ctx, stx, tx, t)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", t.name, err)
		}
		counts = append(counts, TableCount{Table: t.name, Rows: n})
	}
	for _, t := range order {
		if err := fillDeferred(ctx, stx, tx, t); err != nil {
			return nil, fmt.Errorf("table %s: %w", t.name, err)
		}
	}
	for _, t := range tables {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+t.ident()+` ENABLE TRIGGER USER`); err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
	}
	if err := fixSequences(ctx, tx); err != nil {
		return nil, err
	}

	// Every table holds as many rows as the source's.
	for _, c := range counts {
		var want, got int64
		if err := stx.QueryRowContext(ctx, `SELECT count(*) FROM `+quoteIdent(c.Table)).Scan(&want); err != nil {
			return nil, fmt.Errorf("count %s in %s: %w", c.Table, from, err)
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+quoteIdent(c.Table)).Scan(&got); err != nil {
			return nil, fmt.Errorf("count %s: %w", c.Table, err)
		}
		if got != want || c.Rows != want {
			return nil, fmt.Errorf("table %s: %d rows in the SQLite file, %d copied, %d in PostgreSQL", c.Table, want, c.Rows, got)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return counts, nil
}

// checkForeignTables refuses a database with tables but no glossa schema.
func checkForeignTables(ctx context.Context, to string) error {
	conn, err := pgx.Connect(ctx, to)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm') ORDER BY c.relname`)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	if len(names) > 0 && !slices.Contains(names, "schema_migrations") {
		if len(names) > 5 {
			names = append(names[:5], "…")
		}
		return fmt.Errorf("%w: it has tables (%s) and no glossa schema; migrate-db copies into an empty database only", ErrTargetNotEmpty, strings.Join(names, ", "))
	}
	return nil
}

// pgTable is a table of the target's schema, as the copy needs it.
type pgTable struct {
	name    string
	cols    []pgColumn // the columns written (not generated ones)
	pk      []string
	fks     []pgForeignKey
	defer_  []string // nullable columns of foreign keys filled in after every row is there
	pending bool     // placed in the order yet? (copyOrder)
}

type pgColumn struct {
	name     string
	typ      string // information_schema's data_type
	nullable bool
}

type pgForeignKey struct {
	cols []string
	ref  string
}

func (t *pgTable) ident() string { return quoteIdent(t.name) }

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (t *pgTable) column(name string) *pgColumn {
	for i := range t.cols {
		if t.cols[i].name == name {
			return &t.cols[i]
		}
	}
	return nil
}

// pgTables reads the target's tables (schema_migrations aside: each
// dialect records its own history), their columns, keys and foreign keys.
func pgTables(ctx context.Context, tx pgx.Tx) ([]*pgTable, error) {
	rows, err := tx.Query(ctx, `SELECT table_name::text, column_name::text, data_type::text, is_nullable = 'YES'
		FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_generated = 'NEVER' AND table_name <> 'schema_migrations'
		  AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE')
		ORDER BY table_name, ordinal_position`)
	if err != nil {
		return nil, err
	}
	var tables []*pgTable
	byName := map[string]*pgTable{}
	var tname string
	var c pgColumn
	if _, err := pgx.ForEachRow(rows, []any{&tname, &c.name, &c.typ, &c.nullable}, func() error {
		t := byName[tname]
		if t == nil {
			t = &pgTable{name: tname}
			byName[tname] = t
			tables = append(tables, t)
		}
		t.cols = append(t.cols, c)
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT r.relname::text, con.contype::text, f.relname::text,
			array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
			      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i)
		FROM pg_constraint con
		JOIN pg_class r ON r.oid = con.conrelid
		JOIN pg_namespace ns ON ns.oid = r.relnamespace
		LEFT JOIN pg_class f ON f.oid = con.confrelid
		WHERE ns.nspname = current_schema() AND con.contype IN ('p', 'f')
		ORDER BY r.relname, con.conname`)
	if err != nil {
		return nil, err
	}
	var kind string
	var ref *string
	var cols []string
	if _, err := pgx.ForEachRow(rows, []any{&tname, &kind, &ref, &cols}, func() error {
		t := byName[tname]
		if t == nil {
			return nil
		}
		if kind == "p" {
			t.pk = slices.Clone(cols)
		} else if ref != nil {
			t.fks = append(t.fks, pgForeignKey{cols: slices.Clone(cols), ref: *ref})
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return tables, nil
}

// copyOrder orders the tables so that a table comes after those its
// foreign keys refer to. A reference within a table, and one that closes
// a cycle, cannot be ordered: its nullable columns are deferred, copied as
// NULL and filled in at the end (fillDeferred), which needs the table's
// primary key.
func copyOrder(tables []*pgTable) ([]*pgTable, error) {
	byName := map[string]*pgTable{}
	for _, t := range tables {
		byName[t.name] = t
		t.pending = true
	}
	deferFK := func(t *pgTable, fk pgForeignKey) bool {
		var cols []string
		for _, c := range fk.cols {
			if col := t.column(c); col != nil && col.nullable {
				cols = append(cols, c)
			}
		}
		if len(cols) == 0 || len(t.pk) == 0 {
			return false
		}
		for _, c := range cols {
			if !slices.Contains(t.defer_, c) {
				t.defer_ = append(t.defer_, c)
			}
		}
		return true
	}
	// waitsFor: the foreign keys of t still to be satisfied by a table not
	// yet placed (deferred ones and self-references aside).
	waitsFor := func(t *pgTable) []pgForeignKey {
		var out []pgForeignKey
		for _, fk := range t.fks {
			if r := byName[fk.ref]; r == nil || r == t || !r.pending {
				continue
			}
			if slices.ContainsFunc(fk.cols, func(c string) bool { return slices.Contains(t.defer_, c) }) {
				continue
			}
			out = append(out, fk)
		}
		return out
	}
	for _, t := range tables {
		for _, fk := range t.fks {
			if fk.ref == t.name && !deferFK(t, fk) {
				return nil, fmt.Errorf("table %s refers to itself through NOT NULL columns %s: cannot copy", t.name, strings.Join(fk.cols, ", "))
			}
		}
	}
	var order []*pgTable
	for len(order) < len(tables) {
		placed := false
		for _, t := range tables {
			if t.pending && len(waitsFor(t)) == 0 {
				t.pending = false
				order = append(order, t)
				placed = true
			}
		}
		if placed {
			continue
		}
		// A cycle: break it at the first foreign key that can wait.
		broke := false
		for _, t := range tables {
			if !t.pending {
				continue
			}
			for _, fk := range waitsFor(t) {
				if deferFK(t, fk) {
					broke = true
					break
				}
			}
			if broke {
				break
			}
		}
		if !broke {
			var left []string
			for _, t := range tables {
				if t.pending {
					left = append(left, t.name)
				}
			}
			return nil, fmt.Errorf("tables %s refer to each other through NOT NULL columns: cannot order the copy", strings.Join(left, ", "))
		}
	}
	return order, nil
}

// copyTable copies every row of t from the source with COPY, its deferred
// columns NULL, and returns how many.
func copyTable(ctx context.Context, stx *sql.Tx, tx pgx.Tx, t *pgTable) (int64, error) {
	names := make([]string, len(t.cols))
	sel := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
		sel[i] = quoteIdent(c.name)
		if slices.Contains(t.defer_, c.name) {
			sel[i] = "NULL"
		}
	}
	rows, err := stx.QueryContext(ctx, `SELECT `+strings.Join(sel, ", ")+` FROM `+t.ident())
	if err != nil {
		return 0, fmt.Errorf("read from SQLite: %w", err)
	}
	defer rows.Close()
	return tx.CopyFrom(ctx, pgx.Identifier{t.name}, names, &sqlSource{rows: rows, cols: t.cols})
}

// fillDeferred sets t's deferred columns to the source's values, through
// a temporary table joined on the primary key.
func fillDeferred(ctx context.Context, stx *sql.Tx, tx pgx.Tx, t *pgTable) error {
	if len(t.defer_) == 0 {
		return nil
	}
	keyed := append(slices.Clone(t.pk), t.defer_...)
	var cols []pgColumn
	sel := make([]string, len(keyed))
	where := make([]string, len(t.defer_))
	for i, name := range keyed {
		cols = append(cols, *t.column(name))
		sel[i] = quoteIdent(name)
	}
	for i, name := range t.defer_ {
		where[i] = quoteIdent(name) + " IS NOT NULL"
	}
	tmp := "glossa_copy_" + t.name
	if _, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE `+quoteIdent(tmp)+` ON COMMIT DROP AS SELECT `+strings.Join(sel, ", ")+` FROM `+t.ident()+` WITH NO DATA`); err != nil {
		return err
	}
	rows, err := stx.QueryContext(ctx, `SELECT `+strings.Join(sel, ", ")+` FROM `+t.ident()+` WHERE `+strings.Join(where, " OR "))
	if err != nil {
		return fmt.Errorf("read from SQLite: %w", err)
	}
	defer rows.Close()
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{tmp}, keyed, &sqlSource{rows: rows, cols: cols}); err != nil {
		return err
	}
	set := make([]string, len(t.defer_))
	for i, name := range t.defer_ {
		set[i] = quoteIdent(name) + " = s." + quoteIdent(name)
	}
	on := make([]string, len(t.pk))
	for i, name := range t.pk {
		on[i] = "t." + quoteIdent(name) + " = s." + quoteIdent(name)
	}
	_, err = tx.Exec(ctx, `UPDATE `+t.ident()+` t SET `+strings.Join(set, ", ")+` FROM `+quoteIdent(tmp)+` s WHERE `+strings.Join(on, " AND "))
	return err
}

// fixSequences sets every identity column's sequence past the largest id
// copied, so the next row written gets a new one.
func fixSequences(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT table_name::text, column_name::text FROM information_schema.columns
		WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name`)
	if err != nil {
		return err
	}
	var ids [][2]string
	var table, col string
	if _, err := pgx.ForEachRow(rows, []any{&table, &col}, func() error {
		ids = append(ids, [2]string{table, col})
		return nil
	}); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(`+quoteIdent(id[1])+`), 0) + 1, false) FROM `+quoteIdent(id[0]),
			quoteIdent(id[0]), id[1]); err != nil {
			return fmt.Errorf("sequence of %s.%s: %w", id[0], id[1], err)
		}
	}
	return nil
}

// sqlSource feeds rows read from SQLite to COPY, each value converted to
// the Go type of its PostgreSQL column.
type sqlSource struct {
	rows *sql.Rows
	cols []pgColumn
}

func (s *sqlSource) Next() bool { return s.rows.Next() }

func (s *sqlSource) Values() ([]any, error) {
	raw := make([]any, len(s.cols))
	ptrs := make([]any, len(s.cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if err := s.rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	for i, v := range raw {
		c := s.cols[i]
		switch x := v.(type) {
		case []byte:
			if c.typ != "bytea" {
				raw[i] = string(x)
			}
		case string:
			if c.typ == "bytea" {
				raw[i] = []byte(x)
			}
		case int64:
			if c.typ == "double precision" || c.typ == "real" {
				raw[i] = float64(x)
			}
		}
	}
	return raw, nil
}

func (s *sqlSource) Err() error { return s.rows.Err() }
