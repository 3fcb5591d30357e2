-- +goose Up
-- Every node polls the keys and policies updated since its last look and
-- drops their cache entries (keys.Service), so a change made through one
-- node reaches the others' caches within a second.
CREATE INDEX api_keys_updated ON api_keys (updated_at);
CREATE INDEX key_policies_updated ON key_policies (updated_at);
