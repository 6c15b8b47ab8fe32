-- Migration 29 (issue 16, item 6): W1, colleagues as their profiles say: the position beside
-- the name, and the avatar (a data: URL of the image the server served) with the version the
-- server announced and the one fetched, so the sync fetches an avatar only when it changed.
ALTER TABLE colleagues ADD COLUMN position TEXT NOT NULL DEFAULT '';
ALTER TABLE colleagues ADD COLUMN avatar TEXT;
ALTER TABLE colleagues ADD COLUMN avatar_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE colleagues ADD COLUMN avatar_fetched INTEGER NOT NULL DEFAULT 0;
