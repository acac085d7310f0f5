package store

import (
	"context"
	"errors"
	"fmt"
)

// Group commit for CreateNote.
//
// Why: a note is one write transaction on the one write connection, and
// with synchronous=FULL its commit waits for an fsync of the WAL. Measured
// on the development machine, that commit was about half of a note's time
// in the writer (p50 1.2 ms of some 3 ms), and writers queue for the
// connection, so notes per second was one over the whole transaction,
// however many clients wrote at once.
//
// How: CreateNote does not open a transaction itself. It queues its note
// and waits; one goroutine, the create writer, takes every note waiting
// (up to maxCreateBatch) and writes them in one transaction, each inside
// its own SAVEPOINT, then commits once and answers each caller. When notes
// arrive one at a time, each batch holds one note and nothing changes;
// when they arrive together, they share the commit and its fsync.
//
// Why it is correct:
//   - Durability: a caller gets its note only after the commit that holds
//     it has returned, with the same synchronous=FULL, so an acknowledged
//     note is on disk exactly as before. If the commit fails, every note of
//     the batch gets that error and none is acknowledged.
//   - Errors stay per note: a note that fails is rolled back to its
//     savepoint, which undoes all it wrote (row, full-text index, tags,
//     events, notifications) and nothing else, and its caller gets its own
//     error. Should SQLite have abandoned the whole transaction (an I/O
//     error, a full disk), the rollback to the savepoint fails and every
//     note of the batch gets the error: none was committed.
//   - Isolation: the notes of a batch are written one after the other, as
//     separate transactions would be; the full-text index is updated in
//     the same transaction, so search stays in step with every commit.
//   - Cancellation: a caller whose context ends while its note is still
//     queued withdraws it and gets the context's error; nothing is written.
//     Once the writer has taken a note it is written (or fails) whatever
//     the context, and the caller waits for that outcome: the statements
//     run with the writer's own context, because an interrupted statement
//     would make SQLite roll back the whole transaction, the other
//     callers' notes included. A note whose context ended before the
//     writer reached it is skipped with that error.
//   - Shutdown: Close refuses new notes (ErrClosed), lets the writer write
//     those already queued, and closes the pools after it has stopped.
const maxCreateBatch = 32

// ErrClosed is returned for a write asked of a closed DB.
var ErrClosed = errors.New("database closed")

// createReq is one CreateNote call waiting for the create writer.
type createReq struct {
	ctx   context.Context
	n     NewNote
	taken bool             // under db.cmu: the writer has it and will answer
	done  chan createReply // buffered: the writer never waits for the caller
}

type createReply struct {
	note Note
	err  error
}

// queueCreate hands n to the create writer and waits for its answer.
func (db *DB) queueCreate(ctx context.Context, n NewNote) (Note, error) {
	if err := ctx.Err(); err != nil {
		return Note{}, fmt.Errorf("create note: %w", err)
	}
	req := &createReq{ctx: ctx, n: n, done: make(chan createReply, 1)}
	db.cmu.Lock()
	if db.closed {
		db.cmu.Unlock()
		return Note{}, fmt.Errorf("create note: %w", ErrClosed)
	}
	db.queue = append(db.queue, req)
	db.cmu.Unlock()
	select {
	case db.wake <- struct{}{}:
	default: // the writer has been woken already
	}

	select {
	case r := <-req.done:
		return r.note, r.err
	case <-ctx.Done():
	}
	db.cmu.Lock()
	if !req.taken {
		for i, q := range db.queue {
			if q == req {
				db.queue = append(db.queue[:i], db.queue[i+1:]...)
				break
			}
		}
		db.cmu.Unlock()
		return Note{}, fmt.Errorf("create note: %w", ctx.Err())
	}
	db.cmu.Unlock()
	r := <-req.done // taken: it is being written; say what became of it
	return r.note, r.err
}

// createWriter is the create writer's loop; it returns once Close has been
// called and the queue is empty.
func (db *DB) createWriter() {
	defer close(db.writerDone)
	for {
		db.cmu.Lock()
		if len(db.queue) == 0 {
			closed := db.closed
			db.cmu.Unlock()
			if closed {
				return
			}
			<-db.wake
			continue
		}
		k := min(len(db.queue), maxCreateBatch)
		batch := make([]*createReq, k)
		copy(batch, db.queue)
		db.queue = append(db.queue[:0], db.queue[k:]...)
		for _, r := range batch {
			r.taken = true
		}
		db.cmu.Unlock()
		db.writeBatch(batch)
	}
}

// writeBatch writes the batch's notes in one transaction, each in its own
// savepoint, commits once, and answers every caller.
func (db *DB) writeBatch(batch []*createReq) {
	ctx := context.Background() // see "Cancellation" above
	replies := make([]createReply, len(batch))
	var answered bool // every caller has its reply
	fail := func(err error) {
		answered = true
		for i, r := range batch {
			if replies[i].err == nil {
				replies[i] = createReply{err: fmt.Errorf("create note: %w", err)}
			}
			r.done <- replies[i]
		}
	}
	defer func() {
		// A panic here would otherwise end the writer, and with it every
		// later note; the HTTP layer used to recover it per request.
		if p := recover(); p != nil && !answered {
			fail(fmt.Errorf("panic: %v", p))
		}
	}()
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		fail(err)
		return
	}
	defer tx.Rollback()
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			replies[i].err = fmt.Errorf("create note: %w", err)
			continue
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT create_note`); err != nil {
			fail(err)
			return
		}
		note, err := createNote(ctx, tx, r.n)
		if err != nil {
			replies[i].err = err
			if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO create_note`); rerr != nil {
				// The transaction is gone: nothing of the batch is kept.
				fail(fmt.Errorf("%w (after %w)", rerr, err))
				return
			}
		} else {
			replies[i].note = note
		}
		if _, err := tx.ExecContext(ctx, `RELEASE create_note`); err != nil {
			fail(err)
			return
		}
	}
	written := false
	for _, r := range replies {
		written = written || r.err == nil
	}
	if written {
		if err := db.commit(tx); err != nil {
			fail(err)
			return
		}
	}
	answered = true
	for i, r := range batch {
		r.done <- replies[i]
	}
}
