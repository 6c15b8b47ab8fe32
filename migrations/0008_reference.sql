-- Migration 8: the line's quick replies and knowledge base (C8), copied from the line server at
-- every connection so they work offline. The KB index folds ё to е like the client index.

CREATE TABLE quick_replies (
    line_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (line_id, position)
);

CREATE TABLE kb_articles (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX kb_articles_by_line ON kb_articles (line_id);

CREATE VIRTUAL TABLE kb_search USING fts5 (
    title, body,
    tokenize = 'unicode61 remove_diacritics 2'
);
