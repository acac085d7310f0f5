-- 0009: user names that look alike are one name. name_skeleton is the
-- name's UTS #39 confusable skeleton, case-folded (store.NameSkeleton, in
-- Go), so Cyrillic "bоb" has the skeleton of Latin "bob". CreateUser
-- refuses a name whose skeleton an account already has. The index is not
-- unique: accounts made before this migration may share a skeleton, and
-- both keep signing in. Open fills the column for them (fillNameSkeletons).
ALTER TABLE users ADD COLUMN name_skeleton TEXT;
CREATE INDEX users_name_skeleton ON users (name_skeleton);
