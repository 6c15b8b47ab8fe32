-- Migration 17: how good each finished call was (issue 14, quality honesty), one row per party
-- that reported: its MOS, the loss, late packets and jitter of what it heard, and what the other
-- side's RTCP reports said about what it sent (NULL: no report).

CREATE TABLE call_quality (
    call_id INTEGER NOT NULL,
    party TEXT NOT NULL CHECK (party IN ('specialist', 'client')),
    mos_centi INTEGER NOT NULL,
    loss_permille INTEGER NOT NULL,
    late_permille INTEGER NOT NULL,
    jitter_ms INTEGER NOT NULL,
    rtt_ms INTEGER,
    far_loss_permille INTEGER,
    far_jitter_ms INTEGER,
    PRIMARY KEY (call_id, party)
);
