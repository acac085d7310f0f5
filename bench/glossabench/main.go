// Command glossabench measures glossa against the limits of the machine it
// runs on and prints a table; BENCHMARKS.md holds the
// latest one.
//
// Each speed is a ratio against a reference measured in the same run, on
// the same machine, alternately with glossa round by round, because
// absolute figures on a shared machine drift. Run it from the repository
// root:
//
//	go run ./bench/glossabench            # about three minutes
//	go run ./bench/glossabench -quick     # a shorter, noisier run
//	go run ./bench/glossabench -md BENCHMARKS-table.md
//	go run ./bench/glossabench -quick -only create   # one row group
//	go run ./bench/glossabench -only fanout -readers 200,600,1000
//	go run ./bench/glossabench -db postgres   # the same rows on PostgreSQL
//
// With -db postgres every database of the run is a PostgreSQL database on
// a throwaway server the program starts (internal/pgtest, with
// PostgreSQL's default durability: fsync and synchronous_commit on), and
// the fan-out adds a row across three glossa instances on that database.
//
// The peak-memory row builds ./cmd/glossa and runs it as a child process,
// so it needs the go command and the repository's source; the page-weight
// row needs Chromium (GLOSSA_CHROMIUM, or /usr/bin/chromium) and is
// skipped without it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"glossa/internal/pgtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "glossabench:", err)
		os.Exit(1)
	}
}

// config is what one run measures and how hard.
type config struct {
	rounds    int           // rounds per comparison; glossa and reference alternate
	duration  time.Duration // per round and side
	clients   int           // concurrent keep-alive clients
	pageNotes int           // visible notes for the second page row
	readers   []int         // SSE readers for the fan-out rows, one pair of rows per count
	fanNotes  int           // notes created during the fan-out row
	dbNotes   int           // notes in the database for the publish and memory rows
	publishes int           // timed publishes (edit and undo alternate)
	child     bool          // run the memory row (builds and starts cmd/glossa)
	browser   bool          // run the page-weight row (Chromium)
	// childMemLimit, if set, is the GOMEMLIMIT of the memory row's child.
	childMemLimit string
	// only, when not empty, names the row groups to run (see rowGroups);
	// the others are left out of the table.
	only map[string]bool
	log  io.Writer // progress

	// pg, when set (-db postgres), is the server every database of the
	// run is made on; otherwise they are SQLite files in the run's
	// directory.
	pg *pgtest.Server
	// instances is the number of glossa instances of the multi-instance
	// fan-out row (PostgreSQL only).
	instances int

	// pageReaders: the distinct signed-in readers of the signed-in page
	// rows; classNotes and classReaders: the class database's group notes
	// and the members who load its page in the signed-in memory row.
	pageReaders, classNotes, classReaders int
}

func fullConfig() config {
	return config{rounds: 5, duration: 2 * time.Second, clients: 8, pageNotes: 1000,
		readers: []int{1000}, fanNotes: 40, dbNotes: 10000, publishes: 6, child: true, browser: true,
		pageReaders: 8, classNotes: 10000, classReaders: 100}
}

func quickConfig() config {
	return config{rounds: 3, duration: 500 * time.Millisecond, clients: 8, pageNotes: 1000,
		readers: []int{1000}, fanNotes: 15, dbNotes: 10000, publishes: 2, child: true, browser: true,
		pageReaders: 8, classNotes: 10000, classReaders: 100}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fset := flag.NewFlagSet("glossabench", flag.ContinueOnError)
	fset.SetOutput(stderr)
	quick := fset.Bool("quick", false, "a shorter run: 3 rounds of 0.5 s, fewer samples")
	md := fset.String("md", "", "also write the table as Markdown to this file")
	memLimit := fset.String("child-gomemlimit", "", "run the memory row's cmd/glossa with this GOMEMLIMIT (e.g. 48MiB), to see what a soft limit does")
	only := fset.String("only", "", "run only these row groups, comma-separated: "+strings.Join(rowGroups, ", "))
	readers := fset.String("readers", "", "the fan-out's numbers of readers, comma-separated (default 1000): a pair of rows for each, signed out and signed in")
	dbKind := fset.String("db", "sqlite", "the database every row runs on: sqlite (files in a temporary directory) or postgres (a throwaway PostgreSQL server, fsync on)")
	cpuProfile := fset.String("cpuprofile", "", "write a CPU profile of the run to this file (the in-process rows: server and clients are this process)")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("no arguments expected, got %q", fset.Args())
	}
	cfg := fullConfig()
	if *quick {
		cfg = quickConfig()
	}
	cfg.log = stderr
	cfg.childMemLimit = *memLimit
	if cfg.only, err = parseOnly(*only); err != nil {
		return err
	}
	if *readers != "" {
		if cfg.readers, err = parseCounts(*readers); err != nil {
			return fmt.Errorf("-readers: %w", err)
		}
	}
	raiseFileLimit(stderr)
	var dbNote string
	switch *dbKind {
	case "sqlite":
	case "postgres":
		fmt.Fprintln(stderr, "starting PostgreSQL")
		if cfg.pg, err = pgtest.Start(pgtest.Options{Durable: true}); err != nil {
			return fmt.Errorf("-db postgres: %w", err)
		}
		defer cfg.pg.Stop()
		settings, err := cfg.pg.Settings(ctx)
		if err != nil {
			return err
		}
		cfg.instances = 3
		dbNote = "Database: PostgreSQL on this machine, loopback TCP, " + settings + ".\n"
	default:
		return fmt.Errorf("-db: %q is neither sqlite nor postgres", *dbKind)
	}

	dir, err := os.MkdirTemp("", "glossabench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start, loadBefore := time.Now(), loadAverage()
	rows, err := measure(ctx, cfg, dir)
	if err != nil {
		return err
	}
	// The load says how far to trust a run: others' work on a shared
	// machine moves both sides of a ratio, but not always equally.
	note := dbNote + fmt.Sprintf("Run took %s; load average (1, 5, 15 min) %s at the start, %s at the end.\n",
		time.Since(start).Round(time.Second), loadBefore, loadAverage())
	fmt.Fprint(stdout, textTable(rows)+"\n"+note)
	if *md != "" {
		if err := os.WriteFile(*md, []byte(markdownTable(rows)+"\n"+note), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// rowGroups are the names -only takes, one per group of rows measure
// makes, in the order it makes them.
var rowGroups = []string{"page", "create", "fanout", "publish", "memory", "weight", "signedin"}

// parseOnly reads -only: "" selects every group.
func parseOnly(s string) (map[string]bool, error) {
	if s == "" {
		return nil, nil
	}
	only := map[string]bool{}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(rowGroups, name) {
			return nil, fmt.Errorf("-only: unknown row group %q; the groups are %s", name, strings.Join(rowGroups, ", "))
		}
		only[name] = true
	}
	return only, nil
}

// parseCounts reads a comma-separated list of positive numbers.
func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// runs reports whether the row group name is to be measured.
func (cfg config) runs(name string) bool { return cfg.only == nil || cfg.only[name] }

// loadAverage is the first three fields of /proc/loadavg, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// raiseFileLimit lifts the soft limit on open files to the hard one: the
// fan-out row holds two sockets per reader in this one process.
func raiseFileLimit(log io.Writer) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			fmt.Fprintln(log, "could not raise the open-file limit:", err)
		}
	}
}

// measure runs every row in order and returns the table.
func measure(ctx context.Context, cfg config, dir string) ([]row, error) {
	logf := func(format string, a ...any) { fmt.Fprintf(cfg.log, format+"\n", a...) }
	quiet := slog.New(slog.DiscardHandler)

	dsn, err := cfg.database(ctx, dir, "glossa")
	if err != nil {
		return nil, err
	}
	g, err := startGlossa(ctx, dsn, quiet)
	if err != nil {
		return nil, err
	}
	defer g.close()

	var rows []row
	var weight0, weightN, weightSigned []row
	var readers []reader // signed in, for the signed-in page rows
	if cfg.runs("signedin") {
		users, err := makeReaders(ctx, g.db, "reader", cfg.pageReaders)
		if err != nil {
			return nil, err
		}
		if readers, err = signIn(ctx, g.url, users); err != nil {
			return nil, err
		}
	}

	// The page, first with no notes, then with pageNotes visible ones.
	// The notes are seeded whatever the groups: the rows after depend on
	// a document that has them.
	if cfg.runs("weight") {
		weight0 = pageWeightRows(ctx, cfg, g.url+"/read/"+g.slug, "no notes", nil)
	}
	if cfg.runs("page") {
		logf("page, 0 notes: %d rounds of %s per side", cfg.rounds, cfg.duration)
		r, err := pageRow(ctx, cfg, g, "Essay page, 0 notes (req/s)", 0.7)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	if cfg.runs("signedin") {
		logf("page, 0 notes, %d signed-in readers", len(readers))
		r, err := signedInPageRow(ctx, cfg, g, readers, "Essay page, 0 notes, signed in (req/s)", 0.7)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}

	logf("seeding %d public notes", cfg.pageNotes)
	if err := seedPublic(ctx, g.db, g.slug, cfg.pageNotes); err != nil {
		return nil, err
	}
	if cfg.runs("page") {
		logf("page, %d notes", cfg.pageNotes)
		r, err := pageRow(ctx, cfg, g, fmt.Sprintf("Essay page, %s visible notes (req/s)", thousands(cfg.pageNotes)), 0.5)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	if cfg.runs("weight") {
		weightN = pageWeightRows(ctx, cfg, g.url+"/read/"+g.slug, thousands(cfg.pageNotes)+" notes", nil)
	}
	if cfg.runs("signedin") {
		logf("page, %d notes, %d signed-in readers", cfg.pageNotes, len(readers))
		r, err := signedInPageRow(ctx, cfg, g, readers, fmt.Sprintf("Essay page, %s visible notes, signed in (req/s)", thousands(cfg.pageNotes)), 0.5)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
		weightSigned = pageWeightRows(ctx, cfg, g.url+"/read/"+g.slug, thousands(cfg.pageNotes)+" notes, a signed-in reader", readers[0].cookie)[:1]
	}

	if cfg.runs("create") {
		logf("note creation")
		r, err := createRow(ctx, cfg, g, dir)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}

	if cfg.runs("fanout") {
		logf("live fan-out: %v readers, %d notes", cfg.readers, cfg.fanNotes)
		fan, err := fanOutRows(ctx, cfg, g)
		if err != nil {
			return nil, err
		}
		rows = append(rows, fan...)
	}
	g.close()

	// The memory row runs on the database the publish row seeds.
	big, err := cfg.database(ctx, dir, "big")
	if err != nil {
		return nil, err
	}
	if cfg.runs("publish") || cfg.runs("memory") {
		logf("publish with %d notes (seeding them)", cfg.dbNotes)
		pub, err := publishRow(ctx, cfg, big)
		if err != nil {
			return nil, err
		}
		rows = append(rows, pub)
	}

	if cfg.runs("memory") {
		if cfg.child {
			logf("peak memory of cmd/glossa with %d notes", cfg.dbNotes)
			mem, err := memoryRow(ctx, cfg, dir, big)
			if err != nil {
				return nil, err
			}
			rows = append(rows, mem)
		} else {
			rows = append(rows, skipped("Peak RSS, page run, "+thousands(cfg.dbNotes)+" notes in db", "< 64 MB", "not measured in this run"))
		}
	}

	rows = append(rows, weight0...)
	rows = append(rows, weightN...)
	rows = append(rows, weightSigned...)

	// A class: many notes visible to each signed-in reader.
	if cfg.runs("signedin") {
		class, err := cfg.database(ctx, dir, "class")
		if err != nil {
			return nil, err
		}
		logf("class database: %d group notes, %d members", cfg.classNotes, cfg.classReaders)
		members, err := classDB(ctx, cfg, class, cfg.classReaders, cfg.classNotes)
		if err != nil {
			return nil, err
		}
		logf("essay page, %d notes visible to one signed-in reader", cfg.classNotes)
		cr, err := classRows(ctx, cfg, class, members)
		if err != nil {
			return nil, err
		}
		rows = append(rows, cr...)
		if cfg.child {
			logf("peak memory of cmd/glossa, %d signed-in readers", len(members))
			mem, err := classMemoryRow(ctx, cfg, dir, class, members)
			if err != nil {
				return nil, err
			}
			rows = append(rows, mem)
		} else {
			rows = append(rows, skipped(fmt.Sprintf("Peak RSS of cmd/glossa, %s notes visible, %d distinct signed-in readers", thousands(cfg.classNotes), len(members)),
				"≤ 64 MB", "not measured in this run"))
		}
	}
	return rows, nil
}

// database returns where the run's database name is to be: a new, empty
// database on cfg.pg, or a SQLite file in dir.
func (cfg config) database(ctx context.Context, dir, name string) (string, error) {
	if cfg.pg != nil {
		return cfg.pg.CreateDatabase(ctx, name)
	}
	return filepath.Join(dir, name+".db"), nil
}

// thousands writes n with a comma every three digits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
