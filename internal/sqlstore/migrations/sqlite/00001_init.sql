-- +goose Up
-- Times are Unix milliseconds (INTEGER): one portable, sortable encoding for
-- both databases, at the precision every surface renders.
CREATE TABLE orgs (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX users_org ON users (org_id);

CREATE TABLE setup_tokens (
    hash       BLOB PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    hash         BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX sessions_user ON sessions (org_id, user_id);

CREATE TABLE mgmt_keys (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    key_prefix     TEXT NOT NULL,
    hash           BLOB NOT NULL UNIQUE,
    pepper_version INTEGER NOT NULL,
    scopes         TEXT NOT NULL DEFAULT '[]',
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    last_used_at   INTEGER,
    revoked_at     INTEGER
);
CREATE INDEX mgmt_keys_org ON mgmt_keys (org_id, created_at);

CREATE TABLE projects (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE environments (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (project_id, name)
);

-- One head per organization: the last sequence number and hash. Appends lock
-- it, so the chain has one order even with several servers; a deleted tail
-- row is caught because the head still names it.
CREATE TABLE audit_heads (
    org_id TEXT PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    hash   BLOB NOT NULL
);

CREATE TABLE audit_events (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    time          INTEGER NOT NULL,
    actor_type    TEXT NOT NULL,
    actor_id      TEXT NOT NULL,
    action        TEXT NOT NULL,
    resource_type TEXT NOT NULL DEFAULT '',
    resource_id   TEXT NOT NULL DEFAULT '',
    request_id    TEXT NOT NULL DEFAULT '',
    client_ip     TEXT NOT NULL DEFAULT '',
    machine_id    TEXT NOT NULL DEFAULT '',
    permission_id TEXT NOT NULL DEFAULT '',
    provider      TEXT NOT NULL DEFAULT '',
    method        TEXT NOT NULL DEFAULT '',
    endpoint      TEXT NOT NULL DEFAULT '',
    status_code   INTEGER NOT NULL DEFAULT 0,
    metadata      TEXT NOT NULL DEFAULT '{}',
    prev_hash     BLOB NOT NULL,
    hash          BLOB NOT NULL,
    UNIQUE (org_id, seq)
);
CREATE INDEX audit_events_org_time ON audit_events (org_id, time);
CREATE INDEX audit_events_org_action ON audit_events (org_id, action);

-- Server-wide secrets (the key-hashing pepper, signing keys), each sealed
-- under the master key: the database alone cannot compute or check a key's
-- hash, and rotating the master key only re-wraps these rows.
CREATE TABLE server_secrets (
    name          TEXT PRIMARY KEY,
    wrapped       BLOB NOT NULL,
    master_key_id TEXT NOT NULL
);
