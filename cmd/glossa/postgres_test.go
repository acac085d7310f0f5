package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"glossa/internal/pgtest"
	"glossa/store"
)

// TestCommandsOnPostgres runs the commands on a PostgreSQL URL given as
// GLOSSA_DB and as -db: an empty database is migrated on first use, users
// and tokens are made, essays published, and backup says what to use
// instead.
func TestCommandsOnPostgres(t *testing.T) {
	if !slices.Contains(pgtest.Dialects(), "postgres") {
		t.Skip("PostgreSQL not selected (GLOSSA_TEST_DB)")
	}
	ctx := context.Background()
	url := pgtest.NewDatabase(t, "glossa_cmd_empty", func(string) error { return nil })
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"user", "add", "ann"}, env("GLOSSA_DB", url), strings.NewReader("correct horse\n"), &out, &errb); err != nil {
		t.Fatalf("user add: %v (%s)", err, errb.String())
	}
	out.Reset()
	if err := run(ctx, []string{"token", "new", "-db", url, "ann"}, env(), nil, &out, &errb); err != nil {
		t.Fatalf("token new: %v", err)
	}
	token := strings.TrimSpace(out.String())
	if err := run(ctx, []string{"publish", "-db", url}, env(), nil, &out, &errb); err != nil {
		t.Fatalf("publish: %v (%s)", err, errb.String())
	}

	err := run(ctx, []string{"backup", "-db", url, filepath.Join(t.TempDir(), "copy.db")}, env(), nil, &out, &errb)
	if !errors.Is(err, store.ErrBackupPostgres) || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("backup of PostgreSQL: %v, want ErrBackupPostgres naming pg_dump", err)
	}

	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if u, err := db.UserByToken(ctx, store.HashToken(token)); err != nil || u.Name != "ann" {
		t.Errorf("token does not resolve to ann: %v %+v", err, u)
	}
	if _, err := db.Document(ctx, essay); err != nil {
		t.Errorf("published essay %s: %v", essay, err)
	}
}
