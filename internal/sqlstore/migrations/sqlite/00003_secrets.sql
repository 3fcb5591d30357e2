-- +goose Up
-- Secrets (SPEC §5, the Keyway surface): vaults, their environments,
-- secrets, sealed versions, per-organization data keys, the activity feed
-- and device-flow login codes. Times are Unix milliseconds. Secret values
-- exist only as AES-256-GCM ciphertext under the organization's data key,
-- which is stored only wrapped by the master key.
CREATE TABLE org_keys (
    org_id        TEXT PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    wrapped       BLOB NOT NULL,
    master_key_id TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX org_keys_master ON org_keys (master_key_id);

CREATE TABLE vaults (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    owner      TEXT NOT NULL,
    repo       TEXT NOT NULL,
    name_lower TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (org_id, name_lower)
);

CREATE TABLE vault_envs (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    vault_id   TEXT NOT NULL REFERENCES vaults (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    read_role  TEXT NOT NULL DEFAULT '',
    write_role TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    UNIQUE (vault_id, name)
);
CREATE INDEX vault_envs_org ON vault_envs (org_id, vault_id);

CREATE TABLE secrets (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    vault_id       TEXT NOT NULL REFERENCES vaults (id) ON DELETE CASCADE,
    env_id         TEXT NOT NULL REFERENCES vault_envs (id) ON DELETE CASCADE,
    key            TEXT NOT NULL,
    version_id     TEXT NOT NULL,
    version_number INTEGER NOT NULL,
    created_by     TEXT NOT NULL,
    updated_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    deleted_at     INTEGER
);
-- One live secret per key and environment; the trash may hold several.
CREATE UNIQUE INDEX secrets_live_key ON secrets (env_id, key) WHERE deleted_at IS NULL;
CREATE INDEX secrets_vault ON secrets (org_id, vault_id, updated_at);
CREATE INDEX secrets_trash ON secrets (org_id, deleted_at);

CREATE TABLE secret_versions (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    secret_id  TEXT NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
    number     INTEGER NOT NULL,
    ciphertext BLOB NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (secret_id, number)
);
CREATE INDEX secret_versions_org ON secret_versions (org_id, secret_id);

CREATE TABLE activities (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    vault_id   TEXT NOT NULL DEFAULT '',
    vault_name TEXT NOT NULL DEFAULT '',
    actor_type TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    actor_name TEXT NOT NULL DEFAULT '',
    action     TEXT NOT NULL,
    platform   TEXT NOT NULL,
    metadata   TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
);
CREATE INDEX activities_org ON activities (org_id, created_at);

-- Device-flow codes exist before the organization is known: org_id is
-- filled in when a signed-in user approves the code.
CREATE TABLE device_codes (
    id          TEXT PRIMARY KEY,
    hash        BLOB NOT NULL UNIQUE,
    user_code   TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL,
    org_id      TEXT NOT NULL DEFAULT '',
    user_id     TEXT NOT NULL DEFAULT '',
    repository  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    decided_at  INTEGER
);
CREATE INDEX device_codes_expiry ON device_codes (expires_at);
