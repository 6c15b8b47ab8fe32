-- Migration 19: closing an appeal. S4 "waiting for the client": the conversation's open
-- appeal waits for the client (the specialist put it there; the client's next message ends
-- it): its resolution deadline stands still, and the list's badge says "waiting". A5/A4: the
-- client's reply is awaited (the specialist wrote last): when the appeal finishes by itself
-- (auto_finish_at) and from when the specialist may finish without the client's reaction to
-- a closing phrase (finish_allowed_at), Unix ms, as the server said (NULL: nothing).
ALTER TABLE conversations ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN auto_finish_at INTEGER;
ALTER TABLE conversations ADD COLUMN finish_allowed_at INTEGER;

-- A4: a line's recommended closing phrases, as the server gives them (replaced whole).
CREATE TABLE closing_phrases (
    line_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (line_id, position)
);
