-- Store migration 33 (issue 16, item 5): the first sync of a store builds the client index once
-- at its end instead of a row at a time. While `client_index_deferred` holds its row the
-- client index's triggers do nothing; `Store::catch_up_client_index` then fills the index from
-- `client_search_source` in one statement and removes the row (also at the next open when the
-- app stopped in the middle). The index and the triggers are migration 0030's otherwise.

CREATE TABLE client_index_deferred (
    only INTEGER PRIMARY KEY CHECK (only = 1)
);

DROP TRIGGER client_search_insert;
DROP TRIGGER client_search_update;
DROP TRIGGER client_search_delete;
DROP TRIGGER client_search_company;

CREATE TRIGGER client_search_insert AFTER INSERT ON clients
WHEN NOT EXISTS (SELECT 1 FROM client_index_deferred) BEGIN
    INSERT INTO client_search (rowid, name, login_id, email, company, inn, phone, reg_number)
    SELECT id, name, login_id, email, company, inn, phone, reg_number
    FROM client_search_source WHERE id = new.id;
END;

CREATE TRIGGER client_search_update AFTER UPDATE ON clients
WHEN NOT EXISTS (SELECT 1 FROM client_index_deferred) BEGIN
    DELETE FROM client_search WHERE rowid = old.id;
    INSERT INTO client_search (rowid, name, login_id, email, company, inn, phone, reg_number)
    SELECT id, name, login_id, email, company, inn, phone, reg_number
    FROM client_search_source WHERE id = new.id;
END;

CREATE TRIGGER client_search_delete AFTER DELETE ON clients
WHEN NOT EXISTS (SELECT 1 FROM client_index_deferred) BEGIN
    DELETE FROM client_search WHERE rowid = old.id;
END;

CREATE TRIGGER client_search_company AFTER UPDATE OF name, inn, reg_number ON companies
WHEN NOT EXISTS (SELECT 1 FROM client_index_deferred) BEGIN
    DELETE FROM client_search WHERE rowid IN (SELECT id FROM clients WHERE company_id = new.id);
    INSERT INTO client_search (rowid, name, login_id, email, company, inn, phone, reg_number)
    SELECT id, name, login_id, email, company, inn, phone, reg_number
    FROM client_search_source WHERE company_id = new.id;
END;
