-- 0014: who has a live stream open, per glossa instance; see the same
-- migration for SQLite.
CREATE TABLE live_instances (
    instance text PRIMARY KEY CHECK (instance <> ''),
    seen_at  text NOT NULL CHECK (seen_at ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$')
);

CREATE TABLE live_readers (
    instance    text NOT NULL REFERENCES live_instances (instance) ON DELETE CASCADE,
    document_id bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (instance, document_id, user_id)
);
CREATE INDEX live_readers_document ON live_readers (document_id);
