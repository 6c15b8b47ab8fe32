-- Migration 6: what the clients list shows of an appeal beyond the ring (issue 4 events):
-- waiting in the line's queue (A2: anyone may take it), and its SLA deadlines (S2, S3) with the
-- last alert the server raised.

ALTER TABLE conversations ADD COLUMN queued INTEGER NOT NULL DEFAULT 0;
-- Unix ms; the reaction deadline is cleared once a specialist has answered.
ALTER TABLE conversations ADD COLUMN reaction_due INTEGER;
ALTER TABLE conversations ADD COLUMN resolution_due INTEGER;
-- NULL, 'at_risk' or 'breached'.
ALTER TABLE conversations ADD COLUMN sla_alert TEXT
    CHECK (sla_alert IS NULL OR sla_alert IN ('at_risk', 'breached'));
