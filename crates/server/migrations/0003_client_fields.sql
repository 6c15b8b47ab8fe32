-- Line server storage, migration 3: what the app's info panel shows about a client (C5),
-- filled by imports.

ALTER TABLE clients ADD COLUMN connect_id TEXT;
ALTER TABLE clients ADD COLUMN email TEXT;
ALTER TABLE clients ADD COLUMN phone TEXT;
ALTER TABLE clients ADD COLUMN company TEXT;
ALTER TABLE clients ADD COLUMN inn TEXT;
ALTER TABLE clients ADD COLUMN position TEXT;
ALTER TABLE clients ADD COLUMN region TEXT;
ALTER TABLE clients ADD COLUMN vip INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX clients_by_connect_id ON clients (line_id, connect_id) WHERE connect_id IS NOT NULL;
