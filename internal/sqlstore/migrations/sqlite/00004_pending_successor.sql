-- +goose Up
-- A scheduled rotation creates the successor key before it delivers it; the
-- old key names that successor until the outcome is recorded, so a server
-- that stopped in between is cleaned up by the next attempt.
ALTER TABLE api_keys ADD COLUMN pending_successor_id TEXT NOT NULL DEFAULT '';
