-- 0007: removals. A teacher who removes someone from a group expects them
-- to stay out, but the invite link let them straight back in, and making a
-- new link broke it for everyone who had not joined yet. A removal is
-- recorded here, and joining with the link refuses whoever has a row. A
-- teacher letting them back in deletes the row (it does not make them a
-- member again: they join with the link like anyone else). Leaving on
-- one's own records nothing.
CREATE TABLE removals (
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The teacher who removed them.
    removed_by INTEGER NOT NULL REFERENCES users (id),
    removed_at TEXT NOT NULL CHECK (removed_at GLOB '????-??-??T??:??:??.?????????Z'),
    PRIMARY KEY (group_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX removals_user ON removals (user_id);
CREATE INDEX removals_removed_by ON removals (removed_by);
