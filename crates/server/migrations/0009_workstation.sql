-- Line server storage, migration 9: what the workstation (issue 6) needs beneath it.

-- A1: what opened an appeal; A3: the level of a two-level line it waits for; A6: spam.
ALTER TABLE appeals ADD COLUMN channel TEXT NOT NULL DEFAULT 'chat';
ALTER TABLE appeals ADD COLUMN tier TEXT NOT NULL DEFAULT 'first';
ALTER TABLE appeals ADD COLUMN spam INTEGER NOT NULL DEFAULT 0;

-- T2: the app learns a line's ticket queues from the log; announce the queues that exist.
-- Each gets the next sequence numbers of its line, in queue order.
INSERT INTO events (line_id, seq, at, body)
SELECT q.line_id,
       COALESCE((SELECT MAX(seq) FROM events e WHERE e.line_id = q.line_id), 0)
           + ROW_NUMBER() OVER (PARTITION BY q.line_id ORDER BY q.id),
       CAST(unixepoch('subsec') * 1000 AS INTEGER),
       json_object('kind', 'ticket_queue_named', 'queue', q.id, 'name', q.name)
FROM ticket_queues q;

-- A1: files sent in a chat. The bytes live in the database (at most 10 MB each): the file
-- and its event commit in one transaction, a backup is one file, and an in-memory server
-- needs no second store. `key` makes a retried upload answer the first one.
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL REFERENCES lines (id),
    client_id INTEGER NOT NULL REFERENCES clients (id),
    from_specialist INTEGER REFERENCES specialists (id),
    appeal_id INTEGER REFERENCES appeals (id),
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    uploader TEXT NOT NULL,
    key TEXT,
    at INTEGER NOT NULL
);
CREATE UNIQUE INDEX files_by_key ON files (uploader, key) WHERE key IS NOT NULL;

-- C8: a specialist's reply saved as a draft article. Not in kb_articles: drafts are never
-- searched for clients, and an import of the line's KB file does not erase them.
CREATE TABLE kb_drafts (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL REFERENCES lines (id),
    specialist_id INTEGER NOT NULL REFERENCES specialists (id),
    subject TEXT NOT NULL,
    text TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX kb_drafts_by_line ON kb_drafts (line_id, id);
