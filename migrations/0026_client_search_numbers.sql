-- Store migration 26 (issue 16, item 5): the client search finds an INN, a phone or a
-- registration number however it was typed. The index keeps their digits only (a Russian
-- phone as 7XXXXXXXXXX, whether it was written +7, 8 or without the country code); queries
-- are normalised the same way (crates/store/src/search_query.rs). What the index holds for a
-- client is defined once, by the view `client_search_source`, which every trigger reads.

DROP TRIGGER client_search_insert;
DROP TRIGGER client_search_update;
DROP TRIGGER client_search_delete;
DROP TRIGGER client_search_company;
DROP TABLE client_search;

CREATE VIEW client_search_digits AS
SELECT c.id AS id,
       replace(replace(replace(replace(replace(replace(replace(
           COALESCE(c.phone, ''), ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''), '/', '')
           AS phone,
       replace(replace(replace(replace(replace(replace(replace(
           COALESCE(co.inn, ''), ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''), '/', '')
           AS inn,
       replace(replace(replace(replace(replace(replace(replace(
           COALESCE(co.reg_number, ''), ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', ''), '/', '')
           AS reg_number
FROM clients c LEFT JOIN companies co ON co.id = c.company_id;

CREATE VIEW client_search_source AS
SELECT c.id AS id,
       c.company_id AS company_id,
       replace(replace(c.name, 'ё', 'е'), 'Ё', 'Е') AS name,
       c.login_id AS login_id,
       c.email AS email,
       replace(replace(co.name, 'ё', 'е'), 'Ё', 'Е') AS company,
       d.inn AS inn,
       CASE
           WHEN length(d.phone) = 11 AND substr(d.phone, 1, 1) = '8' THEN '7' || substr(d.phone, 2)
           WHEN length(d.phone) = 10 AND substr(d.phone, 1, 1) = '9' THEN '7' || d.phone
           ELSE d.phone
       END AS phone,
       d.reg_number AS reg_number
FROM clients c
LEFT JOIN companies co ON co.id = c.company_id
JOIN client_search_digits d ON d.id = c.id;

CREATE VIRTUAL TABLE client_search USING fts5 (
    name, login_id, email, company, inn, phone, reg_number,
    tokenize = 'unicode61 remove_diacritics 2'
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
