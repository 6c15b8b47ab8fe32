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
-- ... beside the appeal's opening, holder, spam mark and stars (copies of `appeals`, kept by
-- the backend with the appeal's row), so that a year's S6 and A6 are each one covering index's
-- scan, already in the order of their groups (holder, level), without a join or a sort.
ALTER TABLE appeal_sla ADD COLUMN opened_at INTEGER;
ALTER TABLE appeal_sla ADD COLUMN holder INTEGER;
ALTER TABLE appeal_sla ADD COLUMN spam INTEGER NOT NULL DEFAULT 0;
ALTER TABLE appeal_sla ADD COLUMN stars INTEGER;
UPDATE appeal_sla SET
    opened_at = (SELECT a.opened_at FROM appeals a WHERE a.id = appeal_sla.appeal_id),
    holder = (SELECT a.holder FROM appeals a WHERE a.id = appeal_sla.appeal_id),
    spam = COALESCE((SELECT a.spam FROM appeals a WHERE a.id = appeal_sla.appeal_id), 0),
    stars = (SELECT a.stars FROM appeals a WHERE a.id = appeal_sla.appeal_id);
CREATE INDEX appeal_sla_report ON appeal_sla (line_id, holder, level, opened_at, spam,
    reaction_met, resolution_met, reaction_work_ms, resolution_work_ms, resolved_at, stars);
-- A6's rating comments of a period: only the appeals that have one.
CREATE INDEX appeals_commented ON appeals (line_id, opened_at)
    WHERE rating_comment IS NOT NULL AND rating_comment <> '';

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
