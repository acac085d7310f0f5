package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// glossa --help lists every command; -h and --help on each command print
// its usage and flags on standard output and do nothing else (no server,
// no database); help for a command works as "glossa help COMMAND" too,
// and a mistake prints the usage on standard error.
func TestHelp(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "g.db")
	environ := env("GLOSSA_DB", dbPath)
	help := func(args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		if err := run(context.Background(), args, environ, strings.NewReader(""), &out, &errb); err != nil {
			t.Errorf("glossa %s: %v", strings.Join(args, " "), err)
		}
		return out.String(), errb.String()
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"-help"}, {"help"}} {
		out, errs := help(args...)
		for _, cmd := range []string{"serve", "user add", "token new", "publish", "export", "import", "backup", "migrate-db"} {
			if !strings.Contains(out, "  "+cmd+" ") {
				t.Errorf("glossa %s does not list %q:\n%s", args[0], cmd, out)
			}
		}
		if errs != "" {
			t.Errorf("glossa %s wrote on standard error: %s", args[0], errs)
		}
	}
	for cmd, flag := range map[string]string{
		"serve": "-addr", "user add": "-db", "token new": "-db", "publish": "-content",
		"export": "-format", "import": "-json", "backup": "-db", "migrate-db": "-from",
	} {
		for _, h := range []string{"-h", "--help"} {
			out, errs := help(append(strings.Fields(cmd), h)...)
			if !strings.HasPrefix(out, "usage: glossa "+cmd+" ") || !strings.Contains(out+" ", "\n  "+flag+" ") && !strings.Contains(out, "\n  "+flag+"\n") || errs != "" {
				t.Errorf("glossa %s %s:\nstdout: %s\nstderr: %s", cmd, h, out, errs)
			}
		}
	}
	for args, want := range map[string]string{"user --help": "usage: glossa user add ", "token -h": "usage: glossa token new ", "help import": "usage: glossa import "} {
		if out, _ := help(strings.Fields(args)...); !strings.HasPrefix(out, want) {
			t.Errorf("glossa %s: %s", args, out)
		}
	}
	if _, err := os.Stat(dbPath); !os.IsNotExist(err) {
		t.Errorf("asking for help made the database: %v", err)
	}

	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"export", "-nope"}, environ, nil, &out, &errb); err == nil {
		t.Error("an unknown flag: no error")
	}
	if out.Len() != 0 || !strings.Contains(errb.String(), "usage: glossa export ") {
		t.Errorf("an unknown flag:\nstdout: %s\nstderr: %s", out.String(), errb.String())
	}
}
