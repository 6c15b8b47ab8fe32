-- Line server storage, migration 21 (issue 14): consultative call transfer (A3 for calls). A
-- consultation is a call row between two specialists about a client's call: `consult_of` names
-- that call, `consulted_by` the consulting specialist (its caller), `specialist_id` the
-- colleague it rings. It names the client and the appeal so it is found with them, but the
-- client is no party of it: the one-live-call index counts neither transfer legs nor
-- consultations, and a call has at most one live consultation.
ALTER TABLE calls ADD COLUMN consult_of INTEGER REFERENCES calls (id);
ALTER TABLE calls ADD COLUMN consulted_by INTEGER REFERENCES specialists (id);
DROP INDEX calls_live;
CREATE UNIQUE INDEX calls_live ON calls (line_id, client_id)
    WHERE state <> 'ended' AND transfer_of IS NULL AND consult_of IS NULL;
CREATE UNIQUE INDEX calls_live_consultation ON calls (consult_of)
    WHERE state <> 'ended' AND consult_of IS NOT NULL;
