-- Migration 11: what the workstation (issue 6) keeps of a line's log, and the files it sends.

-- T3/T4: who created a ticket, its queue, who works on it, the appeal it came from.
ALTER TABLE tickets ADD COLUMN creator INTEGER;
ALTER TABLE tickets ADD COLUMN queue_id INTEGER;
ALTER TABLE tickets ADD COLUMN owner INTEGER;
ALTER TABLE tickets ADD COLUMN appeal_id INTEGER;
CREATE INDEX tickets_by_creator ON tickets (creator, state);
CREATE INDEX tickets_by_queue ON tickets (queue_id, state);
CREATE INDEX tickets_by_number ON tickets (number);

-- T4: the action history, one row per entry of the server's log. `action` is the domain's
-- TicketAction kind (created, saved, dispatched, taken, rejected, forwarded, commented,
-- marked_repeat, closed, replaced_by); `text` its reason, comment or new number.
CREATE TABLE ticket_history (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    by_specialist INTEGER NOT NULL,
    action TEXT NOT NULL,
    queue_id INTEGER,
    text TEXT
);
CREATE INDEX ticket_history_by_ticket ON ticket_history (ticket_id, id);

-- T2: the ticket queues of each line (from `TicketQueueNamed`).
CREATE TABLE ticket_queues (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX ticket_queues_by_line ON ticket_queues (line_id, id);

-- A1/A6: every appeal of the line's log: what opened it, who holds (or last held) it, when it
-- ended and how. `tier` is set when it was sent to a level of a two-level line (A3).
CREATE TABLE appeals (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    channel TEXT NOT NULL DEFAULT 'chat',
    opened_at INTEGER NOT NULL,
    holder INTEGER,
    finished_at INTEGER,
    result TEXT,
    spam INTEGER NOT NULL DEFAULT 0,
    tier TEXT
);
CREATE INDEX appeals_by_holder ON appeals (holder, opened_at);
-- The appeals open before this migration (their opening is behind the cursor): open ones of
-- this specialist and queued ones, as well as the store knows them.
INSERT INTO appeals (id, line_id, client_id, opened_at, holder)
SELECT appeal_id, line_id, client_id, COALESCE(last_activity_at, 0),
       CASE WHEN appeal_open = 1
            THEN (SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'server_me') END
FROM conversations WHERE appeal_id IS NOT NULL;

-- A1: a chat item that is a file: the message's text is the file's name.
ALTER TABLE messages ADD COLUMN file_id INTEGER;
ALTER TABLE messages ADD COLUMN file_size INTEGER;

-- Files this app sends, kept with their bytes until the server has them (nothing is lost
-- offline); `key` makes a retried upload harmless.
CREATE TABLE file_uploads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    line_id INTEGER NOT NULL,
    client_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    bytes BLOB NOT NULL,
    key TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    uploaded_at INTEGER,
    file_id INTEGER,
    -- The server refused it for good (too large, not a client of the line): kept for the UI.
    failed_reason TEXT
);
CREATE INDEX file_uploads_pending ON file_uploads (id)
    WHERE uploaded_at IS NULL AND failed_reason IS NULL;
