-- Store migration 25 (issue 16, item 7): the header bell's notices, kept across restarts. Only
-- the newest 200 stay (older rows are deleted as new ones come).
CREATE TABLE notices (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms     INTEGER NOT NULL,
    kind      TEXT    NOT NULL,
    line_id   INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    title     TEXT    NOT NULL,
    body      TEXT    NOT NULL
);
