-- Line server storage, migration 28 (issue 16, items 6 and 8).
-- W1: the specialist's profile as colleagues and clients see it: the position beside the name,
-- and the avatar (its bytes, the type read from them when it was kept, and how many times it
-- changed, so apps fetch it again only when it did).
ALTER TABLE specialists ADD COLUMN position TEXT NOT NULL DEFAULT '';
ALTER TABLE specialists ADD COLUMN avatar BLOB;
ALTER TABLE specialists ADD COLUMN avatar_type TEXT;
ALTER TABLE specialists ADD COLUMN avatar_version INTEGER NOT NULL DEFAULT 0;
-- T4 (seed 004): where a client's dispute of a closed ticket of this queue goes: the line of
-- its category's experts (NULL: none set, the dispute is refused).
ALTER TABLE ticket_queues ADD COLUMN dispute_line INTEGER REFERENCES lines (id);
