-- Store migration 22 (issue 16, item 2, C9): a file queued without confirmation that the
-- server then refused because a colleague took the client's appeal meanwhile (the rule
-- `appeal.held_by_colleague`) is not failed: it waits, held, until the specialist is asked
-- again and confirms (it goes with `confirmed` then) or drops it.
ALTER TABLE file_uploads ADD COLUMN held_at INTEGER;
