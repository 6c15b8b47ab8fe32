-- Line server storage, migration 4: SLA levels and deadlines (S1-S5), tickets and their queues
-- (T1-T5), quick replies and the knowledge base, appeal ratings (A4).

-- S5: a line's ordered levels. `body` is the domain's SupportLevel as JSON (calendar and times
-- in the notation). A line without rows uses the built-in default level (crate::sla).
CREATE TABLE sla_levels (
    line_id INTEGER NOT NULL REFERENCES lines (id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (line_id, position)
) WITHOUT ROWID;

-- S2/S3: an appeal's deadlines, fixed when it opened. `clock` is the domain's SlaClock and
-- `calendar` the level's calendar at that moment (a later change of levels does not move it).
-- The alert instants are precomputed; `next_alert_at` is the earliest one not yet fired (NULL
-- when none is left), so the timer is one indexed query. Fired flags survive restarts.
CREATE TABLE appeal_sla (
    appeal_id INTEGER PRIMARY KEY REFERENCES appeals (id),
    line_id INTEGER NOT NULL REFERENCES lines (id),
    level TEXT NOT NULL,
    calendar TEXT NOT NULL,
    clock TEXT NOT NULL,
    reaction_risk_at INTEGER NOT NULL,
    reaction_due INTEGER NOT NULL,
    resolution_risk_at INTEGER NOT NULL,
    resolution_due INTEGER NOT NULL,
    reacted_at INTEGER,
    resolved_at INTEGER,
    reaction_risk_fired INTEGER NOT NULL DEFAULT 0,
    reaction_breach_fired INTEGER NOT NULL DEFAULT 0,
    resolution_risk_fired INTEGER NOT NULL DEFAULT 0,
    resolution_breach_fired INTEGER NOT NULL DEFAULT 0,
    next_alert_at INTEGER
);
CREATE INDEX appeal_sla_next_alert ON appeal_sla (next_alert_at) WHERE next_alert_at IS NOT NULL;

-- A4: a client's rating of a finished appeal, once.
ALTER TABLE appeals ADD COLUMN stars INTEGER;

-- T2: ticket queues of a line; every line has "Первая линия".
CREATE TABLE ticket_queues (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL REFERENCES lines (id),
    name TEXT NOT NULL,
    UNIQUE (line_id, name)
);
INSERT INTO ticket_queues (line_id, name) SELECT id, 'Первая линия' FROM lines;

-- T1-T5: `body` is the domain's Ticket (state, owner, history) as JSON; the other columns are
-- copies for folders, queues and search. Numbers are unique across the server (`26-000042`).
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL REFERENCES lines (id),
    client_id INTEGER NOT NULL REFERENCES clients (id),
    appeal_id INTEGER REFERENCES appeals (id),
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    subject TEXT NOT NULL,
    text TEXT NOT NULL,
    state TEXT NOT NULL,
    queue_id INTEGER REFERENCES ticket_queues (id),
    creator INTEGER NOT NULL REFERENCES specialists (id),
    owner INTEGER NOT NULL REFERENCES specialists (id),
    due_at INTEGER,
    body TEXT NOT NULL,
    UNIQUE (year, seq)
);
CREATE INDEX tickets_by_creator ON tickets (creator, state);
CREATE INDEX tickets_by_queue ON tickets (queue_id, state);
CREATE INDEX tickets_by_client ON tickets (client_id);

-- Quick replies of a line, in the order of its file.
CREATE TABLE quick_replies (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL REFERENCES lines (id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    UNIQUE (line_id, position)
);

-- C8: knowledge-base articles, searched by title and body with FTS5. unicode61 folds the case
-- of Cyrillic as of Latin but keeps ё apart from е, so the index holds the text with ё written
-- е (queries are folded the same way); rowid is the article's id.
CREATE TABLE kb_articles (
    id INTEGER PRIMARY KEY,
    line_id INTEGER NOT NULL REFERENCES lines (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (line_id, title)
);
CREATE VIRTUAL TABLE kb_search USING fts5 (
    title, body,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER kb_articles_insert AFTER INSERT ON kb_articles BEGIN
    INSERT INTO kb_search (rowid, title, body) VALUES (
        new.id,
        replace(replace(new.title, 'ё', 'е'), 'Ё', 'Е'),
        replace(replace(new.body, 'ё', 'е'), 'Ё', 'Е')
    );
END;
CREATE TRIGGER kb_articles_delete AFTER DELETE ON kb_articles BEGIN
    DELETE FROM kb_search WHERE rowid = old.id;
END;
CREATE TRIGGER kb_articles_update AFTER UPDATE ON kb_articles BEGIN
    DELETE FROM kb_search WHERE rowid = old.id;
    INSERT INTO kb_search (rowid, title, body) VALUES (
        new.id,
        replace(replace(new.title, 'ё', 'е'), 'Ё', 'Е'),
        replace(replace(new.body, 'ё', 'е'), 'Ё', 'Е')
    );
END;
