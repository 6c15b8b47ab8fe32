-- Line server storage, migration 20 (issue 15, R1): the supervisor's reports.

-- A supervisor of a line sees everyone's figures there and the online monitor; other
-- specialists see their own.
ALTER TABLE line_specialists ADD COLUMN supervisor INTEGER NOT NULL DEFAULT 0;

-- S6: each appeal's decided deadlines, kept when reached (linedesk_line::sla_outcome): the
-- working time to the first reaction and to the resolution (waits not counted), and whether
-- each was met. NULL while undecided. Rows of earlier servers are filled at open.
ALTER TABLE appeal_sla ADD COLUMN reaction_work_ms INTEGER;
ALTER TABLE appeal_sla ADD COLUMN reaction_met INTEGER;
ALTER TABLE appeal_sla ADD COLUMN resolution_work_ms INTEGER;
ALTER TABLE appeal_sla ADD COLUMN resolution_met INTEGER;
ALTER TABLE appeal_sla ADD COLUMN outcome_pending INTEGER NOT NULL DEFAULT 0;
UPDATE appeal_sla SET outcome_pending = 1 WHERE reacted_at IS NOT NULL OR resolved_at IS NOT NULL;
CREATE INDEX appeal_sla_outcome_pending ON appeal_sla (appeal_id) WHERE outcome_pending = 1;

-- A6: every transfer of an appeal (A3), kept from the log's `appeal_transferred` events as they
-- are appended; those already logged are copied here.
CREATE TABLE appeal_transfers (
    line_id INTEGER NOT NULL REFERENCES lines (id),
    seq INTEGER NOT NULL,
    appeal_id INTEGER NOT NULL,
    from_specialist INTEGER NOT NULL,
    to_specialist INTEGER,
    at INTEGER NOT NULL,
    PRIMARY KEY (line_id, seq)
) WITHOUT ROWID;
INSERT INTO appeal_transfers (line_id, seq, appeal_id, from_specialist, to_specialist, at)
SELECT line_id, seq, json_extract(body, '$.appeal'), json_extract(body, '$.from'),
       json_extract(body, '$.to'), at
FROM events WHERE json_extract(body, '$.kind') = 'appeal_transferred';
CREATE INDEX appeal_transfers_by_time ON appeal_transfers (line_id, at);

-- Reports read a line's appeals and calls of a period.
CREATE INDEX appeals_by_opening ON appeals (line_id, opened_at);
CREATE INDEX appeal_sla_undecided ON appeal_sla (line_id) WHERE resolution_met IS NULL;
CREATE INDEX calls_by_placing ON calls (line_id, placed_at);
