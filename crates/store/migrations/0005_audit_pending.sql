-- On PostgreSQL, a change writes its audit event here, in its own transaction, without touching the
-- chain; the sealer then moves pending events into audit_events in commit order, each with its
-- gapless id and its link in the hash chain. Concurrent writers therefore no longer queue on the
-- single audit_head row through their commit's flush. SQLite, whose writers are serialised anyway,
-- keeps chaining in the writing transaction and leaves this table empty.
CREATE TABLE audit_pending (
    id {{ID}},
    occurred_at BIGINT NOT NULL,
    actor_user_id BIGINT,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_pending_entity ON audit_pending (entity_type, entity_id, id);
