-- +goose Up
-- API keys issued to customers (SPEC §4), their policies, scope registry,
-- rotations, usage records and rotation-webhook delivery attempts. Times are
-- Unix milliseconds; hashes are HMAC-SHA-256 under the server pepper.
CREATE TABLE key_policies (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    rate_limit      INTEGER NOT NULL DEFAULT 0,
    rate_window_ms  INTEGER NOT NULL DEFAULT 0,
    burst           INTEGER NOT NULL DEFAULT 0,
    allowed_scopes  TEXT NOT NULL DEFAULT '[]',
    allowed_ips     TEXT NOT NULL DEFAULT '[]',
    allowed_origins TEXT NOT NULL DEFAULT '[]',
    max_key_age_ms  INTEGER NOT NULL DEFAULT 0,
    rotation_period_ms INTEGER NOT NULL DEFAULT 0,
    grace_period_ms INTEGER NOT NULL DEFAULT 0,
    daily_quota     INTEGER NOT NULL DEFAULT 0,
    monthly_quota   INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX key_policies_org ON key_policies (org_id, created_at);

CREATE TABLE key_scopes (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    parent      TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE api_keys (
    id                     TEXT PRIMARY KEY,
    org_id                 TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    project_id             TEXT NOT NULL REFERENCES projects (id),
    environment_id         TEXT REFERENCES environments (id),
    name                   TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    prefix                 TEXT NOT NULL,
    environment            TEXT NOT NULL,
    key_prefix             TEXT NOT NULL,
    hint                   TEXT NOT NULL,
    hash                   BLOB NOT NULL UNIQUE,
    pepper_version         INTEGER NOT NULL,
    state                  TEXT NOT NULL,
    scopes                 TEXT NOT NULL DEFAULT '[]',
    policy_id              TEXT REFERENCES key_policies (id),
    metadata               TEXT NOT NULL DEFAULT '{}',
    created_by             TEXT NOT NULL DEFAULT '',
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL,
    expires_at             INTEGER,
    last_used_at           INTEGER,
    rotated_at             INTEGER,
    revoked_at             INTEGER,
    revoke_reason          TEXT NOT NULL DEFAULT '',
    replaced_by_key_id     TEXT NOT NULL DEFAULT '',
    grace_expires_at       INTEGER,
    rotation_interval_days INTEGER NOT NULL DEFAULT 0,
    next_rotation_at       INTEGER,
    rotation_webhook_url   TEXT NOT NULL DEFAULT '',
    webhook_secret         BLOB,
    webhook_secret_key_id  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX api_keys_org ON api_keys (org_id, created_at);
CREATE INDEX api_keys_project ON api_keys (org_id, project_id, created_at);
CREATE INDEX api_keys_rotation ON api_keys (org_id, next_rotation_at);

CREATE TABLE key_rotations (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    key_id      TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    new_key_id  TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    grace_ms    INTEGER NOT NULL,
    grace_ends  INTEGER NOT NULL,
    rotated_by  TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX key_rotations_key ON key_rotations (org_id, key_id, created_at);

-- Usage rows are written in bulk on every validation and never looked up
-- one by one: no primary key and one index keep the insert cheap.
CREATE TABLE key_usage (
    id          TEXT NOT NULL,
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    key_id      TEXT NOT NULL,
    valid       INTEGER NOT NULL,
    code        TEXT NOT NULL DEFAULT '',
    status_code INTEGER NOT NULL,
    ip          TEXT NOT NULL DEFAULT '',
    origin      TEXT NOT NULL DEFAULT '',
    endpoint    TEXT NOT NULL DEFAULT '',
    method      TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    latency_us  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX key_usage_key ON key_usage (org_id, key_id, created_at);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    message_id      TEXT NOT NULL,
    key_id          TEXT NOT NULL DEFAULT '',
    event           TEXT NOT NULL,
    url             TEXT NOT NULL,
    attempt         INTEGER NOT NULL,
    status          TEXT NOT NULL,
    response_status INTEGER NOT NULL DEFAULT 0,
    error           TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_org ON webhook_deliveries (org_id, created_at);
