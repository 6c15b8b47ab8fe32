-- Migration 21 (issue 15): S5's appeal type and A5's auto-finish time in the app.
-- An appeal's type, from the server's `AppealTyped` (given at registration or chosen by its
-- holder); NULL: none. The timeline's note says who chose it (`appeal_notes`, kind `typed`).
ALTER TABLE appeals ADD COLUMN appeal_type TEXT;

-- S5: a line's appeal types, as the server gives them (`GET /api/lines/{line}/appeal-types`,
-- fetched again on `ReferenceChanged`), replaced whole, in order.
CREATE TABLE appeal_types (
    line_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (line_id, position)
);

-- A5: a line's auto-finish time in minutes (0: never), as the server announced it
-- (`GET /api/lines/{line}/closing`, `ClosingSettingsChanged`).
CREATE TABLE line_auto_finish (
    line_id INTEGER PRIMARY KEY,
    minutes INTEGER NOT NULL DEFAULT 0
);
