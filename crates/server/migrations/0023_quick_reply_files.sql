-- Line server storage, migration 23 (issue 15, item 4): quick replies carry files (C8; peers'
-- users ask for it, Chatwoot #12204), uploaded by the line's admin in the app.

-- A file a quick reply carries; its line's specialists fetch it to send into a chat.
CREATE TABLE quick_reply_files (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL REFERENCES lines (id),
    name TEXT NOT NULL,
    bytes BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX quick_reply_files_by_line ON quick_reply_files (line_id);

-- The ids of a reply's files, in order, as a JSON array.
ALTER TABLE quick_replies ADD COLUMN files TEXT NOT NULL DEFAULT '[]';
