-- Issue 17: the login throttle's state kept by the storage, so that the servers of a database
-- (PostgreSQL's migration 5 is the same table) apply one limit: per key (a login from an
-- address, or an address) the failures since the last lockout or success (a JSON array of ms
-- since the epoch), the lock, how many lockouts; `seen` to forget quiet keys.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures TEXT NOT NULL,
    locked_until INTEGER,
    lockouts INTEGER NOT NULL,
    seen INTEGER NOT NULL
);
CREATE INDEX login_throttle_by_seen ON login_throttle (seen);
