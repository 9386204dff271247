-- The audit chain becomes keyed (HMAC-SHA256 under a secret kept outside the database). Events
-- already chained keep their plain SHA-256 links: keyed_from is the first event number linked with
-- the key, and key_check an HMAC over it under the key, written by the migrator in this same
-- transaction (see trainyard_store::audit::adopt_key), so that keyed_from cannot be moved without
-- the key. On PostgreSQL, events still pending get keyed links when they are sealed.
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_head ADD COLUMN key_check TEXT NOT NULL DEFAULT '';
UPDATE audit_head SET keyed_from = last_id + 1;

-- Idempotency keys survive a crash mid-request. An in-flight claim now holds a lease
-- (claimed_until): after it, a retry may take the key over and run, unless the request's change
-- committed — `committed` is set in the change's own transaction (see
-- trainyard_store::idempotency), so it commits or vanishes with it. Claims left in flight before
-- this migration cannot tell whether their change committed: they are closed with the
-- "response lost" answer rather than risk running a change twice.
ALTER TABLE idempotency_keys ADD COLUMN claimed_until BIGINT NOT NULL DEFAULT 0;
ALTER TABLE idempotency_keys ADD COLUMN committed BIGINT NOT NULL DEFAULT 0;
UPDATE idempotency_keys SET status = 409, response_body = '{"type":"https://trainyard.dev/problems/idempotent-response-lost","title":"Response lost","status":409,"detail":"This request may have been carried out, but the server stopped before its response was recorded. Look up the result instead of retrying; use a new Idempotency-Key for a new request."}' WHERE status = 0;
