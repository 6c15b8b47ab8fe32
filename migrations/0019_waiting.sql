-- Migration 19: S4 "waiting for the client". The conversation's open appeal waits for the
-- client (the specialist put it there; the client's next message ends it): its resolution
-- deadline stands still, and the list's badge says "waiting".
ALTER TABLE conversations ADD COLUMN waiting INTEGER NOT NULL DEFAULT 0;
