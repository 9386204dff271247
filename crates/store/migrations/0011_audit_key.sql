-- The audit chain becomes keyed (HMAC-SHA256 under a secret kept outside the database). Events
-- already chained keep their plain SHA-256 links: keyed_from is the first event number linked with
-- the key, and key_check an HMAC over it under the key, written by the migrator in this same
-- transaction (see trainyard_store::audit::adopt_key), so that keyed_from cannot be moved without
-- the key. On PostgreSQL, events still pending get keyed links when they are sealed.
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_head ADD COLUMN key_check TEXT NOT NULL DEFAULT '';
UPDATE audit_head SET keyed_from = last_id + 1;
