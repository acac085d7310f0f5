package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestReadmeBackupRecipes runs the README's backup recipes as written,
// with only the folders moved into a temporary directory: the nightly
// crontab line (through sh, with cron's "\%" unescaped, on a PATH where
// "glossa" is this test binary), while a server writes; the Docker line's
// arguments, with GLOSSA_DB set as the image sets it; then the restore
// steps (all but systemctl), after which the restored database holds
// every note acknowledged before the backup.
func TestReadmeBackupRecipes(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	if i := strings.Index(section, "### Backups"); i >= 0 {
		section = section[i:]
	} else {
		t.Fatal("README has no Backups section")
	}
	cronLine := regexp.MustCompile("(?m)^0 3 \\* \\* \\* (.+)$").FindStringSubmatch(section)
	dockerLine := regexp.MustCompile("`docker run --rm [^`]*? glossa (backup [^`]+)`").FindStringSubmatch(section)
	restore := regexp.MustCompile("(?s)To restore:.*?```sh\n(.*?)```").FindStringSubmatch(section)
	if cronLine == nil || dockerLine == nil || restore == nil {
		t.Fatalf("README's backup recipes not found (cron %v, docker %v, restore %v)", cronLine != nil, dockerLine != nil, restore != nil)
	}

	root := t.TempDir()
	data, backups, bin := filepath.Join(root, "data"), filepath.Join(root, "backups"), filepath.Join(root, "bin")
	for _, d := range []string{data, backups, bin} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	wrapper := fmt.Sprintf("#!/bin/sh\nGLOSSA_TEST_AS_GLOSSA=1 exec %q \"$@\"\n", self)
	if err := os.WriteFile(filepath.Join(bin, "glossa"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	moved := func(s string) string {
		return strings.NewReplacer("/data/", data+"/", "/backups", backups, "$PWD/backups", backups).Replace(s)
	}
	sh := func(what, script string, env ...string) string {
		t.Helper()
		cmd := exec.Command("/bin/sh", "-ec", script)
		cmd.Env = append([]string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + root}, env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s\n%s", what, err, script, out)
		}
		return string(out)
	}

	dbPath := filepath.Join(data, "glossa.db")
	token, anchor := setUp(t, dbPath)
	c := startServer(t, dbPath)
	var ack acked
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { writeNotes(t, c.url, token, anchor, "writer", stop, &ack) })
	for len(ack.snapshot()) < 20 && !t.Failed() {
		time.Sleep(10 * time.Millisecond)
	}
	before := ack.snapshot()

	// A backup older than two weeks, for the find in the cron line.
	old := filepath.Join(backups, "glossa-20000101.db")
	if err := os.WriteFile(old, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	aMonthAgo := time.Now().Add(-30 * 24 * time.Hour)
	if err := os.Chtimes(old, aMonthAgo, aMonthAgo); err != nil {
		t.Fatal(err)
	}
	// cron passes the line to sh after turning "\%" into "%".
	sh("the crontab line", moved(strings.ReplaceAll(cronLine[1], `\%`, "%")))
	nightly := filepath.Join(backups, "glossa-"+time.Now().UTC().Format("20060102")+".db")
	if _, err := os.Stat(nightly); err != nil {
		t.Fatalf("the crontab line made no %s: %v", filepath.Base(nightly), err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("the crontab line kept a month-old backup (%v)", err)
	}
	checkDatabase(t, nightly, before)

	// The Docker line: the image runs "glossa" with these arguments and
	// GLOSSA_DB=/data/glossa.db.
	sh("the docker line's command", "glossa "+moved(dockerLine[1]), "GLOSSA_DB="+dbPath)
	checkDatabase(t, filepath.Join(backups, "glossa.db"), before)

	close(stop)
	wg.Wait()
	c.stop(t)

	// Restore the nightly backup as the README says.
	var steps []string
	for _, line := range strings.Split(restore[1], "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "systemctl") {
			continue
		}
		steps = append(steps, moved(strings.ReplaceAll(line, "glossa-20261127.db", filepath.Base(nightly))))
	}
	if len(steps) != 2 {
		t.Fatalf("restore steps changed: %q", steps)
	}
	sh("the restore steps", strings.Join(steps, "\n"))
	if _, err := os.Stat(dbPath + ".old"); err != nil {
		t.Errorf("the old database was not kept aside: %v", err)
	}
	checkDatabase(t, dbPath, before)
	c = startServer(t, dbPath)
	c.stop(t)
}

// stop ends the server as systemctl stop does: SIGTERM, a graceful
// shutdown.
func (c *child) stop(t *testing.T) {
	t.Helper()
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("glossa serve after SIGTERM: %v\n%s", err, c.logs.String())
		}
	case <-time.After(30 * time.Second):
		c.kill()
		t.Errorf("glossa serve did not stop within 30 s of SIGTERM")
	}
}
