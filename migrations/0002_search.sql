-- Migration 2: full-text search (FTS5).
-- Client search (C4): name, login id, e-mail, company name, INN; prefix queries.
-- Chat-history search (C6): message text.
-- unicode61 folds case for Cyrillic too. Its remove_diacritics only touches Latin letters, so the
-- client index folds ё to е itself (people type «Федоров» for «Фёдоров»); queries fold the same.

CREATE VIRTUAL TABLE client_search USING fts5 (
    name, login_id, email, company, inn,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER client_search_insert AFTER INSERT ON clients BEGIN
    INSERT INTO client_search (rowid, name, login_id, email, company, inn)
    SELECT new.id, replace(replace(new.name, 'ё', 'е'), 'Ё', 'Е'), new.login_id, new.email, replace(replace(co.name, 'ё', 'е'), 'Ё', 'Е'), co.inn
    FROM (SELECT 1) LEFT JOIN companies co ON co.id = new.company_id;
END;

CREATE TRIGGER client_search_update AFTER UPDATE ON clients BEGIN
    DELETE FROM client_search WHERE rowid = old.id;
    INSERT INTO client_search (rowid, name, login_id, email, company, inn)
    SELECT new.id, replace(replace(new.name, 'ё', 'е'), 'Ё', 'Е'), new.login_id, new.email, replace(replace(co.name, 'ё', 'е'), 'Ё', 'Е'), co.inn
    FROM (SELECT 1) LEFT JOIN companies co ON co.id = new.company_id;
END;

CREATE TRIGGER client_search_delete AFTER DELETE ON clients BEGIN
    DELETE FROM client_search WHERE rowid = old.id;
END;

CREATE TRIGGER client_search_company AFTER UPDATE OF name, inn ON companies BEGIN
    UPDATE client_search SET company = replace(replace(new.name, 'ё', 'е'), 'Ё', 'Е'), inn = new.inn
    WHERE rowid IN (SELECT id FROM clients WHERE company_id = new.id);
END;

INSERT INTO client_search (rowid, name, login_id, email, company, inn)
SELECT c.id, replace(replace(c.name, 'ё', 'е'), 'Ё', 'Е'), c.login_id, c.email, replace(replace(co.name, 'ё', 'е'), 'Ё', 'Е'), co.inn
FROM clients c LEFT JOIN companies co ON co.id = c.company_id;

CREATE VIRTUAL TABLE message_search USING fts5 (
    text,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
    INSERT INTO message_search (rowid, text) VALUES (new.id, new.text);
END;

CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, text) VALUES ('delete', old.id, old.text);
END;

CREATE TRIGGER message_search_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO message_search (rowid, text) VALUES (new.id, new.text);
END;

INSERT INTO message_search (message_search) VALUES ('rebuild');
