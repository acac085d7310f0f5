-- 0013: each document numbers its own events. A live stream reads "the
-- events after N" of one document, so N must only ever grow in the
-- order the events are committed; a number shared by all documents and
-- drawn before the commit (a PostgreSQL sequence) can commit out of
-- order and leave a stream past an event it never saw. documents.last_event
-- is the document's counter, and logEvent (events.go) takes the next
-- number from it in the writing transaction, which holds the document's
-- row until it commits. Existing events keep their number (seq = id), so
-- a reader's Last-Event-ID from before stays good.
ALTER TABLE documents ADD COLUMN last_event INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE events SET seq = id;
UPDATE documents SET last_event = coalesce((SELECT max(seq) FROM events WHERE events.document_id = documents.id), 0);
DROP INDEX events_document;
CREATE UNIQUE INDEX events_seq ON events (document_id, seq);
