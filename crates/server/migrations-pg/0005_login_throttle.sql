-- Issue 17: the login throttle's state shared by the servers of the database (SQLite's
-- migration 25 is the same table): per key (a login from an address, or an address) the
-- failures since the last lockout or success (a JSON array of ms since the epoch), the lock,
-- how many lockouts; `seen` to forget quiet keys. Changes of a key are serialized by an
-- advisory lock per key in their transaction.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures TEXT NOT NULL,
    locked_until BIGINT,
    lockouts BIGINT NOT NULL,
    seen BIGINT NOT NULL
);
CREATE INDEX login_throttle_by_seen ON login_throttle (seen);
