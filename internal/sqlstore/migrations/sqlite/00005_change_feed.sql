-- +goose Up
-- Every node polls the keys and policies updated since its last look and
-- drops their cache entries (keys.Service.PollChanges), so a change made
-- through one node reaches the others' caches within a second. version
-- tells two changes of a row apart when they share a millisecond.
ALTER TABLE api_keys ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE key_policies ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX api_keys_updated ON api_keys (updated_at);
CREATE INDEX key_policies_updated ON key_policies (updated_at);
