package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMeasureSmall runs every in-process row at toy sizes, so the program
// keeps working as glossa changes. It checks that each row is there and
// says something, never how fast anything was: speed is measured by
// running the program, not by tests. The child-process and browser rows
// are left out (they build a binary and start Chromium).
func TestMeasureSmall(t *testing.T) {
	cfg := config{rounds: 1, duration: 100 * time.Millisecond, clients: 2, pageNotes: 20,
		readers: 20, fanNotes: 2, dbNotes: 200, publishes: 2, log: io.Discard}
	if testing.Verbose() {
		cfg.log = os.Stderr
	}
	rows, err := measure(context.Background(), cfg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Essay page, 0 notes", "Essay page, 20 visible", "Note creation", "Live fan-out", "Live fan-out",
		"Publish a revision", "Peak RSS", "Essay page first load", "Essay page first load", "Essay page first load", "Essay page first load"}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), textTable(rows))
	}
	for i, r := range rows {
		if !strings.HasPrefix(r.metric, want[i]) || r.glossa == "" || r.goal == "" && i != 3 {
			t.Errorf("row %d: %+v, want a measured %q", i, r, want[i])
		}
	}
	md := markdownTable(rows)
	if got := strings.Count(md, "\n"); got != len(rows)+2 {
		t.Errorf("markdown table has %d lines, want %d", got, len(rows)+2)
	}
}

// TestMeasureOnly checks that -only leaves the other rows out.
func TestMeasureOnly(t *testing.T) {
	cfg := config{rounds: 1, duration: 100 * time.Millisecond, clients: 2, pageNotes: 20,
		readers: 20, fanNotes: 2, dbNotes: 200, publishes: 2, log: io.Discard,
		only: map[string]bool{"fanout": true}}
	rows, err := measure(context.Background(), cfg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || !strings.HasPrefix(rows[0].metric, "Live fan-out") || !strings.HasPrefix(rows[1].metric, "Live fan-out") {
		t.Fatalf("-only fanout gave:\n%s", textTable(rows))
	}
	if err := run(context.Background(), []string{"-only", "fanout,nonsense"}, io.Discard, io.Discard); err == nil {
		t.Error("-only with an unknown row: no error")
	}
}
