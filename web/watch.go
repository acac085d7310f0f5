package web

import (
	"context"
	"time"
)

// watchOthers looks, every interval until ctx ends, for commits made on
// the database by other processes: "glossa publish" (a new revision),
// "glossa import" (notes), "glossa user add" and the like, run beside the
// server, and on PostgreSQL other glossa instances, whose notices wake it
// at once (store.DB.OthersNoticed). When there are any, it renders anew
// each document that got a new revision, and only then counts the change
// as a generation of the store: pages cached before it are made again
// (with the new revision and the imported notes), and live streams read
// the event log, so a new revision's moved notes, an import's notes and
// another instance's notes reach open pages too. The order matters: a
// page rendered with the old revision is cached under a generation that
// is over by the time anyone could ask for the new one.
//
// On SQLite, polling a number on the write connection once a second is
// one small query; watching files instead would have to follow the -wal
// file and its checkpoints, and would also fire at the server's own
// commits. On PostgreSQL the poll is the safety net: while the store's
// listener is not connected, every tick counts as a change (the streams
// read the log again, pages are made again), and its error is logged
// once, until it changes or clears.
func (s *Server) watchOthers(ctx context.Context, every time.Duration) {
	defer close(s.watchDone)
	t := time.NewTicker(every)
	defer t.Stop()
	var (
		pending bool   // a change seen but not yet taken in: try again
		lastErr string // logged once until it changes or clears
	)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.db.OthersNoticed():
		}
		err := func() error {
			moved, watchErr := s.db.OthersWrote(ctx)
			if !moved && !pending {
				return watchErr
			}
			if moved {
				// It may have ended sessions, or restored accounts.
				s.sessStor.forget()
				s.users.forget()
			}
			pending = true
			replaced, err := s.docs.Refresh(ctx)
			if err != nil {
				return err
			}
			for _, slug := range replaced {
				e, _ := s.docs.Doc(slug)
				s.log.Info("serving a revision published by another process", "slug", slug, "revision", e.Rev.Number)
			}
			pending = false
			s.db.MarkChanged()
			return watchErr
		}()
		switch {
		case err == nil:
			if lastErr != "" {
				s.log.Info("watching for other processes' writes again")
			}
			lastErr = ""
		case ctx.Err() != nil:
			return
		case err.Error() != lastErr:
			lastErr = err.Error()
			s.log.Error("watch for other processes' writes", "err", err)
		}
	}
}
