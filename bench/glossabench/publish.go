package main

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing/fstest"
	"time"

	"glossa/content"
	"glossa/library"
	"glossa/store"
)

// editedEssay is the essay with three paragraphs edited as an editor
// would: a typo fixed, words inserted, one paragraph rewritten (the edit
// web's BenchmarkPublishRevision publishes).
func editedEssay(slug string) ([]byte, error) {
	src, err := fs.ReadFile(content.Essays, slug+".md")
	if err != nil {
		return nil, err
	}
	paras := strings.Split(string(src), "\n\n")
	var long []int
	for i, p := range paras {
		if len(p) > 400 && !strings.HasPrefix(p, "#") && !strings.HasPrefix(p, "[^") && !strings.HasPrefix(p, "---") {
			long = append(long, i)
		}
	}
	if len(long) < 12 {
		return nil, fmt.Errorf("only %d long paragraphs", len(long))
	}
	typo, insert, rewrite := long[2], long[6], long[10]
	paras[typo] = strings.Replace(paras[typo], "the", "teh", 1)
	paras[insert] = "Put plainly, and as later sections argue, " + paras[insert]
	paras[rewrite] = "This paragraph was rewritten from scratch by the editor, and no sentence of the original survives in it."
	return []byte(strings.Join(paras, "\n\n")), nil
}

// publishRow seeds a database at path with cfg.dbNotes notes (a tenth
// public, for the page the memory row loads; the rest private on random
// phrases) and times library.Publish of the edited essay, then of the
// original again, cfg.publishes times in all. Each is a real revision that
// moves every note. The database is left on the original text for the
// memory row.
func publishRow(ctx context.Context, cfg config, path string) (row, error) {
	docs, err := content.Load(content.Essays)
	if err != nil {
		return row{}, err
	}
	slug := docs[0].Slug
	original, err := fs.ReadFile(content.Essays, slug+".md")
	if err != nil {
		return row{}, err
	}
	edited, err := editedEssay(slug)
	if err != nil {
		return row{}, err
	}
	sources := []fstest.MapFS{{slug + ".md": {Data: edited}}, {slug + ".md": {Data: original}}}

	db, err := store.Open(ctx, path)
	if err != nil {
		return row{}, err
	}
	defer db.Close()
	if _, err := library.Publish(ctx, db, sources[1], ""); err != nil {
		return row{}, err
	}
	public := cfg.dbNotes / 10
	if err := seedPublic(ctx, db, slug, public); err != nil {
		return row{}, err
	}
	if err := seedPrivate(ctx, db, slug, cfg.dbNotes-public); err != nil {
		return row{}, err
	}
	var times []float64
	var last library.PublishReport
	for i := range cfg.publishes + cfg.publishes%2 { // end on the original
		t0 := time.Now()
		reps, err := library.Publish(ctx, db, sources[i%2], "")
		took := time.Since(t0)
		if err != nil || len(reps) != 1 || !reps[0].Published {
			return row{}, fmt.Errorf("publish: %+v, %v", reps, err)
		}
		if i%2 == 0 {
			last = reps[0]
		}
		times = append(times, took.Seconds())
		fmt.Fprintf(cfg.log, "  publish %d: %s (%d notes moved)\n", i+1, took.Round(time.Millisecond), reps[0].Notes.Total())
	}
	med := time.Duration(median(times) * float64(time.Second))
	n := last.Notes
	return row{
		metric: fmt.Sprintf("Publish a revision, %s notes (median of %d; the edit: %d exact, %d mapped, %d fuzzy, %d orphan)",
			thousands(cfg.dbNotes), len(times), n.Exact, n.Mapped, n.Fuzzy, n.Orphan),
		glossa: ms(med), value: ms(med), goal: "< 1 s", met: yesNo(med < time.Second),
	}, nil
}

// memoryRow builds cmd/glossa, runs it on the database publishRow left
// (cfg.dbNotes notes, a tenth of them public) and drives its essay page
// with cfg.clients clients for cfg.rounds × cfg.duration; the row is the
// process's peak resident set (VmHWM) at the end.
func memoryRow(ctx context.Context, cfg config, dir, dbPath string) (row, error) {
	metric := fmt.Sprintf("Peak RSS of cmd/glossa, page run, %s notes in db", thousands(cfg.dbNotes))
	ch, err := startChild(ctx, cfg, dir, dbPath)
	if err != nil {
		return row{}, err
	}
	if ch == nil {
		return skipped(metric, "< 64 MB", "not measured: go build ./cmd/glossa failed (run from the repository root)"), nil
	}
	defer ch.stop()
	metric += ch.limitNote
	pageURL := ch.base + "/read/" + ch.slug
	page, err := fetchPage(ctx, pageURL)
	if err != nil {
		return row{}, err
	}
	t := target{"glossa", func() (*http.Request, error) { return http.NewRequest("GET", pageURL, nil) }, 200}
	m, err := ch.peakDuring(ctx, cfg, t)
	if err != nil {
		return row{}, err
	}
	fmt.Fprintf(cfg.log, "  page %d KB, %s\n", len(page)/1024, m)
	mb := float64(m.peak) / 1024
	return row{
		metric: fmt.Sprintf("%s (%d KB page, %.0f req/s; RSS before the run %.0f MB, start-up peak %.0f MB)",
			metric, len(page)/1024, m.rate, float64(m.idle)/1024, float64(m.startPeak)/1024),
		glossa: fmt.Sprintf("%.1f MB", mb), value: fmt.Sprintf("%.1f MB", mb), goal: "< 64 MB", met: yesNo(mb < 64),
	}, nil
}

// child is cmd/glossa running in a process of its own.
type child struct {
	cmd       *exec.Cmd
	base      string // http://addr
	slug      string // the first essay's
	limitNote string // ", GOMEMLIMIT=…" when cfg sets one
}

// startChild builds cmd/glossa and starts it on dbPath; nil, nil when the
// build fails (not run from the repository root).
func startChild(ctx context.Context, cfg config, dir, dbPath string) (*child, error) {
	bin := filepath.Join(dir, "glossa")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/glossa")
	build.Stderr = cfg.log
	if err := build.Run(); err != nil {
		return nil, nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	ch := &child{cmd: exec.CommandContext(ctx, bin, "-db", dbPath, "-addr", addr), base: "http://" + addr}
	ch.cmd.Stderr = nil // its request log is not ours to read
	if cfg.childMemLimit != "" {
		ch.cmd.Env = append(os.Environ(), "GOMEMLIMIT="+cfg.childMemLimit)
		ch.limitNote = ", GOMEMLIMIT=" + cfg.childMemLimit
	}
	if err := ch.cmd.Start(); err != nil {
		return nil, err
	}
	for i := 0; ; i++ {
		resp, err := http.Get(ch.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if i > 300 {
			ch.stop()
			return nil, fmt.Errorf("cmd/glossa did not answer /healthz: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	docs, err := content.Load(content.Essays)
	if err != nil {
		ch.stop()
		return nil, err
	}
	ch.slug = docs[0].Slug
	return ch, nil
}

func (ch *child) stop() {
	ch.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { ch.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		ch.cmd.Process.Kill()
		<-done
	}
}

// memoryRun is what peakDuring measured, in kB (peak, idle, startPeak).
type memoryRun struct {
	peak, idle, startPeak, hwm, sampled int64
	reset                               bool
	rate                                float64 // median requests per second
}

func (m memoryRun) String() string {
	return fmt.Sprintf("%.0f req/s median; RSS after start %d MB (start-up peak %d MB); page run: VmHWM %d MB (reset: %v), highest VmRSS sample %d MB",
		m.rate, m.idle/1024, m.startPeak/1024, m.hwm/1024, m.reset, m.sampled/1024)
}

// peakDuring drives t with cfg.clients clients for cfg.rounds ×
// cfg.duration and returns the child's peak resident set over that run.
func (ch *child) peakDuring(ctx context.Context, cfg config, t target) (memoryRun, error) {
	var m memoryRun
	pid := ch.cmd.Process.Pid
	m.startPeak, _ = procStatus(pid, "VmHWM")
	m.idle, _ = procStatus(pid, "VmRSS")
	// The start-up peak is not the page run's (start-up publishes the
	// essays and loads the library). Writing 5 to clear_refs resets VmHWM to the current
	// RSS, so VmHWM at the end is the peak of the page run alone; VmRSS is
	// also sampled, as a check and for kernels without the reset.
	m.reset = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
	var sampled atomic.Int64
	stopSampling := make(chan struct{})
	sampling := make(chan struct{})
	go func() {
		defer close(sampling)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if v, err := procStatus(pid, "VmRSS"); err == nil && v > sampled.Load() {
				sampled.Store(v)
			}
			select {
			case <-stopSampling:
				return
			case <-tick.C:
			}
		}
	}()
	var rates []float64
	for range cfg.rounds {
		v, err := drive(ctx, t, cfg.clients, cfg.duration)
		if err != nil {
			close(stopSampling)
			<-sampling
			return m, err
		}
		rates = append(rates, v)
	}
	close(stopSampling)
	<-sampling
	var err error
	if m.hwm, err = procStatus(pid, "VmHWM"); err != nil {
		return m, err
	}
	m.sampled, m.rate = sampled.Load(), median(rates)
	m.peak = m.hwm
	if !m.reset {
		m.peak = m.sampled
	}
	return m, nil
}

// procStatus reads a field in kB from /proc/PID/status.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), ":")
		if ok && name == field {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}
