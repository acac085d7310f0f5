-- 0014: who has a live stream open, per glossa instance, for presence
-- ("readers here now") when several instances serve one database
-- (PostgreSQL; presence.go). One glossa on a SQLite file keeps presence
-- in memory and leaves these tables empty. An instance that stops
-- beating (seen_at) is left out, and its rows deleted, after a while.
CREATE TABLE live_instances (
    instance TEXT PRIMARY KEY CHECK (instance <> ''),
    seen_at  TEXT NOT NULL CHECK (seen_at GLOB '????-??-??T??:??:??.?????????Z')
) STRICT, WITHOUT ROWID;

CREATE TABLE live_readers (
    instance    TEXT NOT NULL REFERENCES live_instances (instance) ON DELETE CASCADE,
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (instance, document_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX live_readers_document ON live_readers (document_id);
