package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"glossa/internal/pgtest"
)

// TestMeasureSmall runs every in-process row at toy sizes, so the program
// keeps working as glossa changes. It checks that each row is there and
// says something, never how fast anything was: speed is measured by
// running the program, not by tests. The child-process and browser rows
// are left out (they build a binary and start Chromium). It runs on each
// database pgtest.Dialects names: on PostgreSQL, on a server of its own
// as -db postgres starts one, with the fan-out across three instances too.
func TestMeasureSmall(t *testing.T) {
	for _, dialect := range pgtest.Dialects() {
		t.Run(dialect, func(t *testing.T) { testMeasureSmall(t, dialect) })
	}
}

func testMeasureSmall(t *testing.T, dialect string) {
	cfg := config{rounds: 1, duration: 100 * time.Millisecond, clients: 2, pageNotes: 20,
		readers: []int{20}, fanNotes: 2, dbNotes: 200, publishes: 2, log: io.Discard,
		pageReaders: 2, classNotes: 60, classReaders: 3}
	if testing.Verbose() {
		cfg.log = os.Stderr
	}
	if dialect == "postgres" {
		pg, err := pgtest.Start(pgtest.Options{})
		if err != nil {
			if pgtest.Required() {
				t.Fatalf("PostgreSQL is required: %v", err)
			}
			t.Skipf("no PostgreSQL: %v", err)
		}
		t.Cleanup(pg.Stop)
		cfg.pg, cfg.instances = pg, 3
	}
	rows, err := measure(context.Background(), cfg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Essay page, 0 notes", "Essay page, 0 notes, signed in", "Essay page, 20 visible", "Essay page, 20 visible notes, signed in",
		"Note creation",
		"Live fan-out, 20 SSE readers not signed in", "Live fan-out, 20 SSE readers not signed in",
		"Live fan-out, 20 distinct signed-in members", "Live fan-out, 20 distinct signed-in members"}
	if dialect == "postgres" {
		want = append(want, "Live fan-out, 20 distinct signed-in members of one group, spread over 3 instances",
			"Live fan-out, 20 distinct signed-in members of one group, spread over 3 instances")
	}
	want = append(want, "Publish a revision", "Peak RSS", "Essay page first load", "Essay page first load", "Essay page first load", "Essay page first load",
		"Essay page first load, 20 notes, a signed-in reader",
		"Essay page, 60 notes visible to one signed-in reader: HTML", "Essay page, 60 notes visible to one signed-in reader: body transferred",
		"Essay page, 60 notes visible to one signed-in reader, from the page cache", "Essay page, 60 notes visible to one signed-in reader: render",
		"Peak RSS of cmd/glossa, 60 notes visible, 3 distinct signed-in readers")
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), textTable(rows))
	}
	for i, r := range rows {
		// The fan-out's p50 rows have no goal.
		if !strings.HasPrefix(r.metric, want[i]) || r.glossa == "" || r.goal == "" && !strings.HasSuffix(r.metric, ": p50") {
			t.Errorf("row %d: %+v, want a measured %q", i, r, want[i])
		}
	}
	md := markdownTable(rows)
	if got := strings.Count(md, "\n"); got != len(rows)+2 {
		t.Errorf("markdown table has %d lines, want %d", got, len(rows)+2)
	}
}

// TestOnly runs one row group alone, and refuses a group that does not
// exist.
func TestOnly(t *testing.T) {
	cfg := config{rounds: 1, duration: 100 * time.Millisecond, clients: 2, pageNotes: 20,
		readers: []int{20}, fanNotes: 2, dbNotes: 200, publishes: 2, log: io.Discard}
	var err error
	if cfg.only, err = parseOnly("create"); err != nil {
		t.Fatal(err)
	}
	rows, err := measure(context.Background(), cfg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || !strings.HasPrefix(rows[0].metric, "Note creation") {
		t.Errorf("-only create made these rows:\n%s", textTable(rows))
	}
	if _, err := parseOnly("create,nonsense"); err == nil || !strings.Contains(err.Error(), `"nonsense"`) {
		t.Errorf("parseOnly(create,nonsense) = %v, want an error naming the group", err)
	}
}
