-- Store migration 20 (issue 15, item 4): the files a quick reply carries (C8), copied from the
-- line server with the replies: a JSON array of {id, name, size}; the bytes stay on the server
-- until the reply is used in a chat.
ALTER TABLE quick_replies ADD COLUMN files TEXT NOT NULL DEFAULT '[]';
