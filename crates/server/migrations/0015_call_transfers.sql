-- Line server storage, migration 15 (issue 14): call transfer (A3 for calls). A transfer rings
-- the colleague on a new leg: a call of its own (signalling, statistics, recording) that names
-- the call it continues, who handed it over and why. While the leg rings, the client has two
-- live rows (the call with the transferring specialist and the leg), so the one-live-call
-- index counts only calls no transfer made; a call has at most one live leg.
ALTER TABLE calls ADD COLUMN transfer_of INTEGER REFERENCES calls (id);
ALTER TABLE calls ADD COLUMN transferred_by INTEGER REFERENCES specialists (id);
ALTER TABLE calls ADD COLUMN transfer_reason TEXT;
DROP INDEX calls_live;
CREATE UNIQUE INDEX calls_live ON calls (line_id, client_id)
    WHERE state <> 'ended' AND transfer_of IS NULL;
CREATE UNIQUE INDEX calls_live_leg ON calls (transfer_of)
    WHERE state <> 'ended' AND transfer_of IS NOT NULL;
CREATE INDEX calls_specialist_live ON calls (specialist_id) WHERE state <> 'ended';
