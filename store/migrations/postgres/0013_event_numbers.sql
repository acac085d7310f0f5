-- 0013: each document numbers its own events; see the same migration for
-- SQLite. Here it matters most: the events' ids come from a sequence,
-- drawn before the commit, so two writers can commit them out of order.
ALTER TABLE documents ADD COLUMN last_event bigint NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN seq bigint;
UPDATE events SET seq = id;
ALTER TABLE events ALTER COLUMN seq SET NOT NULL;
UPDATE documents SET last_event = coalesce((SELECT max(seq) FROM events WHERE events.document_id = documents.id), 0);
DROP INDEX events_document;
CREATE UNIQUE INDEX events_seq ON events (document_id, seq);
