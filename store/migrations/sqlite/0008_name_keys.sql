-- 0008: user names compare with Unicode case folding, not only ASCII's.
-- users.name is COLLATE NOCASE, which folds ASCII letters only, so "Åsa"
-- and "åsa" could be two accounts. name_key is the name NFKC-normalised
-- and case-folded (store.NameKey, in Go: SQLite has no Unicode folding).
-- CreateUser fills it; Open fills it for accounts made before this
-- migration and then creates the unique index (fillNameKeys), since the
-- keys cannot be computed in SQL.
ALTER TABLE users ADD COLUMN name_key TEXT;
