package web

// What one reader's imports may cost. A single import request can bring
// thousands of notes and seconds of work placing them on the text, so it
// is not one write among others: the notes it adds count against a daily
// allowance (Config.ImportLimit), and few imports run at once
// (Config.ImportsAtOnce in the whole server, one per reader). The command
// line's imports are the operator's and pass both.

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"glossa/store"
)

// defaultImportLimit is how many notes one reader may import in a day by
// default: a few thorough Hypothesis histories of an essay, or a reader's
// year of notes brought back from another glossa. Placing a note whose
// quote is not in the essay is the dear part of an import (about 20 ms for
// a quote of 370 characters here: the approximate search), so it bounds
// one reader's import work too. A file holds up to transfer.MaxAnnotations; a larger
// import is split over days, or run by the operator with glossa import.
const defaultImportLimit = 2000

// defaultImportsAtOnce is how many imports the server runs at once by
// default: placing notes is CPU-bound, and a small server must keep
// cores for its readers' pages.
const defaultImportsAtOnce = 2

// importGate bounds the imports running at once: slots in the whole
// server, and one per reader; and it holds a reader's allowance.
type importGate struct {
	slots chan struct{}
	limit int // notes a reader may import a day (Config.ImportLimit)

	mu   sync.Mutex
	busy map[int64]bool // readers with an import under way

	// placed counts the annotations imports have placed on the text
	// since the start: the work an import does per note, which the
	// skipping of notes here already must spare.
	placed atomic.Int64
}

func newImportGate(n, limit int) *importGate {
	return &importGate{slots: make(chan struct{}, n), limit: limit, busy: map[int64]bool{}}
}

// allowance is a reader's allowance: Config.ImportLimit notes a day.
func (g *importGate) allowance() store.ImportAllowance {
	return store.ImportAllowance{Notes: g.limit, Per: 24 * time.Hour}
}

// busyError refuses an import for now, with the seconds to wait.
type busyError struct {
	httpError
	retryAfter int
}

func (e *busyError) Unwrap() error { return &e.httpError }

// reader takes userID's one import slot, or refuses at once: a reader's
// second import while the first runs. It is taken before the file is
// read, so a reader never sends two files at once. leave gives it back.
func (g *importGate) reader(userID int64) (leave func(), err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.busy[userID] {
		return nil, &busyError{httpError{status: http.StatusTooManyRequests,
			msg: "You are importing another file already. Wait for it to finish, then send this one; nothing was imported."}, 5}
	}
	g.busy[userID] = true
	return func() {
		g.mu.Lock()
		delete(g.busy, userID)
		g.mu.Unlock()
	}, nil
}

// server takes one of the server's import slots, or refuses at once when
// it runs as many imports as it may. It is taken once the file is read,
// so a slow upload holds none; the work it guards is placing the notes.
func (g *importGate) server() (leave func(), err error) {
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, nil
	default:
		return nil, &busyError{httpError{status: http.StatusServiceUnavailable,
			msg: fmt.Sprintf("glossa is importing %d other files right now, as many as it takes at once. Try again in a minute; nothing was imported.", cap(g.slots))}, 30}
	}
}
