-- LMS hand-off with xAPI (issue 18 §4).
--
-- The Learning Record Store is an endpoint of the webhook machinery (migration 0029) of kind
-- 'xapi': its statements are deliveries, so they share the outbox-in-the-change's-transaction,
-- the per-endpoint ordering, the retries with backoff, the attempt log and the automatic turning
-- off. `secret` holds the basic-auth secret (never shown back), `auth_key` the key.
ALTER TABLE webhook_endpoints ADD COLUMN kind TEXT NOT NULL DEFAULT 'webhook';
ALTER TABLE webhook_endpoints ADD COLUMN auth_key TEXT;
-- The installation's public address when the LRS was configured: the base of the activity ids
-- (courses, sessions) and of the statement ids, which must not change with a process's settings.
ALTER TABLE webhook_endpoints ADD COLUMN activity_base TEXT;
-- One LRS per installation.
CREATE UNIQUE INDEX webhook_endpoints_one_lrs ON webhook_endpoints (kind) WHERE kind = 'xapi';
-- A statement id is derived from its event, so the same event is queued once per endpoint
-- (replays, which repeat an id on purpose, name what they replay).
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (endpoint_id, message_id) WHERE replay_of IS NULL;

-- The e-learning a course expects done before its sessions: xAPI activity ids (IRIs).
CREATE TABLE course_elearning_prerequisites (
    course_id BIGINT NOT NULL REFERENCES courses (id),
    activity_id TEXT NOT NULL,
    PRIMARY KEY (course_id, activity_id)
);

-- When the LRS last showed every prerequisite completed by the learner (NULL: not, or not
-- checked), and when it was last asked.
ALTER TABLE enrollments ADD COLUMN ready_at BIGINT;
ALTER TABLE enrollments ADD COLUMN readiness_checked_at BIGINT;
