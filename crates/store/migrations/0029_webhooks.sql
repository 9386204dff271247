-- Webhooks (issue 18 §1): endpoints admins subscribe to event types, one delivery row per
-- (event, subscribed endpoint) written in the change's transaction, and every attempt to send one.
--
-- An endpoint is worked by one worker at a time (a lease: `claimed_by`, `claimed_until`), which
-- sends its pending deliveries in id order; after a failed attempt the whole endpoint waits until
-- `retry_at`, so event N+1 never overtakes event N.
CREATE TABLE webhook_endpoints (
    id {{ID}},
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- Patterns separated by single spaces: *, family.* or family.action.
    event_types TEXT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    -- whsec_ + base64 of 32 random bytes (Standard Webhooks). After a rotation the previous
    -- secret signs too until previous_secret_until.
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until BIGINT,
    -- Why it was turned off automatically (NULL when enabled, or turned off by an admin).
    disabled_reason TEXT,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    failing_since BIGINT,
    -- The endpoint's deliveries wait until then after a failure.
    retry_at BIGINT NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX webhook_endpoints_enabled ON webhook_endpoints (enabled, retry_at);

CREATE TABLE webhook_deliveries (
    id {{ID}},
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    -- The webhook-id header: one per event, the same for every endpoint, attempt and replay.
    message_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    -- The body exactly as signed and sent: {"type", "timestamp", "data"}.
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    -- pending, delivered, failed (given up after its last retry)
    status TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    delivered_at BIGINT,
    last_status_code BIGINT,
    last_error TEXT,
    -- A manual replay names the delivery it repeats.
    replay_of BIGINT
);
-- The worker's queue: an endpoint's pending deliveries in order.
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (endpoint_id, status, id);
-- The delivery log and replays by time range.
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, created_at, id);

CREATE TABLE webhook_attempts (
    id {{ID}},
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id),
    endpoint_id BIGINT NOT NULL,
    attempted_at BIGINT NOT NULL,
    -- The HTTP status the endpoint answered; NULL when it did not answer (refused, time-out).
    status_code BIGINT,
    duration_ms BIGINT NOT NULL,
    error TEXT,
    -- A few hundred characters of what the endpoint answered.
    response TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
