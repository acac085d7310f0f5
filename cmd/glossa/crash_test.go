package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"glossa/internal/pgtest"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"glossa/store"
)

// TestMain lets the test binary be glossa itself: with
// GLOSSA_TEST_AS_GLOSSA=1 it runs main with its arguments, so tests can
// start glossa as a child process (and SIGKILL it) without building it
// again with go build.
func TestMain(m *testing.M) {
	if os.Getenv("GLOSSA_TEST_AS_GLOSSA") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(pgtest.Main(m)) // stops the PostgreSQL that postgres_test.go may start
}

const essay = "pempel-2016-alliances-asia-pacific-order"

// glossaCmd is the command line "glossa args..." as a child process.
func glossaCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "GLOSSA_TEST_AS_GLOSSA=1")
	return cmd
}

// glossaRun runs a glossa command to completion and returns its output.
func glossaRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	cmd := glossaCmd(args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("glossa %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return string(out)
}

// child is a glossa server running as a child process.
type child struct {
	cmd  *exec.Cmd
	url  string
	logs *syncBuffer
}

// startServer starts "glossa serve" on a free loopback port and waits until
// it answers.
func startServer(t *testing.T, dbPath string) *child {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := &child{cmd: glossaCmd("serve", "-addr", addr, "-db", dbPath, "-write-limit", "1000000"), url: "http://" + addr, logs: &syncBuffer{}}
	c.cmd.Stderr = c.logs
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(c.url + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return c
			}
		}
		if time.Now().After(deadline) {
			c.kill()
			t.Fatalf("glossa never answered on %s: %v\n%s", addr, err, c.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill ends the server as a power cut or the OOM killer would: SIGKILL,
// no shutdown.
func (c *child) kill() {
	c.cmd.Process.Signal(syscall.SIGKILL)
	c.cmd.Wait()
}

// acked is the notes a server answered 201 for: id -> body.
type acked struct {
	mu    sync.Mutex
	notes map[string]string
}

func (a *acked) add(id, body string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.notes == nil {
		a.notes = map[string]string{}
	}
	a.notes[id] = body
}

func (a *acked) snapshot() map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	m := make(map[string]string, len(a.notes))
	for k, v := range a.notes {
		m[k] = v
	}
	return m
}

// writeNotes creates notes through the API with a bearer token until stop
// is closed or the server goes away, recording each one answered 201. Any
// answer other than 201 is an error.
func writeNotes(t *testing.T, base, token, anchor, who string, stop <-chan struct{}, ack *acked) {
	client := &http.Client{Timeout: 10 * time.Second}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		body := fmt.Sprintf("%s, note %d: *durable* ünïcode ✓ %d", who, i, rand.Int64())
		a := map[string]any{
			"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
			"target": map[string]any{"source": base + "/read/" + essay,
				"selector": map[string]any{"type": "FragmentSelector", "value": anchor}},
			"body": map[string]any{"type": "TextualBody", "value": body, "format": "text/markdown"},
		}
		js, _ := json.Marshal(a)
		req, _ := http.NewRequest("POST", base+"/api/documents/"+essay+"/annotations/", bytes.NewReader(js))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/ld+json")
		res, err := client.Do(req)
		if err != nil {
			return // the server was killed
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return // killed while answering: not acknowledged
		}
		if res.StatusCode != http.StatusCreated {
			t.Errorf("create note: %d %s", res.StatusCode, b)
			return
		}
		var created struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(b, &created); err != nil || created.ID == "" {
			t.Errorf("create note: answer %s: %v", b, err)
			return
		}
		ack.add(path.Base(created.ID), body)
	}
}

// checkDatabase opens the database as a restart would (for SQLite, the
// file, recovering its WAL, and checks it is sound) and checks that it
// holds every acknowledged note.
func checkDatabase(t *testing.T, dbPath string, want map[string]string) {
	t.Helper()
	driver, dsn := "sqlite3", "file:"+dbPath+"?_busy_timeout=5000"
	if store.IsPostgresURL(dbPath) {
		driver, dsn = "pgx", dbPath
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if driver == "sqlite3" {
		var res string
		if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
			t.Fatalf("integrity_check: %q %v", res, err)
		}
	}
	lost := 0
	for id, body := range want {
		var got string
		if err := db.QueryRow(`SELECT body FROM notes WHERE id = $1`, id).Scan(&got); err != nil || got != body {
			lost++
			if lost <= 5 {
				t.Errorf("acknowledged note %s: %q, %v; want %q", id, got, err, body)
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged notes lost", lost, len(want))
	}
}

// setUp makes a database with a user, an API token made by "glossa token
// new", and the essay published; it returns the token and an anchor.
func setUp(t *testing.T, dbPath string) (token, anchor string) {
	t.Helper()
	glossaRun(t, "correct horse\n", "user", "add", "-db", dbPath, "ann")
	token = strings.TrimSpace(glossaRun(t, "", "token", "new", "-db", dbPath, "ann"))
	glossaRun(t, "", "publish", "-db", dbPath)
	db, err := store.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.SQL().QueryRow(`SELECT anchor FROM blocks ORDER BY revision_id DESC, position LIMIT 1 OFFSET 2`).Scan(&anchor); err != nil {
		t.Fatal(err)
	}
	return token, anchor
}

// TestCrashSurvival kills a glossa server under write load with SIGKILL at
// random moments and restarts it on the same database: after each kill,
// every note that was answered 201 is there with its body and the
// database is sound. On PostgreSQL it is glossa that is killed, not the
// server (whose durability is its own, and off in the test server).
func TestCrashSurvival(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills glossa a dozen times")
	}
	forEachDB(t, testCrashSurvival)
}

func testCrashSurvival(t *testing.T, newDB func() string) {
	dbPath := newDB()
	token, anchor := setUp(t, dbPath)
	var ack acked
	const kills = 12
	for round := range kills {
		c := startServer(t, dbPath)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() { writeNotes(t, c.url, token, anchor, fmt.Sprintf("round %d writer %d", round, w), stop, &ack) })
		}
		// Kill at a random moment in the write load.
		time.Sleep(time.Duration(50+rand.IntN(400)) * time.Millisecond)
		c.kill()
		close(stop)
		wg.Wait()
		if t.Failed() {
			t.Fatalf("round %d; server log:\n%s", round, c.logs.String())
		}
		checkDatabase(t, dbPath, ack.snapshot())
	}
	n := len(ack.snapshot())
	t.Logf("%d SIGKILLs, %d acknowledged notes, none lost", kills, n)
	if n < kills {
		t.Errorf("only %d notes acknowledged in %d rounds: the load never got going", n, kills)
	}
}

// TestBackupCommand runs "glossa backup" as its own process while a glossa
// server writes notes: the copy is sound and holds every note acknowledged
// before it began; a second backup to the same path is refused.
func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "glossa.db")
	token, anchor := setUp(t, dbPath)
	c := startServer(t, dbPath)
	defer c.kill()
	var ack acked
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() { writeNotes(t, c.url, token, anchor, fmt.Sprintf("writer %d", w), stop, &ack) })
	}
	defer func() { close(stop); wg.Wait() }()
	for len(ack.snapshot()) < 30 {
		if t.Failed() {
			t.FailNow()
		}
		time.Sleep(10 * time.Millisecond)
	}
	before := ack.snapshot()
	backupPath := filepath.Join(dir, "backup.db")
	out := glossaRun(t, "", "backup", "-db", dbPath, backupPath)
	if !strings.HasPrefix(out, "backed up "+dbPath+" to "+backupPath) {
		t.Errorf("backup printed %q", out)
	}
	checkDatabase(t, backupPath, before)
	b, err := store.Open(context.Background(), backupPath)
	if err != nil {
		t.Fatalf("the backup does not open as a glossa database: %v", err)
	}
	b.Close()

	cmd := glossaCmd("backup", "-db", dbPath, backupPath)
	msg, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(msg), "already exists") {
		t.Errorf("backup over an existing file: %v %s", err, msg)
	}
	cmd = glossaCmd("backup", "-db", filepath.Join(dir, "nope.db"), filepath.Join(dir, "b2.db"))
	if msg, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("backup of a missing database succeeded: %s", msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "nope.db")); err == nil {
		t.Error("backup created the missing database")
	}
}
