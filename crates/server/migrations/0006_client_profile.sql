-- Line server storage, migration 6: the whole client card of the app's info panel (C5), which
-- now comes from the server; the app's local store is its cache.

ALTER TABLE clients ADD COLUMN company_reg TEXT;
ALTER TABLE clients ADD COLUMN its_contract TEXT;
ALTER TABLE clients ADD COLUMN support_params TEXT;
ALTER TABLE clients ADD COLUMN department TEXT;
ALTER TABLE clients ADD COLUMN birth_date TEXT;
ALTER TABLE clients ADD COLUMN work_status TEXT;
-- JSON array of names.
ALTER TABLE clients ADD COLUMN responsible TEXT NOT NULL DEFAULT '[]';
