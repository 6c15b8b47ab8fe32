-- Store migration 30 (issue 16, item 5): the client index keeps prefix indexes of one, two and
-- three characters. A search word is a prefix ("a"* of a.petrov@..., "п"*): without them
-- FTS5 merged the lists of every word starting with those letters, 15 ms for an e-mail at
-- 100,000 clients. Same columns and triggers as migration 0026, only the table is rebuilt.

DROP TRIGGER client_search_insert;
DROP TRIGGER client_search_update;
DROP TRIGGER client_search_delete;
DROP TRIGGER client_search_company;
DROP TABLE client_search;

CREATE VIRTUAL TABLE client_search USING fts5 (
    name, login_id, email, company, inn, phone, reg_number,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

CREATE TRIGGER client_search_insert AFTER INSERT ON clients BEGIN
    INSERT INTO client_search (rowid, name, login_id, email, company, inn, phone, reg_number)
    SELECT id, name, login_id, email, company, inn, phone, reg_number
    FROM client_search_source WHERE id = new.id;
END;

CREATE TRIGGER client_search_update AFTER UPDATE ON clients BEGIN
    DELETE FROM client_search WHERE rowid = old.id;
    INSERT INTO client_search (rowid, name, login_id, email, company, inn, phone, reg_number)
    SELECT id, name, login_id, email, company, inn, phone, reg_number
    FROM client_search_source WHERE id = new.id;
END;

CREATE TRIGGER client_search_delete AFTER DELETE ON clients BEGIN
    DELETE FROM client_search WHERE rowid = old.id;
END;

CREATE TRIGGER client_search_company AFTER UPDATE OF name, inn, reg_number ON companies BEGIN
    DELETE FROM client_search WHERE rowid IN (SELECT id FROM clients WHERE company_id = new.id);
    INSERT INTO client_search (rowid, name, login_id, email, company, inn, phone, reg_number)
    SELECT id, name, login_id, email, company, inn, phone, reg_number
    FROM client_search_source WHERE company_id = new.id;
END;

INSERT INTO client_search (rowid, name, login_id, email, company, inn, phone, reg_number)
SELECT id, name, login_id, email, company, inn, phone, reg_number FROM client_search_source;
