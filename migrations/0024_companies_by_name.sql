-- Store migration 24 (issue 16, item 5): the first sync and the client search at 100,000
-- clients. A company is found by name and INN at every client card the sync writes
-- (crates/store/src/replica.rs, upsert_company). Without an index that was a scan of every company per client: the first sync of 10,000 clients took 16 s.
CREATE INDEX companies_by_name ON companies (name, inn);

-- And the client search's surnames come in alphabetical order from an index of names (the
-- collation `ru_ci`: case-insensitive, ё as е; crates/store/src/clients.rs), a range that
-- stops at the page's end instead of sorting every client a surname prefix matches.
CREATE INDEX clients_by_name ON clients (name COLLATE ru_ci);
