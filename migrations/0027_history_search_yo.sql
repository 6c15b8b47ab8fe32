-- Store migration 27 (issue 16, item 5): the chat-history search folds ё to е like the client
-- search (people type «пришел» for «пришёл»). The index holds the folded text; the messages
-- keep theirs, and snippets still show it as written (FTS5 takes the hit positions from the
-- index and the words from the message: folding changes no word count).

DROP TRIGGER message_search_insert;
DROP TRIGGER message_search_delete;
DROP TRIGGER message_search_update;
DROP TABLE message_search;

CREATE VIRTUAL TABLE message_search USING fts5 (
    text,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
    INSERT INTO message_search (rowid, text)
    VALUES (new.id, replace(replace(new.text, 'ё', 'е'), 'Ё', 'Е'));
END;

CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, text)
    VALUES ('delete', old.id, replace(replace(old.text, 'ё', 'е'), 'Ё', 'Е'));
END;

CREATE TRIGGER message_search_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, text)
    VALUES ('delete', old.id, replace(replace(old.text, 'ё', 'е'), 'Ё', 'Е'));
    INSERT INTO message_search (rowid, text)
    VALUES (new.id, replace(replace(new.text, 'ё', 'е'), 'Ё', 'Е'));
END;

INSERT INTO message_search (rowid, text)
SELECT id, replace(replace(text, 'ё', 'е'), 'Ё', 'Е') FROM messages;
