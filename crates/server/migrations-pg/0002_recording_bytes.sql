-- V1: a call's recording is kept in the database beside its row (SQLite's backend writes a file
-- in the data dir): every server of the database reads it, with nothing to share but PostgreSQL.
-- Downloads read it in chunks (substring of the BYTEA).
ALTER TABLE call_recordings ADD COLUMN ogg BYTEA NOT NULL DEFAULT '\x';
