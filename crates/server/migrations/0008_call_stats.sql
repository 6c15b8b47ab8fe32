-- Line server storage, migration 8: what calls leave behind (V1). Each party's statistics of a
-- call (once per party), and the call's recording: the Ogg file lives in the data dir under
-- `recordings/call-<id>.ogg`; this row says it is complete and attached to the appeal.

CREATE TABLE call_stats (
    call_id INTEGER NOT NULL REFERENCES calls (id),
    party TEXT NOT NULL CHECK (party IN ('specialist', 'client')),
    at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    packets_sent INTEGER NOT NULL,
    packets_received INTEGER NOT NULL,
    loss_permille INTEGER NOT NULL,
    late_permille INTEGER NOT NULL,
    jitter_ms INTEGER NOT NULL,
    buffer_ms INTEGER NOT NULL,
    rtt_ms INTEGER,
    mos_centi INTEGER NOT NULL,
    PRIMARY KEY (call_id, party)
);

CREATE TABLE call_recordings (
    call_id INTEGER PRIMARY KEY REFERENCES calls (id),
    bytes INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by INTEGER NOT NULL REFERENCES specialists (id),
    uploaded_at INTEGER NOT NULL
);
