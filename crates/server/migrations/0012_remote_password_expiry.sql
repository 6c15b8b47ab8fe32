-- Line server storage, migration 12: a session password expires (V2). When it was set is kept;
-- passwords set before this migration have no such time and are cleared (the client's
-- assistant sets a new one when it starts).
ALTER TABLE clients ADD COLUMN remote_password_set_at INTEGER;
UPDATE clients SET remote_password_hash = NULL;

-- An attempt is reserved (`pending`) before its verification and settled after it.
CREATE TABLE remote_password_attempts_new (
    id INTEGER PRIMARY KEY,
    specialist_id INTEGER NOT NULL REFERENCES specialists (id),
    client_id INTEGER NOT NULL REFERENCES clients (id),
    at INTEGER NOT NULL,
    outcome TEXT NOT NULL
        CHECK (outcome IN ('pending', 'accepted', 'wrong', 'throttled', 'no_password'))
);
INSERT INTO remote_password_attempts_new (id, specialist_id, client_id, at, outcome)
    SELECT id, specialist_id, client_id, at, outcome FROM remote_password_attempts;
DROP TABLE remote_password_attempts;
ALTER TABLE remote_password_attempts_new RENAME TO remote_password_attempts;
CREATE INDEX remote_password_attempts_by_pair
    ON remote_password_attempts (specialist_id, client_id, at);
